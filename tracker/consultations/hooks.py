"""Where features built on consultations plug in: whose a record is that a hint is acknowledged on."""

from tracker.hooks import Hook

# (plan_item_id) -> int | None. The enquiry a plan item belongs to (plans answer), so a hint acknowledged on an item
# is checked against the enquiry it is recorded for.
item_enquiry: Hook[int | None] = Hook("plan item's enquiry")

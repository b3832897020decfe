"""Where features built on accounts plug in: what happens to a person's open work when their account stops."""

from tracker.hooks import Hook

# (user, *, by_id) -> None. An account was deactivated (in the same transaction): features hand on its open work
# (follow-ups go to the reception team).
deactivated: Hook[None] = Hook("account deactivated")

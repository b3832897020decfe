"""Where features built on the audit trail plug in: who its pages may name."""

from tracker.hooks import Hook

# () -> list of (id, name). The people the trail's "who" filter offers, by name (auth: every account, active or not).
staff: Hook[list] = Hook("audit staff")

"""What accounts give the audit trail: the people its filter may name."""

from tracker.audit import hooks
from tracker.auth import queries

hooks.staff.provider(rank=10)(queries.names)

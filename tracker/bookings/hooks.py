"""Where features built on bookings plug in: a treatment session's own rules when it moves."""

from tracker.hooks import Hook

# (appointment, slot) -> None. A treatment session is being moved to `slot`: the plan's rules (its order, the
# interval since the previous session) may refuse it by raising BookingError.
session_moving: Hook[None] = Hook("treatment session moving")

# (appointment, performed_by) -> None. A treatment session is being recorded as done by `performed_by`: the
# plan's rules (only its practitioner) may refuse it by raising BookingError.
session_performing: Hook[None] = Hook("treatment session performing")

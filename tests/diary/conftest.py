"""The diary's tests build with the booking tests' builders (enquiries, appointments, rooms)."""

from tests.bookings.conftest import make_appointment, make_enquiry, make_room  # noqa: F401  (fixtures)

"""Fixtures for the enquiry tests: the clinic zone the expectations assume, and a receptionist's enquiry."""

import pytest

from tests.builders import desk_enquiry
from tests.enquiries.bad_input import ZONE


@pytest.fixture(autouse=True)
def zone_checked(request):
    """Expectations here build clinic times in ZONE: a test's app must be in the same zone."""
    if "app" in request.fixturenames:
        assert request.getfixturevalue("app").config["CLINIC_TIMEZONE"] == ZONE.key


@pytest.fixture
def desk(app, login_as) -> tuple[int, int, int]:
    """A signed-in receptionist and a new enquiry: (user id, patient id, enquiry id)."""
    user = login_as("reception")
    return (user.id, *desk_enquiry(app, user.id))

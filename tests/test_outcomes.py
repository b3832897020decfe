"""The one refusal path: every service error is a ServiceError, and submit() saves or says why where it belongs."""

import pytest
from flask import get_flashed_messages
from wtforms import StringField

from tracker.auth.services import AccountRuleError, EmailTaken
from tracker.bookings.services import BookingError
from tracker.catalogue.services import TreatmentNameTaken
from tracker.consultations.hints import HintError
from tracker.consultations.services import AssessmentError
from tracker.enquiries.services import StageError
from tracker.errors import ConflictError, ServiceError
from tracker.followups.services import FollowUpError
from tracker.forms import TrackerForm
from tracker.imports.parse import FileError
from tracker.imports.services import MappingError
from tracker.intake.api_payload import PayloadError
from tracker.outcomes import refused, submit
from tracker.patients.merge import MergeError
from tracker.patients.services import RestoreError
from tracker.plans.services import PlanError
from tracker.settings.services import InvalidWeek, OptionLabelTaken


class NameForm(TrackerForm):
    class Meta:
        csrf = False

    name = StringField()


@pytest.fixture
def form(app):
    with app.test_request_context("/", method="POST", data={"name": "Ada"}):
        form = NameForm()
        assert form.validate()  # as in a view: refusals come after a valid form
        yield form


@pytest.mark.parametrize("error", [
    PlanError("x"), RestoreError("x"), MergeError("x"), AccountRuleError("x"), EmailTaken(), AssessmentError("x"),
    HintError("x"), FileError("x"), MappingError(["x"]), StageError("x"), BookingError("x"), FollowUpError("x"),
    PayloadError({}), OptionLabelTaken(), InvalidWeek("x"), TreatmentNameTaken()])
def test_every_service_error_is_a_service_error_with_a_field(error):
    assert isinstance(error, ServiceError) and isinstance(error, ValueError)
    assert hasattr(error, "field")


def test_a_refusal_is_said_beside_its_field_or_above_the_form(form):
    assert refused(form, PlanError("Too long.", "name")) == 200
    assert refused(form, PlanError("Not now.", "nowhere")) == 200
    assert refused(form, ConflictError("Grace")) == 409
    assert form.name.errors == ["Too long."]
    assert form.form_errors[0] == "Not now." and "changed by Grace" in form.form_errors[1]


def test_a_field_map_places_the_message(form):
    refused(form, BookingError("Taken.", "starts_at"), fields={"starts_at": "name"})
    refused(form, BookingError("Elsewhere.", "name"), fields={})
    assert form.name.errors == ["Taken."] and form.form_errors == ["Elsewhere."]


def test_saved_reads_the_message_and_target_from_the_result_then_redirects(form):
    outcome = submit(form, lambda: 7, done=lambda n: f"Saved {n}.", to=lambda n: f"/things/{n}")
    assert outcome.response.location == "/things/7" and outcome.result == 7
    assert get_flashed_messages(with_categories=True) == [("success", "Saved 7.")]


def test_refused_draws_the_form_again_or_flashes_and_goes_back(form):
    def refuse():
        raise StageError("Not from here.", "name")

    again = submit(form, refuse, done="never", to="/done")
    flashed = submit(form, refuse, done="never", to="/done", back="/back", alert="warning")
    assert again.response is None and again.status == 200 and form.name.errors == ["Not from here."]
    assert flashed.response.location == "/back"
    assert get_flashed_messages(with_categories=True) == [("warning", "Not from here.")]


def test_with_back_a_conflict_goes_on_to_the_409_page(form):
    def conflict():
        raise ConflictError("Grace")

    with pytest.raises(ConflictError):
        submit(form, conflict, done="never", to="/done", back="/back")

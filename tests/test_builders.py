"""One set of builders and page helpers: no other test module defines a function of the same name (so copies,
with their own signatures, do not creep back); and the shared builders build what they say."""

import ast
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from tests import builders, pages
from tests.builders import enquiry_row, read_patient, stage_changes
from tracker.enquiries.stages import Stage
from tracker.followups.models import FollowUpKind, FollowUpStatus
from tracker.followups.services import FollowUpError

TESTS = Path(__file__).parent
SHARED = (TESTS / "builders.py", TESTS / "pages.py", TESTS / "conftest.py")
# Names the copies went by before they were replaced, and the root conftest's builder fixtures.
FORMER = {"make_desk_enquiry", "move_enquiry", "set_stage", "add_room", "count_rows", "new_enquiry", "stage_notes",
          "make_user", "make_patient", "make_enquiry", "make_appointment", "make_room", "make_treatment",
          "consultation", "make_follow_up", "add_appointment", "today_of", "lost_reason_id", "row", "count",
          "clinic_today_of", "_clinic_today"}


def _public_functions(path: Path) -> set[str]:
    return {node.name for node in ast.parse(path.read_text()).body
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")}


def _shared_names() -> set[str]:
    return _public_functions(SHARED[0]) | _public_functions(SHARED[1]) | FORMER


def _defined(path: Path) -> set[str]:
    """Every function and class a module defines, nested in functions too (builders inside fixtures), but not the
    methods of a class (a dataset builder's own steps, such as the reports' clinic)."""
    names: set[str] = set()
    pending = list(ast.parse(path.read_text()).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            if isinstance(node, ast.ClassDef):
                continue
        pending.extend(ast.iter_child_nodes(node))
    return names


def test_no_test_module_defines_its_own_copy_of_a_shared_builder_or_page_helper():
    shared = _shared_names()
    copies = {str(path.relative_to(TESTS)): sorted(_defined(path) & shared)
              for path in sorted(TESTS.rglob("*.py")) if path not in SHARED}
    assert {path: names for path, names in copies.items() if names} == {}


def test_the_check_sees_the_shared_names():
    shared = _shared_names()
    assert {"enquiry", "patient", "treatment", "field_error", "form_error_text", "make_enquiry"} <= shared


def test_the_builders_expose_what_the_fixtures_wrap(make_enquiry, make_patient, make_user, make_treatment,
                                                    make_follow_up):
    assert make_enquiry.func is builders.enquiry and make_patient.func is builders.patient
    assert make_user.func is builders.user and make_treatment.func is builders.treatment
    assert make_follow_up.func is builders.add_follow_up
    assert callable(pages.field_error)


def test_an_enquiry_is_built_for_a_new_patient_with_the_names_given(app, make_user):
    desk = make_user("reception")
    enquiry_id = builders.enquiry(app, by_id=desk.id, first_name="Nia", last_name="Jones", spoken_to=True,
                                  hours_ago=0)
    row = enquiry_row(app, enquiry_id)
    assert row["logged_by_id"] == row["assigned_to_id"] == desk.id and row["stage"] is Stage.CONTACTED
    assert (read_patient(app, row["patient_id"]).first_name, read_patient(app, row["patient_id"]).last_name) == (
        "Nia", "Jones")
    assert [change[:2] for change in stage_changes(app, enquiry_id)] == [(None, Stage.NEW),
                                                                        (Stage.NEW, Stage.CONTACTED)]


def test_each_patient_of_a_test_gets_its_own_phone_number(app):
    ids = [builders.patient(app) for _ in range(3)]
    assert len({read_patient(app, i).phone for i in ids}) == 3


def test_a_follow_up_is_added_through_the_service_or_written_straight_with_any_status(app, make_user):
    desk = make_user("reception")
    enquiry_id = builders.quiet_enquiry(app)
    added = builders.add_follow_up(app, enquiry_id, by_id=desk.id, assigned_to_id=desk.id, **builders.HAND_MADE)
    found = builders.follow_up_row(app, added)
    assert (found.kind, found.note, found.created_by_id, found.assigned_to_id, found.status, found.due_on) == (
        FollowUpKind.OTHER, "Ask about the photos", desk.id, desk.id, FollowUpStatus.OPEN,
        builders.today(app) + timedelta(days=3))
    with pytest.raises(FollowUpError):  # the service's checks: not before the enquiry was received
        builders.add_follow_up(app, enquiry_id, builders.today(app) - timedelta(days=builders.QUIET_DAYS + 1))
    done = builders.add_follow_up(app, enquiry_id, date(2020, 1, 1), "09:30", status=FollowUpStatus.DONE,
                                  straight=True)
    found = builders.follow_up_row(app, done)
    assert (found.kind, found.due_on, found.due_time, found.status) == (
        FollowUpKind.CALL_BACK, date(2020, 1, 1), time(9, 30), FollowUpStatus.DONE)
    assert [f.id for f in builders.follow_up_rows(app, enquiry_id)][-2:] == [added, done]

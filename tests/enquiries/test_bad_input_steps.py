"""Stage, contact, note and archive steps never 500, store only valid steps and flash every refusal."""


from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from tests.builders import desk_enquiry, enquiry_row
from tests.enquiries.bad_input import (
    HOSTILE_NAME,
    ID_TEXT,
    MAX_ID,
    STAGES,
    as_id,
    assert_not_server_error,
    assert_page_escapes,
    desk_choices,
    examples,
    forms,
)
from tests.pages import explains, same_site_path, take_flashes
from tests.properties import DIGIT_LIKE, HOSTILE, VERSION_TEXT, as_int, desk_counts, has_control, storable_text
from tracker.enquiries.models import ContactAttempt, ContactOutcome, EnquiryNote, StageChange
from tracker.enquiries.stages import Stage, can_move, is_manual
from tracker.extensions import db

OUTCOMES = {o.value for o in ContactOutcome}


# --- steps on the enquiry page ----------------------------------------------------------------

def _refused_with_a_message(client, response, enquiry_id: int) -> None:
    """A step refused by its form: back to the enquiry page with the reason flashed as danger."""
    assert response.status_code == 302
    assert same_site_path(response.headers["Location"]) == f"/enquiries/{enquiry_id}"
    flashed = take_flashes(client)
    assert flashed and all(category == "danger" for category, _ in flashed), flashed


def _accepted(client, response, location: str) -> None:
    assert response.status_code == 302
    assert same_site_path(response.headers["Location"]) == location
    assert [category for category, _ in take_flashes(client)] == ["success"]


def stage_outcome(start: Stage, lost_from: Stage | None, to: str, reason: str, note: str, version: str,
                  current: int, reasons: list[int]) -> str | Stage:
    """What the stage form must do: "form" / "conflict" / "stage" refusals, or the stage it moves to."""
    number = as_int(version)
    if (any(has_control(v) for v in (to, reason, note, version)) or to not in STAGES
            or as_id(reason) not in {None, *reasons} or len(note) > 2000
            or number is None or not 1 <= number <= MAX_ID or (to == Stage.LOST and not as_id(reason))):
        return "form"
    if number != current:
        return "conflict"
    target = Stage(to)
    if target is Stage.LOST:
        return target if start.is_open else "stage"
    if start is Stage.LOST:  # back where it was lost; lost while booked, its consultation was cancelled
        back_to = {Stage.CONSULTATION_BOOKED: Stage.CONTACTED,
                   Stage.TREATMENT_BOOKED: Stage.PLAN_PROPOSED}.get(lost_from, lost_from)
        return target if target is back_to else "stage"
    return target if can_move(start, target) and is_manual(start, target) else "stage"


def test_stage_change_with_any_input_never_500_and_moves_only_as_the_table_allows(app, client, login_as):
    user = login_as("reception")
    choices = desk_choices(app)
    open_stages = [s for s in Stage if s.is_open]

    valid = {"to": st.sampled_from(sorted(STAGES)), "reason": st.sampled_from(["", *map(str, choices.lost_reasons)]),
             "note": storable_text(0, 60), "version": st.none()}
    bad = {"to": st.one_of(HOSTILE, st.sampled_from(["", "LOST", " lost", "Lost"])),
           "reason": st.one_of(ID_TEXT, st.just(str(choices.sources[0]))),  # an id from another list
           "note": st.one_of(HOSTILE, st.just("n" * 2001)), "version": st.one_of(VERSION_TEXT, DIGIT_LIKE)}

    @examples(50)
    @given(start=st.sampled_from(list(Stage)), lost_from=st.sampled_from(open_stages), form=forms(valid, bad, 2))
    @example(start=Stage.NEW, lost_from=Stage.NEW, form={"to": "lost", "reason": "", "note": "", "version": None})
    @example(start=Stage.NEW, lost_from=Stage.NEW, form={"to": "completed", "reason": "", "note": "", "version": None})
    @example(start=Stage.NEW, lost_from=Stage.NEW, form={"to": "contacted", "reason": "", "note": "", "version": None})
    @example(start=Stage.LOST, lost_from=Stage.CONSULTATION_BOOKED,
             form={"to": "consultation_booked", "reason": "", "note": "", "version": None})
    @example(start=Stage.LOST, lost_from=Stage.CONSULTATION_BOOKED,
             form={"to": "contacted", "reason": "", "note": "", "version": None})
    @example(start=Stage.LOST, lost_from=Stage.CONSULTED,
             form={"to": "consulted", "reason": "", "note": "<b>back</b>", "version": None})
    @example(start=Stage.IN_TREATMENT, lost_from=Stage.NEW,
             form={"to": "completed", "reason": "", "note": HOSTILE_NAME, "version": None})
    @example(start=Stage.NEW, lost_from=Stage.NEW, form={"to": "lost", "reason": "", "note": "", "version": "2"})
    def check(start, lost_from, form):
        to, reason, note, version = form["to"], form["reason"], form["note"], form["version"]
        _, enquiry_id = desk_enquiry(app, user.id, stage=start,
                                          lost_from=lost_from if start is Stage.LOST else None)
        before, counts = enquiry_row(app, enquiry_id), desk_counts(app)
        sent = str(before["version"]) if version is None else version
        expected = stage_outcome(start, lost_from, to, reason, note, sent, before["version"], choices.lost_reasons)
        event(f"{expected}")
        response = client.post(f"/enquiries/{enquiry_id}/stage",
                               data={"to_stage": to, "lost_reason_id": reason, "note": note, "version": sent})
        assert_not_server_error(response, f"POST stage from {start} {to=} {reason=} {note=} {sent=}")
        if isinstance(expected, Stage):
            _accepted(client, response, f"/enquiries/{enquiry_id}")
            after = enquiry_row(app, enquiry_id)
            assert after["stage"] is expected
            assert desk_counts(app)["stage_changes"] == counts["stage_changes"] + 1
            with app.app_context():
                change = db.session.scalars(select(StageChange).where(StageChange.enquiry_id == enquiry_id)
                                            .order_by(StageChange.id.desc())).first()
                assert (change.from_stage, change.to_stage, change.note) == (start, expected, note.strip() or None)
            assert_page_escapes(client, f"/enquiries/{enquiry_id}", note.strip())
            return
        if expected == "conflict":
            assert response.status_code == 409
            assert explains(response)
        else:
            _refused_with_a_message(client, response, enquiry_id)
        assert enquiry_row(app, enquiry_id) == before
        assert desk_counts(app) == counts

    check()


def test_logging_a_contact_with_any_input_never_500_and_stores_only_a_valid_attempt(app, client, login_as):
    user = login_as("reception")
    _, enquiry_id = desk_enquiry(app, user.id)

    @examples(30)
    @given(outcome=st.one_of(st.sampled_from(sorted(OUTCOMES)), st.sampled_from(sorted(OUTCOMES)), HOSTILE,
                             st.sampled_from(["", "REACHED"])),
           note=st.one_of(storable_text(0, 60), storable_text(0, 60), HOSTILE, st.just("n" * 2001)))
    @example(outcome="reached", note=HOSTILE_NAME)
    @example(outcome="no_answer", note="a\x00b")
    @example(outcome="<script>alert(1)</script>", note="")
    def check(outcome, note):
        before, counts = enquiry_row(app, enquiry_id), desk_counts(app)
        valid = outcome in OUTCOMES and len(note) <= 2000 and not has_control(note)
        response = client.post(f"/enquiries/{enquiry_id}/contact", data={"outcome": outcome, "note": note})
        assert_not_server_error(response, f"POST contact {outcome=} {note=}")
        if not valid:
            event("refused")
            _refused_with_a_message(client, response, enquiry_id)
            assert enquiry_row(app, enquiry_id) == before
            assert desk_counts(app) == counts
            return
        event("logged")
        _accepted(client, response, f"/enquiries/{enquiry_id}")
        contacted = outcome == ContactOutcome.REACHED and before["stage"] is Stage.NEW
        after = desk_counts(app)
        assert after["contact_attempts"] == counts["contact_attempts"] + 1
        assert after["stage_changes"] == counts["stage_changes"] + contacted
        with app.app_context():
            attempt = db.session.scalars(select(ContactAttempt).order_by(ContactAttempt.id.desc())).first()
            assert (attempt.enquiry_id, attempt.outcome.value, attempt.note) == (enquiry_id, outcome,
                                                                                 note.strip() or None)
        assert_page_escapes(client, f"/enquiries/{enquiry_id}", note.strip())

    check()


def test_adding_a_note_with_any_input_never_500_and_stores_exactly_the_typed_note(app, client, login_as):
    user = login_as("reception")
    _, enquiry_id = desk_enquiry(app, user.id)

    @examples(30)
    @given(body=st.one_of(storable_text(0, 60), storable_text(0, 4000), HOSTILE,
                          st.sampled_from(["", "   ", "\u3000\n", "n" * 4001, "n" * 4000])))
    @example(body=HOSTILE_NAME)
    @example(body="</textarea><script>alert(1)</script>")
    @example(body="a\x00b")
    @example(body=" \n ")
    def check(body):
        counts = desk_counts(app)
        valid = bool(body.strip()) and len(body) <= 4000 and not has_control(body)
        response = client.post(f"/enquiries/{enquiry_id}/notes", data={"body": body})
        assert_not_server_error(response, f"POST notes {body=}")
        if not valid:
            event("refused")
            _refused_with_a_message(client, response, enquiry_id)
            assert desk_counts(app) == counts
            return
        event("added")
        _accepted(client, response, f"/enquiries/{enquiry_id}")
        assert desk_counts(app)["enquiry_notes"] == counts["enquiry_notes"] + 1
        with app.app_context():
            stored = db.session.scalars(select(EnquiryNote).order_by(EnquiryNote.id.desc())).first()
            assert (stored.enquiry_id, stored.body) == (enquiry_id, body.strip())
        assert_page_escapes(client, f"/enquiries/{enquiry_id}", body.strip())

    check()


def _version_outcome(sent: str, current: int) -> str:
    number = as_int(sent)
    if has_control(sent) or number is None or not 1 <= number <= MAX_ID:
        return "refused"
    return "archived" if number == current else "conflict"


def test_archiving_an_enquiry_with_any_version_never_500_and_archives_only_the_current_one(app, client, login_as):
    user = login_as("reception")

    @examples(25)
    @given(version=st.one_of(st.none(), st.none(), st.none(), VERSION_TEXT, DIGIT_LIKE,
                             st.sampled_from(["", " 1 ", "1\x00", "0", "2", str(2**31), str(2**63), "9" * 5000])))
    def check(version):
        patient_id, enquiry_id = desk_enquiry(app, user.id)
        before, counts = enquiry_row(app, enquiry_id), desk_counts(app)
        sent = str(before["version"]) if version is None else version
        expected = _version_outcome(sent, before["version"])
        event(expected)
        response = client.post(f"/enquiries/{enquiry_id}/archive", data={"version": sent})
        assert_not_server_error(response, f"POST archive version={sent!r}")
        if expected == "archived":
            _accepted(client, response, f"/patients/{patient_id}")
            assert enquiry_row(app, enquiry_id)["archived_at"] is not None
            assert client.get(f"/enquiries/{enquiry_id}").status_code == 404
            return
        if expected == "conflict":
            assert response.status_code == 409
            assert explains(response)
        else:
            _refused_with_a_message(client, response, enquiry_id)
        assert enquiry_row(app, enquiry_id) == before
        assert desk_counts(app) == counts

    check()


# --- the rules the issue names, one by one ----------------------------------------------------

def test_marking_lost_without_a_reason_is_refused_and_nothing_is_written(app, client, desk):
    _, _, enquiry_id = desk
    before, counts = enquiry_row(app, enquiry_id), desk_counts(app)
    response = client.post(f"/enquiries/{enquiry_id}/stage",
                           data={"to_stage": "lost", "lost_reason_id": "", "note": "gone quiet", "version": "1"})
    assert response.status_code == 302
    assert take_flashes(client) == [("danger", "Choose why the enquiry was lost.")]
    assert enquiry_row(app, enquiry_id) == before
    assert desk_counts(app) == counts


def test_a_move_the_table_does_not_allow_is_refused_with_a_message_and_nothing_is_written(app, client, desk):
    user_id, _, _ = desk
    reason = str(desk_choices(app).lost_reasons[0])
    for start, to, message in [
        (Stage.NEW, "completed", "An enquiry cannot go from new to completed."),
        (Stage.NEW, "in_treatment", "An enquiry cannot go from new to in treatment."),
        (Stage.COMPLETED, "lost", "A completed enquiry cannot be marked lost."),
        (Stage.LOST, "completed", "A lost enquiry reopens to the stage it was lost from."),
        (Stage.NEW, "contacted",
         "Contacted is set by logging a reached contact or cancelling the consultation, not by hand."),
    ]:
        _, enquiry_id = desk_enquiry(app, user_id, stage=start, lost_from=Stage.CONTACTED)
        before, counts = enquiry_row(app, enquiry_id), desk_counts(app)
        response = client.post(f"/enquiries/{enquiry_id}/stage", data={
            "to_stage": to, "lost_reason_id": reason, "version": str(before["version"])})
        assert response.status_code == 302
        assert take_flashes(client) == [("danger", message)]
        assert enquiry_row(app, enquiry_id) == before
        assert desk_counts(app) == counts

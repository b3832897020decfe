"""Any input to the board and its move form: never a 500, nothing saved unless valid, every refusal explained."""

from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from tests.builders import desk_enquiry, enquiry_row
from tests.enquiries.bad_input import (
    CHANNELS,
    CONCERNS,
    HOSTILE_NAME,
    HOSTILE_SURNAME,
    ID_TEXT,
    MAX_ID,
    STAGES,
    as_id,
    assert_not_server_error,
    desk_choices,
    examples,
    forms,
)
from tests.enquiries.test_bad_input_lists import list_filter_refusals
from tests.pages import explains, field_error, injected_markup, same_site_path, take_flashes
from tests.properties import ANY_CHAR, ANY_TEXT, HOSTILE, VERSION_TEXT, as_int, desk_counts, has_control, storable_text
from tracker.auth.sessions import safe_next_url
from tracker.enquiries.models import ContactAttempt, ContactOutcome, StageChange
from tracker.enquiries.stages import Stage, can_move, is_manual
from tracker.extensions import db

NEXTS = st.one_of(st.sampled_from(["/pipeline/board?channel=phone", "/pipeline/board", "", "//evil.example",
                                   "https://evil.example/x", "/\\evil", "javascript:alert(1)"]), HOSTILE)


# Where a lost enquiry reopens to: the stage it was lost from, or, lost while booked, a step back (no patient
# here was ever consulted).
REOPENS = {Stage.CONSULTATION_BOOKED: Stage.CONTACTED, Stage.TREATMENT_BOOKED: Stage.PLAN_PROPOSED}


def board_outcome(start: Stage, lost_from: Stage | None, to: str, reason: str, note: str, version: str,
                  current: int, reasons: list[int]) -> str | Stage:
    """What the move form must do: "form" / "conflict" / "stage" refusals, or the stage it moves to."""
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
    if start is Stage.LOST:
        return target if target is REOPENS.get(lost_from, lost_from) else "stage"
    if start is Stage.NEW and target is Stage.CONTACTED:  # a reached call, logged
        return target
    return target if can_move(start, target) and is_manual(start, target) else "stage"


def test_moving_a_card_with_any_input_never_500_and_moves_only_as_the_rules_allow(app, client, login_as):
    user = login_as("reception")
    choices = desk_choices(app)
    open_stages = [s for s in Stage if s.is_open]
    valid = {"to": st.sampled_from(sorted(STAGES)), "reason": st.sampled_from(["", *map(str, choices.lost_reasons)]),
             "note": storable_text(0, 60), "version": st.none(), "next": st.just("/pipeline/board?channel=phone")}
    bad = {"to": st.one_of(HOSTILE, st.sampled_from(["", "LOST", " lost", "Contacted"])),
           "reason": st.one_of(ID_TEXT, st.just(str(choices.sources[0]))),  # an id from another list
           "note": st.one_of(HOSTILE, st.just("n" * 2001)), "version": st.one_of(VERSION_TEXT, st.just("0")),
           "next": NEXTS}

    @examples(50)
    @given(start=st.sampled_from(list(Stage)), lost_from=st.sampled_from(open_stages), form=forms(valid, bad, 2))
    @example(start=Stage.NEW, lost_from=Stage.NEW, form={"to": "lost", "reason": "", "note": "x", "version": None,
                                                         "next": "/pipeline/board"})
    @example(start=Stage.NEW, lost_from=Stage.NEW, form={"to": "contacted", "reason": "", "note": HOSTILE_NAME,
                                                         "version": None, "next": "//evil.example"})
    @example(start=Stage.CONSULTATION_BOOKED, lost_from=Stage.NEW, form={
        "to": "consulted", "reason": "", "note": "", "version": None, "next": "/pipeline/board\x00"})
    @example(start=Stage.NEW, lost_from=Stage.NEW, form={"to": "lost", "reason": "1", "note": "", "version": "99",
                                                         "next": ""})
    @example(start=Stage.LOST, lost_from=Stage.TREATMENT_BOOKED, form={
        "to": "plan_proposed", "reason": "", "note": "", "version": None, "next": "/pipeline/board"})
    def check(start, lost_from, form):
        to, reason, note, version = form["to"], form["reason"], form["note"], form["version"]
        _, enquiry_id = desk_enquiry(app, user.id, stage=start,
                                          lost_from=lost_from if start is Stage.LOST else None)
        before, counts = enquiry_row(app, enquiry_id), desk_counts(app)
        sent = str(before["version"]) if version is None else version
        expected = board_outcome(start, lost_from, to, reason, note, sent, before["version"], choices.lost_reasons)
        event(f"{expected}")
        response = client.post(f"/pipeline/board/{enquiry_id}/move", data={
            "to_stage": to, "lost_reason_id": reason, "note": note, "version": sent, "next": form["next"]})
        assert_not_server_error(response, f"POST move from {start} {form!r} {sent=}")
        assert not injected_markup(response), injected_markup(response)
        if expected in ("form", "conflict"):
            assert response.status_code == (409 if expected == "conflict" else 200)
            assert explains(response)
        elif expected == "stage":
            assert response.status_code == 302
            assert [c for c, _ in take_flashes(client)] == ["danger"]
        if not isinstance(expected, Stage):
            assert enquiry_row(app, enquiry_id) == before and desk_counts(app) == counts
            return
        assert response.status_code == 302
        location = same_site_path(response.headers["Location"])
        assert safe_next_url(location) == location  # only ever a page of this site
        if safe_next_url(form["next"]) is None:
            assert location == "/pipeline/board"
        assert [c for c, _ in take_flashes(client)] == ["success"]
        assert enquiry_row(app, enquiry_id)["stage"] is expected
        after = desk_counts(app)
        assert after["stage_changes"] == counts["stage_changes"] + 1
        with app.app_context():
            change = db.session.scalars(select(StageChange).where(StageChange.enquiry_id == enquiry_id)
                                        .order_by(StageChange.id.desc())).first()
            assert (change.from_stage, change.to_stage) == (start, expected)
            if start is Stage.NEW and expected is Stage.CONTACTED:  # a reached call, with the note
                attempt = db.session.scalars(select(ContactAttempt)
                                             .where(ContactAttempt.enquiry_id == enquiry_id)).one()
                assert (attempt.outcome, attempt.note) == (ContactOutcome.REACHED, note.strip() or None)
            else:
                assert change.note == (note.strip() or None)

    check()


def test_board_with_any_filters_never_500_never_writes_and_marks_each_unusable_filter(app, client, login_as):
    user = login_as("reception")
    desk_enquiry(app, user.id, first_name=HOSTILE_NAME, last_name=HOSTILE_SURNAME)
    choices = desk_choices(app)
    filters = {
        "stage": st.one_of(st.sampled_from(["", "all", *sorted(STAGES)]), HOSTILE),
        "channel": st.one_of(st.sampled_from(["", *sorted(CHANNELS)]), HOSTILE),
        "source": st.one_of(st.sampled_from(["", *map(str, choices.sources)]), ID_TEXT),
        "assignee": st.one_of(st.sampled_from(["", "me", "none", *map(str, choices.staff)]), ID_TEXT),
        "concern": st.one_of(st.sampled_from(["", *sorted(CONCERNS)]), HOSTILE),
        "treatment": st.one_of(st.sampled_from(["", *map(str, choices.treatments)]), ID_TEXT),
        "received_from": st.one_of(st.sampled_from(["2026-01-01", "2026-02-30", "0000-01-01", " "]), HOSTILE),
        "received_to": st.one_of(st.sampled_from(["2026-12-31", "31/12/2026", "9999-12-31"]), HOSTILE),
        "uncontacted": st.one_of(st.sampled_from(["", "y"]), HOSTILE),
        "no_followup": st.one_of(st.sampled_from(["", "y"]), HOSTILE),
        "reached": st.one_of(st.sampled_from(["", *sorted(STAGES)]), HOSTILE),
        "lost_reason": st.one_of(st.sampled_from(["", "none", "1"]), ID_TEXT),
    }

    @examples(40)
    @given(args=st.fixed_dictionaries({}, optional=filters))
    @example(args={"received_from": "2026-05-01", "received_to": "2026-04-01"})
    @example(args={"stage": "lost\x00", "channel": "\x00", "assignee": "9" * 5000})
    @example(args={"channel": HOSTILE_NAME, "reached": "consulted", "lost_reason": "none"})
    def check(args):
        counts = desk_counts(app)
        response = client.get("/pipeline/board", query_string=args)
        assert_not_server_error(response, f"GET /pipeline/board {args!r}")
        assert response.status_code == 200
        assert not injected_markup(response), injected_markup(response)
        refused = list_filter_refusals({k: v for k, v in args.items() if k != "stage"}, choices)
        event("some filter refused" if refused else "all filters usable")
        for name in refused:
            assert field_error(response, name), f"no error beside {name} for {args[name]!r}"
        assert desk_counts(app) == counts

    check()


def test_board_with_any_query_string_keys_never_500(app, client, login_as):
    """Keys the page does not know, including the names url_for reserves for itself, are ignored."""
    login_as("reception")

    @examples(25)
    @given(args=st.dictionaries(
        st.one_of(st.sampled_from(["stage", "sort", "endpoint", "_method", "_scheme", "_external", "_anchor"]),
                  st.text(ANY_CHAR, min_size=1, max_size=20)),
        st.one_of(ANY_TEXT, st.sampled_from(["x", "1", "https"])), max_size=4))
    @example(args={"endpoint": "x"})
    @example(args={"_method": "x", "_external": "1", "_anchor": "<script>"})
    def check(args):
        response = client.get("/pipeline/board", query_string=args)
        assert_not_server_error(response, f"GET /pipeline/board {args!r}")
        assert not injected_markup(response), injected_markup(response)

    check()

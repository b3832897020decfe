"""The quick log (POST /enquiries/new) never 500s, stores only valid input, explains refusals by the field."""

from datetime import date, timedelta

from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from tests.builders import desk_enquiry, enquiry_row
from tests.enquiries.bad_input import (
    BAD_BORN,
    BAD_ENQUIRY,
    EMAILS,
    HOSTILE_NAME,
    HOSTILE_SURNAME,
    ID_TEXT,
    MAX_ID,
    TEXT_FIELD,
    _new_enquiry_id,
    _quick_log_example,
    _skipped_local_time,
    assert_not_server_error,
    assert_page_escapes,
    assert_stored_enquiry,
    born_dates,
    desk_choices,
    enquiry_fields,
    enquiry_refusals,
    examples,
    forms,
    phones,
    post_data,
)
from tests.pages import explains, field_error, injected_markup, input_value, shows_escaped
from tests.properties import (
    HOSTILE,
    NAME,
    as_int,
    checked,
    desk_counts,
    expected_person,
    has_control,
    person_missing,
    person_refusals,
    storable_text,
    stored_person,
)
from tracker.extensions import db
from tracker.patients import services as patients
from tracker.patients.models import ConsentMethod, ContactMethod, Patient

BAD_PHONE = st.one_of(HOSTILE, st.sampled_from(["12", "+999 1234", "0770090012345678", "07700 9OO123", "+",
                                                 "()", "07700 900123 ext 4", "+44 (0) 7700 900123" * 3]))


BAD_EMAIL = st.one_of(HOSTILE, st.emails(), st.sampled_from(["not-an-email", "a@b", "@clinic.org", "a@@b.org",
                                                              "x@" + "y" * 300 + ".org", "a b@c.org"]))


def person_fields() -> dict:
    """Strategies for the caller's details: valid values (hostile-looking text included)."""
    return {
        "first_name": st.one_of(NAME, storable_text(1, 80)).filter(str.strip),
        "last_name": st.one_of(NAME, storable_text(1, 80)).filter(str.strip),
        "phone": st.one_of(phones(), st.just("")),
        "email": st.one_of(st.just(""), EMAILS),
        "date_of_birth": born_dates(),
        "phone_alt": st.one_of(st.just(""), phones()),
        "preferred_contact": st.sampled_from([m.value for m in ContactMethod]),
        "preferred_times": storable_text(0, 120),
        "marketing_consent": st.sampled_from([None, "y"]),
        "marketing_consent_method": st.sampled_from([m.value for m in ConsentMethod]),
        "notes": TEXT_FIELD,
    }


BAD_PERSON = {
    "first_name": st.one_of(HOSTILE, st.sampled_from(["", "   ", "x" * 81, "\u3000"])),
    "last_name": st.one_of(HOSTILE, st.sampled_from(["", "   ", "y" * 81])),
    "phone": BAD_PHONE, "email": BAD_EMAIL, "date_of_birth": BAD_BORN, "phone_alt": BAD_PHONE,
    "preferred_contact": HOSTILE, "preferred_times": st.one_of(HOSTILE, st.just("t" * 121)),
    "marketing_consent": st.one_of(HOSTILE, st.just("y")), "marketing_consent_method": st.one_of(HOSTILE, st.just("")),
    "notes": st.one_of(HOSTILE, st.just("n" * 4001)),
}


# --- the quick log ----------------------------------------------------------------------------

def _phones_and_emails_on_file(app) -> tuple[set[str], set[str]]:
    with app.app_context():
        rows = db.session.execute(select(Patient.phone, Patient.phone_alt, Patient.email)
                                  .where(Patient.archived_at.is_(None))).all()
    return {p for row in rows for p in row[:2] if p}, {row[2] for row in rows if row[2]}


def _strong_match(app, data: dict) -> bool:
    """A patient on file has this phone or e-mail (what the quick log asks to confirm)."""
    phones_on_file, emails_on_file = _phones_and_emails_on_file(app)
    with app.app_context():
        typed = {patients.parse_phone_or_none(data["phone"]), patients.parse_phone_or_none(data["phone_alt"])}
        email = patients.parse_email_or_none(data["email"])
    return bool(typed & phones_on_file) or email in emails_on_file


def _existing_patient(app, raw: str | None) -> int | None:
    """The active patient a patient_id / attach_patient value names (as the view reads it), or None."""
    number = as_int(raw) if raw is not None else None
    if not number or not -(2**63) <= number < 2**63:
        return None
    with app.app_context():
        patient = db.session.get(Patient, number) if 1 <= number <= MAX_ID else None
        return patient.id if patient is not None and patient.archived_at is None else None


def test_quick_log_for_a_new_caller_with_any_input_never_500_and_stores_exactly_what_is_valid(app, client, login_as):
    user = login_as("reception")
    desk_enquiry(app, user.id, first_name=HOSTILE_NAME, last_name=HOSTILE_SURNAME, phone="+447700900123")
    choices = desk_choices(app)
    extra_bad = {
        "spoken_to": HOSTILE, "confirm_new": HOSTILE,
        "patient_id": ID_TEXT, "attach_patient": ID_TEXT,
    }
    valid = {**person_fields(), **enquiry_fields(choices), "spoken_to": st.sampled_from([None, "y"]),
             "confirm_new": st.sampled_from([None, None, "y"])}

    @examples(60)
    @given(data=forms(valid, {**BAD_PERSON, **BAD_ENQUIRY, **extra_bad}))
    @example(data={**_quick_log_example(choices), "patient_id": str(2**40)})  # beyond a 32-bit id column
    @example(data={**_quick_log_example(choices), "patient_id": str(2**63)})  # beyond any integer column
    @example(data={**_quick_log_example(choices), "attach_patient": str(2**70)})  # beyond any integer column
    @example(data={**_quick_log_example(choices), "first_name": "北京" * 40})  # a long name key
    @example(data={**_quick_log_example(choices), "phone": "07700 900123"})  # the patient on file
    @example(data={**_quick_log_example(choices), "phone": "07700 900123", "confirm_new": "y"})
    @example(data={**_quick_log_example(choices), "received_at": "2026-02-30T10:00"})
    @example(data={**_quick_log_example(choices), "date_of_birth": (date.today() + timedelta(days=1)).isoformat()})
    @example(data={**_quick_log_example(choices), "caller_words": "a\x00b"})
    def check(data):
        attach, attached = _existing_patient(app, data.get("attach_patient")), _existing_patient(
            app, data.get("patient_id"))
        refusals = enquiry_refusals(data, choices) | (set() if attached else person_refusals(app, data))
        strong = not attached and _strong_match(app, data)
        before = desk_counts(app)
        response = client.post("/enquiries/new", data=post_data(data))
        assert_not_server_error(response, f"POST /enquiries/new {data!r}")
        assert response.status_code in (200, 302), response.status_code
        assert not injected_markup(response), injected_markup(response)
        if data.get("attach_patient") is not None:  # the "use this patient" button: never saves
            event("attach" if attach else "attach a patient who is not there")
            assert response.status_code == 200
            assert desk_counts(app) == before
            if attach:
                assert 'data-testid="attached-patient"' in response.get_data(as_text=True)
                assert input_value(response, "patient_id") == str(attach)
            else:
                assert "no longer on the list" in response.get_data(as_text=True)
            return
        refusals |= {"spoken_to"} if has_control(data.get("spoken_to") or "") else set()
        refusals |= {"confirm_new"} if strong and has_control(data.get("confirm_new") or "") else set()
        patient_id = data.get("patient_id") or ""
        hidden_bad = bool(patient_id.strip()) and (has_control(patient_id)
                                                   or not 1 <= (as_int(patient_id) or 0) <= MAX_ID)
        # Refused for a field the page does not show: details sent with a patient attached, a tick of a box
        # that is not on the page. A browser sends neither; nothing is stored, which is what matters here.
        unshown = (attached and person_refusals(app, data)) or (
            has_control(data.get("confirm_new") or "") and not strong)
        if response.status_code == 200:
            event("refused")
            assert desk_counts(app) == before
            if unshown and not refusals and not hidden_bad:
                event("refused for a field the page does not show")
                return
            assert explains(response)
            shown = set() if attached else {"first_name", "last_name", "phone", "email", "phone_alt",
                                            "preferred_times", "date_of_birth"}
            for name in refusals:
                assert field_error(response, name), f"no error beside {name} for {data[name]!r}"
            for name in shown:
                assert input_value(response, name) == data[name], f"{name} not kept"
            if not refusals and not hidden_bad:
                missing = set() if attached else person_missing(data)
                if missing:
                    assert all(field_error(response, name) for name in missing)
                else:
                    assert strong and not checked(data.get("confirm_new"))
                    assert field_error(response, "confirm_new")
            return
        event("logged for an attached patient" if attached else "logged for a new patient")
        assert not refusals and not hidden_bad and not unshown, (refusals, hidden_bad, unshown)
        assert not strong or checked(data.get("confirm_new"))
        enquiry_id = _new_enquiry_id(response)
        after = desk_counts(app)
        spoken = checked(data.get("spoken_to"))
        assert after["patients"] == before["patients"] + (0 if attached else 1)
        assert after["enquiries"] == before["enquiries"] + 1
        assert after["stage_changes"] == before["stage_changes"] + (2 if spoken else 1)
        assert (after["contact_attempts"], after["enquiry_notes"]) == (before["contact_attempts"],
                                                                         before["enquiry_notes"])
        assert_stored_enquiry(app, enquiry_id, data, unassigned=user.id)
        logged_for = enquiry_row(app, enquiry_id)["patient_id"]
        if attached:
            assert logged_for == attached
            assert_page_escapes(client, f"/enquiries/{enquiry_id}", data["caller_words"].strip())
            return
        assert stored_person(app, logged_for) == expected_person(app, data)
        assert_page_escapes(client, f"/enquiries/{enquiry_id}",
                            f"{data['first_name'].strip()} {data['last_name'].strip()}", data["caller_words"].strip())
        assert_page_escapes(client, f"/patients/{logged_for}", data["notes"].strip(), data["preferred_times"].strip())

    check()


def test_quick_log_for_an_existing_patient_with_any_enquiry_input_never_500_and_never_touches_the_patient(
    app, client, login_as
):
    """Attaching ("use this patient") and logging for an attached patient, as the page posts them."""
    user = login_as("reception")
    patient_id, _ = desk_enquiry(app, user.id, first_name=HOSTILE_NAME, last_name=HOSTILE_SURNAME)
    archived_id, _ = desk_enquiry(app, user.id, phone="+447700900999")
    with app.app_context():
        patients.archive(patients.get_patient(archived_id), version=1)
        db.session.commit()
    choices = desk_choices(app)
    who = st.sampled_from([("patient_id", patient_id), ("attach_patient", patient_id), ("patient_id", archived_id),
                           ("attach_patient", archived_id)])

    @examples(40)
    @given(data=forms(enquiry_fields(choices), BAD_ENQUIRY), who=who)
    def check(data, who):
        field, chosen = who
        patient_before, before = stored_person(app, patient_id), desk_counts(app)
        refusals = enquiry_refusals(data, choices)
        response = client.post("/enquiries/new", data={**post_data(data), field: str(chosen)})
        assert_not_server_error(response, f"POST /enquiries/new {field}={chosen} {data!r}")
        assert not injected_markup(response), injected_markup(response)
        assert stored_person(app, patient_id) == patient_before
        body = response.get_data(as_text=True)
        if chosen == archived_id:  # not offered: the form asks for the caller's details instead
            event(f"{field} of an archived patient")
            assert response.status_code == 200
            assert desk_counts(app) == before
            assert explains(response) and 'data-testid="attached-patient"' not in body
        elif field == "attach_patient":
            event("attached")
            assert response.status_code == 200
            assert desk_counts(app) == before
            assert 'data-testid="attached-patient"' in body
            assert shows_escaped(response, f"{HOSTILE_NAME} {HOSTILE_SURNAME}")
            assert input_value(response, "patient_id") == str(patient_id)
        elif refusals:
            event("refused")
            assert response.status_code == 200
            assert desk_counts(app) == before
            assert explains(response) and 'data-testid="attached-patient"' in body
            for name in refusals:
                assert field_error(response, name), f"no error beside {name} for {data[name]!r}"
            if "received_at" not in refusals or data["received_at"]:
                assert input_value(response, "received_at") == data["received_at"]
        else:
            event("logged")
            assert response.status_code == 302
            enquiry_id = _new_enquiry_id(response)
            after = desk_counts(app)
            assert (after["patients"], after["enquiries"]) == (before["patients"], before["enquiries"] + 1)
            assert enquiry_row(app, enquiry_id)["patient_id"] == patient_id
            assert_stored_enquiry(app, enquiry_id, data, unassigned=user.id)
            assert_page_escapes(client, f"/enquiries/{enquiry_id}", f"{HOSTILE_NAME} {HOSTILE_SURNAME}",
                                data["caller_words"].strip())

    check()


# --- the rules the issue names, one by one ----------------------------------------------------

def test_a_skipped_local_time_is_refused_beside_the_field(app, client, desk):
    counts = desk_counts(app)
    response = client.post("/enquiries/new", data=post_data({**_quick_log_example(desk_choices(app)),
                                                             "received_at": _skipped_local_time()}))
    assert response.status_code == 200
    assert "clocks go forward" in field_error(response, "received_at")
    assert desk_counts(app) == counts


def test_a_date_of_birth_in_the_future_or_impossible_is_refused_on_the_quick_log(app, client, desk):
    counts = desk_counts(app)
    for born in [(date.today() + timedelta(days=1)).isoformat(), "2026-02-30", "0000-01-01"]:
        response = client.post("/enquiries/new", data=post_data({**_quick_log_example(desk_choices(app)),
                                                                 "date_of_birth": born}))
        assert response.status_code == 200
        assert field_error(response, "date_of_birth"), born
        assert input_value(response, "date_of_birth") == born
    assert desk_counts(app) == counts


def test_a_phone_number_that_does_not_parse_is_refused_with_its_reason_beside_the_field(app, client, desk):
    counts = desk_counts(app)
    for phone, reason in [("07700 900123 4567", "This number is too long; check the digits."),
                          ("+999 1234", "This is not a phone number we can recognise."),
                          ("07700 9OO123", "Enter a phone number using digits, spaces or dashes, e.g. 07700 900123.")]:
        response = client.post("/enquiries/new", data=post_data({**_quick_log_example(desk_choices(app)),
                                                                 "phone": phone}))
        assert response.status_code == 200
        assert field_error(response, "phone") == reason
        assert input_value(response, "phone") == phone
    assert desk_counts(app) == counts


# --- bugs found by the properties above (each fails until the app is fixed) -------------------

def test_quick_log_with_an_out_of_range_patient_id_is_not_a_500(app, client, desk):
    """BUG: the view looks the patient up before the id is validated, and the database refuses the number
    (PostgreSQL: "integer out of range" from 2**31; SQLite: OverflowError from 2**63)."""
    counts, failures = desk_counts(app), []
    for field in ("patient_id", "attach_patient"):
        for value in (str(2**31), str(2**63)):
            response = client.post("/enquiries/new",
                                   data={**post_data(_quick_log_example(desk_choices(app))), field: value})
            if response.status_code >= 500:
                failures.append(f"{field}={value}")
    assert not failures, f"POST /enquiries/new is a 500 with {failures}"
    assert desk_counts(app)["patients"] <= counts["patients"] + 1

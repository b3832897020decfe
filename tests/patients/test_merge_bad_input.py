"""Bad input on the merge and match-decision POSTs: never a 500, and nothing changes unless the input is exactly a
current, valid request."""

from datetime import UTC, datetime

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from tests.builders import read_enquiry, read_patient, table_counts
from tests.properties import DIGIT_LIKE, HOSTILE, PROPERTY, VERSION_TEXT, as_int, has_control
from tracker.enquiries.models import Channel
from tracker.extensions import db
from tracker.intake import services as intake
from tracker.patients import services
from tracker.patients.services import PatientDetails

TEXT = st.one_of(st.none(), VERSION_TEXT, DIGIT_LIKE, HOSTILE,
                 st.sampled_from(["", " 1 ", "1\x00", "0", "-1", str(2**31), str(2**63), "9" * 5000]))


def _pair(app) -> tuple[int, int]:
    with app.app_context():
        first, second = (services.create_patient(PatientDetails(first_name="Ann", last_name="Lee", phone=None,
                                                                 email=f"{n}@example.org")) for n in ("a", "b"))
        db.session.commit()
        return first.id, second.id


def _snapshot(app, *patient_ids: int) -> tuple:
    rows = []
    for patient_id in patient_ids:
        found = read_patient(app, patient_id)
        rows.append({c: getattr(found, c) for c in ("version", "archived_at", "merged_into_id", "notes")})
    return rows, {k: v for k, v in table_counts(app).items() if k != "audit_events"}


def _valid_number(text: str | None) -> int | None:
    number = as_int(text) if text is not None and not has_control(text) else None
    return number if number is not None and 1 <= number < 2**31 else None


def test_merge_post_with_any_input_never_500_and_merges_only_a_valid_current_request(app, client, login_as):
    login_as("reception")

    @settings(PROPERTY, max_examples=40)
    @given(keep=TEXT, first_version=TEXT, second_version=TEXT, choose=st.sampled_from(["first", "second", "given"]))
    @example(keep=None, first_version="1", second_version="1", choose="first")
    def check(keep, first_version, second_version, choose):
        a, b = _pair(app)
        keep_text = {"first": str(a), "second": str(b)}.get(choose, keep)
        data = {name: value for name, value in (("keep", keep_text), ("first_version", first_version),
                                                 ("second_version", second_version)) if value is not None}
        before = _snapshot(app, a, b)
        response = client.post(f"/patients/{a}/merge/{b}", data=data)
        assert response.status_code < 500, f"{response.status_code} from {data!r}"
        valid = (_valid_number(keep_text) in (a, b) and _valid_number(first_version) == 1
                 and _valid_number(second_version) == 1)
        if valid:
            event("merged")
            assert response.status_code == 302
            kept, other = (a, b) if _valid_number(keep_text) == a else (b, a)
            assert read_patient(app, other).merged_into_id == kept
        else:
            event("refused" if response.status_code == 200 else f"status {response.status_code}")
            assert response.status_code in (200, 409)
            assert _snapshot(app, a, b) == before

    check()


def test_match_decisions_with_any_version_never_500_and_change_nothing_unless_current(app, client, login_as,
                                                                                    make_patient):
    login_as("reception")
    make_patient(phone="+447700900123")  # each example's arrival matches the latest record with this number

    @settings(PROPERTY, max_examples=30)
    @given(version=TEXT, action=st.sampled_from(["confirm", "reject"]))
    @example(version="current", action="confirm")
    @example(version="current", action="reject")
    def check(version, action):
        with app.app_context():
            arrived = intake.submit(intake.IntakeDetails(first_name="Ann", last_name="Lee", phone="+447700900123"),
                                    channel=Channel.WEB_FORM, received_at=datetime(2026, 11, 24, 10, tzinfo=UTC))
            db.session.commit()
            enquiry_id, new, current = arrived.id, arrived.patient_id, arrived.version
            matched = arrived.match_patient_id
        sent = str(current) if version == "current" else version
        data = {"version": sent} if sent is not None else {}
        before = _snapshot(app, matched, new)
        response = client.post(f"/enquiries/{enquiry_id}/match/{action}", data=data)
        assert response.status_code < 500, f"{response.status_code} from {data!r}"
        if _valid_number(sent) == current:
            event(action)
            assert response.status_code == 302 and read_enquiry(app, enquiry_id).match_patient_id is None
            assert (read_patient(app, new).merged_into_id == matched) == (action == "confirm")
        else:
            event(f"refused {response.status_code}")
            assert response.status_code in (302, 409)
            assert _snapshot(app, matched, new) == before
            assert read_enquiry(app, enquiry_id).match_patient_id == matched

    check()


def test_not_the_same_person_with_any_ids_or_page_never_500_and_stores_a_pair_only_for_two_records(app, client,
                                                                                                  login_as):
    from urllib.parse import quote

    login_as("reception")
    a, b = _pair(app)

    @settings(PROPERTY, max_examples=30)
    @given(first=st.sampled_from(["a", "b", "other"]), second=st.sampled_from(["a", "b", "other"]),
           other=st.integers(min_value=0, max_value=2**64), page=TEXT)
    @example(first="a", second="b", other=0, page="1")
    def check(first, second, other, page):
        ids = {"a": a, "b": b, "other": other}
        url = f"/patients/{ids[first]}/not-same/{ids[second]}"
        before = table_counts(app)["patient_distinct_pairs"]
        response = client.post(url + (f"?page={quote(page)}" if page is not None else ""))
        assert response.status_code < 500, f"{response.status_code} from {url!r}"
        told_apart = {ids[first], ids[second]} == {a, b}
        event("stored" if told_apart else f"refused {response.status_code}")
        assert table_counts(app)["patient_distinct_pairs"] == (1 if told_apart else before)

    check()

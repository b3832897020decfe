"""The likely duplicates page: pairs of live records by shared phone, e-mail (own or further), name and birth date,
or a similar name with a phone; each pair once with its reasons; a bounded number of statements; a value too many
records hold makes no pairs; a pair said to be different people is left out."""

import re
from datetime import date

from sqlalchemy import select

from tests.builders import table_counts
from tests.conftest import count_queries
from tests.patients.helpers import add_contact
from tracker.audit.models import AuditAction
from tracker.extensions import db
from tracker.patients import duplicates, services
from tracker.patients.models import ContactKind, DistinctPair, Patient, PatientContact
from tracker.patients.services import PatientDetails


def _pairs(html: str) -> list[str]:
    return re.findall(r'href="/patients/(\d+)/merge/(\d+)"', html)


def test_pairs_by_phone_alt_further_contact_e_mail_and_name_with_birth_date_each_once(app, client, login_as,
                                                                                     make_patient):
    login_as("reception")
    a = make_patient(first_name="Ann", last_name="Lee", phone="+447700900001")
    b = make_patient(first_name="Bob", last_name="Ray", phone="+447700900002", phone_alt="+447700900001")
    c = make_patient(first_name="Cat", last_name="Fox", phone="+447700900003", email="cat@example.org")
    d = make_patient(first_name="Dee", last_name="Orr", phone="+447700900004")
    add_contact(app, d, "cat@example.org", ContactKind.EMAIL)
    e = make_patient(first_name="Eve", last_name="Day", phone="+447700900005", date_of_birth=date(1980, 5, 6))
    f = make_patient(first_name="eve", last_name="DAY", phone="+447700900006", date_of_birth=date(1980, 5, 6))
    make_patient(first_name="Eve", last_name="Day", phone="+447700900007", date_of_birth=date(1981, 5, 6))
    response = client.get("/patients/duplicates")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert sorted(_pairs(html)) == sorted([(str(a), str(b)), (str(c), str(d)), (str(e), str(f))])
    assert 'data-testid="pair-count">3<' in html
    rows = dict(zip(_pairs(html), html.split('data-testid="pair"')[1:], strict=True))
    assert "same phone number" in rows[(str(a), str(b))]
    assert "same e-mail" in rows[(str(c), str(d))]
    assert "same name and date of birth" in rows[(str(e), str(f))] and "Possible" in rows[(str(e), str(f))]


def test_a_similar_name_with_the_same_phone_is_given_as_a_reason_and_a_family_is_not(app, client, login_as,
                                                                                  make_patient):
    login_as("reception")
    jo = make_patient(first_name="Jo", last_name="Smith", phone="+447700900001")
    joanna = make_patient(first_name="Joanna", last_name="Smith", phone="+447700900001")
    jane = make_patient(first_name="Jane", last_name="Smith", phone="+447700900001")
    html = client.get("/patients/duplicates").get_data(as_text=True)
    rows = dict(zip(_pairs(html), html.split('data-testid="pair"')[1:], strict=True))
    assert len(rows) == 3
    assert "a similar name with that phone" in rows[(str(jo), str(joanna))]
    assert "similar name" not in rows[(str(jo), str(jane))]
    assert "similar name" not in rows[(str(joanna), str(jane))]


def test_archived_and_merged_records_are_left_out(app, client, login_as, make_patient):
    login_as("reception")
    keep = make_patient(phone="+447700900001")
    gone = make_patient(phone="+447700900001")
    merged = make_patient(phone="+447700900002", email="x@example.org")
    make_patient(phone="+447700900003", email="x@example.org")
    with app.app_context():
        db.session.get(Patient, gone).archived_at = db.func.now()
        db.session.get(Patient, merged).merged_into_id = keep
        db.session.commit()
    assert _pairs(client.get("/patients/duplicates").get_data(as_text=True)) == []


def test_each_pair_shows_both_records_contact_details_and_enquiry_counts(app, client, login_as, make_patient,
                                                                        make_enquiry):
    login_as("reception")
    a = make_patient(first_name="Ann", last_name="Lee", phone="+447700900001", email="ann@example.org",
                     date_of_birth=date(1990, 1, 2))
    b = make_patient(first_name="Annie", last_name="Lee", phone="+447700900009")
    add_contact(app, b, "+447700900001")
    make_enquiry(patient_id=a)
    make_enquiry(patient_id=a)
    html = client.get("/patients/duplicates").get_data(as_text=True)
    for text in ("Ann Lee", "Annie Lee", "07700 900001", "07700 900009", "ann@example.org", "02/01/1990",
                 "2 enquiries", "0 enquiries", "Review and merge"):
        assert text in html


def _people(app, start: int, stop: int) -> None:
    """Patients numbered start..stop in pairs sharing a number (with further e-mails), so pages are full."""
    with app.app_context():
        for i in range(start, stop):
            patient = services.create_patient(PatientDetails(first_name=f"P{i}", last_name="Test",
                                                             phone=f"+4477009{i // 2:05d}"))
            db.session.add(PatientContact(patient_id=patient.id, kind=ContactKind.EMAIL, value=f"p{i // 2}@x.org"))
        db.session.commit()


def _statements(app, client, url: str) -> list[str]:
    client.get(url)
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    return statements


def test_the_page_runs_the_same_statements_at_10_and_240_patients(app, client, login_as):
    login_as("reception")
    _people(app, 0, 10)
    small = _statements(app, client, "/patients/duplicates")
    _people(app, 10, 200)
    _crowd(app, "+441632960000", 40)  # 780 pairs if a crowded value counted: it makes none, and is listed apart
    large = _statements(app, client, "/patients/duplicates?page=2")
    assert len(small) == len(large) <= 9
    html = client.get("/patients/duplicates?page=2").get_data(as_text=True)
    assert len(_pairs(html)) == 25 and 'data-testid="pair-count">100<' in html


def _crowd(app, value: str, count: int, kind: str = "phone") -> list[int]:
    """`count` records holding one phone number or e-mail (all with different names)."""
    with app.app_context():
        made = [services.create_patient(PatientDetails(first_name=f"Walk{i}", last_name=f"In{i}",
                                                       **{kind: value})) for i in range(count)]
        db.session.commit()
        return [p.id for p in made]


def test_a_value_held_by_more_than_the_limit_makes_no_pairs_and_is_listed_apart(app, client, login_as, make_patient):
    login_as("reception")
    _crowd(app, "+441632960000", duplicates.SHARED_LIMIT + 2)  # the clinic's landline typed in for walk-ins
    _crowd(app, "front@clinic.example", duplicates.SHARED_LIMIT + 1, kind="email")
    with_limit = _crowd(app, "+441632960001", duplicates.SHARED_LIMIT)  # at the limit: still pairs
    a = make_patient(phone="+447700900001")
    b = make_patient(phone="+447700900001")
    html = client.get("/patients/duplicates").get_data(as_text=True)
    at_limit = duplicates.SHARED_LIMIT * (duplicates.SHARED_LIMIT - 1) // 2
    assert f'data-testid="pair-count">{at_limit + 1}<' in html
    listed = {pair for page in (1, 2) for pair in _pairs(client.get(f"/patients/duplicates?page={page}").get_data(
        as_text=True))}
    assert {int(n) for pair in listed for n in pair} == {a, b, *with_limit} and len(listed) == at_limit + 1
    crowded = html.split('data-testid="crowded"')[1].split("</section>")[0]
    assert f"2 phone numbers or e-mails are held by more than {duplicates.SHARED_LIMIT} records" in crowded
    assert f"01632 960000: {duplicates.SHARED_LIMIT + 2} records" in crowded
    assert f"front@clinic.example: {duplicates.SHARED_LIMIT + 1} records" in crowded


def test_a_name_and_birth_date_held_by_more_than_the_limit_makes_no_pairs(app, client, login_as):
    login_as("reception")
    with app.app_context():
        for i in range(duplicates.SHARED_LIMIT + 1):  # placeholder birth dates from an old system
            services.create_patient(PatientDetails(first_name="Unknown", last_name="Caller",
                                                   phone=f"+4477009001{i:02d}", date_of_birth=date(1900, 1, 1)))
        db.session.commit()
    assert _pairs(client.get("/patients/duplicates").get_data(as_text=True)) == []


def test_the_count_stops_at_the_cap_and_says_there_are_more(app, client, login_as, monkeypatch):
    login_as("reception")
    monkeypatch.setattr(duplicates, "COUNT_CAP", 30)
    _people(app, 0, 80)  # 40 pairs
    html = client.get("/patients/duplicates").get_data(as_text=True)
    assert 'data-testid="pair-count">30+<' in html and 'data-testid="pairs-more"' in html
    last = client.get("/patients/duplicates?page=2").get_data(as_text=True)
    assert len(_pairs(last)) == 5  # no page reads past the cap


def test_not_the_same_person_leaves_the_pair_out_for_good_once_and_audited(app, client, login_as, make_patient,
                                                                          audit_rows):
    user = login_as("reception")
    a, b = make_patient(phone="+447700900001"), make_patient(phone="+447700900001")
    c, d = make_patient(email="x@example.org"), make_patient(email="x@example.org")
    html = client.get("/patients/duplicates").get_data(as_text=True)
    assert f'action="/patients/{a}/not-same/{b}?page=1"' in html and "Not the same person" in html
    for _ in range(2):  # a second click changes nothing
        response = client.post(f"/patients/{a}/not-same/{b}?page=1")
        assert response.status_code == 302 and response.headers["Location"].endswith("/patients/duplicates?page=1")
    assert _pairs(client.get("/patients/duplicates").get_data(as_text=True)) == [(str(c), str(d))]
    with app.app_context():
        rows = db.session.execute(select(DistinctPair.low_id, DistinctPair.high_id, DistinctPair.by_id)).all()
    assert [tuple(r) for r in rows] == [(a, b, user.id)]
    made = audit_rows(entity_type="patient_distinct_pairs", action=AuditAction.CREATE)
    assert len(made) == 1 and made[0]["actor_id"] == user.id
    # Either way round is the same pair.
    client.post(f"/patients/{b}/not-same/{a}")
    assert table_counts(app)["patient_distinct_pairs"] == 1


def test_not_the_same_person_needs_the_forms_token_and_two_records(app, client, login_as, make_patient):
    login_as("reception")
    a = make_patient()
    assert client.post(f"/patients/{a}/not-same/{a + 1}").status_code == 404
    assert client.post(f"/patients/{a}/not-same/{a}").status_code == 302
    b = make_patient()
    assert client.post(f"/patients/{a}/not-same/{b}", csrf=False).status_code == 400
    assert table_counts(app)["patient_distinct_pairs"] == 0

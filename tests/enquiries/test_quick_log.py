"""Quick log: a new caller becomes a patient with an enquiry; a known caller is offered, never silently duplicated."""

from sqlalchemy import func, select

from tests.builders import read_enquiry
from tracker.clock import now_local
from tracker.enquiries.models import Enquiry, StageChange
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.patients.models import Patient


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _form(app, **overrides) -> dict:
    with app.app_context():
        received = now_local().strftime("%Y-%m-%dT%H:%M")
    data = {"first_name": "Priya", "last_name": "Shah", "phone": "07700 900456", "channel": "phone",
            "received_at": received, "concerns": ["rolling", "boxcar"], "caller_words": "Scars on both cheeks"}
    data.update(overrides)
    return data


def test_logging_a_new_caller_creates_patient_and_enquiry_assigned_to_the_logger(app, client, login_as):
    user = login_as("reception")
    response = client.post("/enquiries/new", data=_form(app, treatment_ids=["1", "7"]))
    assert response.status_code == 302
    enquiry_id = int(response.headers["Location"].rsplit("/", 1)[1])
    enquiry = read_enquiry(app, enquiry_id)
    assert (enquiry.patient.first_name, enquiry.patient.phone) == ("Priya", "+447700900456")
    assert enquiry.stage is Stage.NEW and enquiry.first_contacted_at is None
    assert enquiry.logged_by_id == user.id and enquiry.assigned_to_id == user.id
    assert [c.value for c in enquiry.concerns] == ["boxcar", "rolling"]
    assert [t.id for t in enquiry.treatments] == [1, 7]
    assert enquiry.caller_words == "Scars on both cheeks"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Enquiry logged" in page and "Not contacted yet" in page


def test_an_enquiry_can_be_assigned_to_someone_else_and_marked_spoken_to(app, client, login_as, make_user):
    login_as("reception")
    colleague = make_user("reception")
    response = client.post("/enquiries/new", data=_form(app, assigned_to_id=colleague.id, spoken_to="y"))
    enquiry = read_enquiry(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert enquiry.assigned_to_id == colleague.id
    assert enquiry.stage is Stage.CONTACTED and enquiry.first_contacted_at == enquiry.received_at


def test_a_strong_match_is_not_duplicated_without_confirmation(app, client, login_as, make_patient):
    login_as("reception")
    existing = make_patient("Priya", "Shah", phone="+447700900456")
    response = client.post("/enquiries/new", data=_form(app, phone="+44 7700-900456", first_name="P"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already a patient" in page and f'value="{existing}"' in page  # the "use this patient" button
    assert _count(app, Patient) == 1 and _count(app, Enquiry) == 0
    confirmed = client.post("/enquiries/new", data=_form(app, phone="+44 7700-900456", confirm_new="y"))
    assert confirmed.status_code == 302
    assert _count(app, Patient) == 2 and _count(app, Enquiry) == 1


def test_using_the_offered_patient_attaches_the_enquiry_to_them(app, client, login_as, make_patient):
    login_as("reception")
    existing = make_patient("Priya", "Shah", phone="+447700900456")
    shown = client.post("/enquiries/new", data=_form(app, attach_patient=existing, phone="447700900456"))
    page = shown.get_data(as_text=True)
    assert 'data-testid="attached-patient"' in page and f'name="patient_id" type="hidden" value="{existing}"' in page
    assert _count(app, Enquiry) == 0  # choosing the patient does not save yet
    saved = client.post("/enquiries/new", data=_form(app, patient_id=existing, first_name="", last_name="", phone=""))
    assert saved.status_code == 302
    enquiry = read_enquiry(app, int(saved.headers["Location"].rsplit("/", 1)[1]))
    assert enquiry.patient_id == existing
    assert _count(app, Patient) == 1


def test_weak_matches_are_shown_but_do_not_block(app, client, login_as, make_patient):
    from datetime import date

    login_as("reception")
    make_patient("Priya", "Shah", phone="+447700900001", date_of_birth=date(1990, 1, 2))
    page = client.get("/patients/matches", query_string={"first_name": "priya", "last_name": "SHAH",
                                                          "date_of_birth": "1990-01-02"}).get_data(as_text=True)
    assert "Weak match: same name and date of birth" in page
    response = client.post("/enquiries/new", data=_form(app, date_of_birth="1990-01-02"))
    assert response.status_code == 302 and _count(app, Patient) == 2


def test_live_matches_find_the_caller_by_a_number_typed_differently(client, login_as, make_patient):
    login_as("reception")
    make_patient("Priya", "Shah", phone="+447700900456")
    page = client.get("/patients/matches", query_string={"phone": "07700-900-456"}).get_data(as_text=True)
    assert "Priya Shah" in page and "Strong match: same phone number" in page
    assert client.get("/patients/matches", query_string={"phone": "0770"}).get_data(as_text=True).strip() == ""


def test_bad_input_is_explained_beside_each_field_and_nothing_is_saved(app, client, login_as):
    login_as("reception")
    before = (_count(app, Patient), _count(app, Enquiry), _count(app, StageChange))
    response = client.post("/enquiries/new", data=_form(app, first_name="", phone="12345", email="not-an-email",
                                                         date_of_birth="2031-02-30", received_at="2026-13-01T10:00"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("Enter the first name.", "not a phone number", "not a valid e-mail address",
                    "Not a valid date value", "Not a valid datetime value"):
        assert message in page
    assert 'value="12345"' in page and 'value="not-an-email"' in page  # the input is kept
    assert (_count(app, Patient), _count(app, Enquiry), _count(app, StageChange)) == before


def test_a_caller_needs_a_phone_or_an_email(app, client, login_as):
    login_as("reception")
    page = client.post("/enquiries/new", data=_form(app, phone="")).get_data(as_text=True)
    assert "Enter a phone number or an e-mail address." in page
    assert client.post("/enquiries/new", data=_form(app, phone="", email="Priya@Example.COM")).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Patient.email)) == "priya@example.com"


def test_an_enquiry_received_in_the_future_is_refused(app, client, login_as):
    login_as("reception")
    page = client.post("/enquiries/new", data=_form(app, received_at="2099-01-01T10:00")).get_data(as_text=True)
    assert "cannot be received in the future" in page and _count(app, Enquiry) == 0


def test_marketing_consent_is_unticked_by_default_and_recorded_with_when_and_how(app, client, login_as):
    login_as("reception")
    assert 'name="marketing_consent" type="checkbox" value="y">' in client.get("/enquiries/new").get_data(as_text=True)
    refused = client.post("/enquiries/new", data=_form(app, marketing_consent="y")).get_data(as_text=True)
    assert "Say how they gave consent." in refused
    client.post("/enquiries/new", data=_form(app, marketing_consent="y", marketing_consent_method="verbal"))
    with app.app_context():
        patient = db.session.scalar(select(Patient))
        assert patient.marketing_consent and patient.marketing_consent_method.value == "verbal"
        assert patient.marketing_consent_at is not None


def test_the_enquiry_and_patient_pages_show_the_date_of_birth_with_the_age(app, client, login_as):
    from datetime import date

    login_as("reception")
    born = date(date.today().year - 30, 1, 1)
    response = client.post("/enquiries/new", data=_form(app, date_of_birth=born.isoformat()))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{born:%d/%m/%Y} (age 30)" in page
    with app.app_context():
        patient_id = db.session.scalar(select(Patient.id))
    assert "(age 30)" in client.get(f"/patients/{patient_id}").get_data(as_text=True)


def test_enter_in_any_field_saves_rather_than_choosing_an_offered_patient(app, client, login_as, make_patient):
    login_as("reception")
    make_patient("Priya", "Shah", phone="+447700900456")
    page = client.post("/enquiries/new", data=_form(app, phone="07700900456")).get_data(as_text=True)
    form = page.split('id="quick-log"', 1)[1]
    first_submit = form[:form.index('type="submit"')].rsplit("<button", 1)[1] + form[form.index('type="submit"'):]
    assert "Save enquiry" in first_submit.split("</button>", 1)[0]  # the form's default button
    assert 'data-testid="use-patient"' in page


def test_choosing_a_patient_archived_meanwhile_saves_nothing_and_says_why(app, client, login_as, make_patient):
    login_as("reception")
    gone = make_patient("Gone", "Away", phone="+447700900457")
    with app.app_context():
        from tracker.db import utcnow

        db.session.get(Patient, gone).archived_at = utcnow()
        db.session.commit()
    response = client.post("/enquiries/new", data=_form(app, attach_patient=gone))
    assert response.status_code == 200 and "no longer on the list" in response.get_data(as_text=True)
    assert _count(app, Patient) == 1 and _count(app, Enquiry) == 0

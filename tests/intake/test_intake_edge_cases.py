"""Inputs a review found: a treatment named twice, line breaks in names, a clinic with no sources, a slow mailer."""

from sqlalchemy import func, select

from tests.intake.api_helpers import make_key, payload, send
from tests.intake.public_helpers import enable_form, stored, valid_form
from tracker.catalogue.models import Treatment
from tracker.enquiries.models import Enquiry, enquiry_treatments
from tracker.extensions import db
from tracker.intake import notify
from tracker.settings.models import Option, OptionKind


def _first_treatment_code(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Treatment.code).where(Treatment.active).order_by(Treatment.position))


def test_a_treatment_named_twice_is_asked_about_once_not_a_server_error(app, client, make_user):
    _key_id, secret = make_key(app, make_user)
    code = _first_treatment_code(app)
    response = send(client, secret, payload(treatments=[code, code]))
    assert response.status_code == 201
    with app.app_context():
        links = db.session.scalar(select(func.count()).select_from(enquiry_treatments)
                                  .where(enquiry_treatments.c.enquiry_id == response.get_json()["id"]))
    assert links == 1


def test_the_public_form_takes_a_treatment_ticked_twice_once(app, client, make_user):
    enable_form(app, make_user)
    code = _first_treatment_code(app)
    response = client.post("/enquire", data={**valid_form(app), "treatments": [code, code]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(enquiry_treatments)) == 1


def test_a_line_break_in_a_name_is_refused_so_it_cannot_lay_out_text_in_the_staff_email(app, client, make_user):
    _key_id, secret = make_key(app, make_user)
    before = stored(app)
    response = send(client, secret, payload(first_name="Ann\n\nSign in here: https://evil.example/login"))
    assert response.status_code == 400
    assert "first_name" in response.get_json()["errors"]
    assert stored(app) == before


def test_with_every_source_retired_the_public_form_still_accepts_enquiries(app, client, make_user):
    enable_form(app, make_user)
    with app.app_context():
        for option in db.session.scalars(select(Option).where(Option.kind == OptionKind.SOURCE)):
            option.active = False
        db.session.commit()
    form = valid_form(app)
    del form["source"]  # the page leaves the question out when there is nothing to choose
    assert client.post("/enquire", data=form).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enquiry)) == 1


def test_the_database_is_released_before_the_mail_server_is_contacted(app, client, make_user, monkeypatch):
    enable_form(app, make_user, notify_email="desk@clinic.example")
    seen = []

    class Watching:
        def __init__(self, _config):
            pass

        def __enter__(self):
            seen.append(db.session().in_transaction())
            return self

        def __exit__(self, *_exc):
            return False

        def send(self, _msg):
            pass

    monkeypatch.setattr(notify, "Mailer", Watching)
    assert client.post("/enquire", data=valid_form(app)).status_code == 302
    assert seen == [False]

"""The clinic's name, set under Settings: in the header, page titles, the public form and e-mails; audited;
a stale save gets 409; empty means the CLINIC_NAME setting again."""

import re

import pytest

from tests.conftest import sign_in
from tests.intake.public_helpers import enable_form
from tests.pages import input_value
from tests.settings.conftest import settings_row
from tracker.audit.models import AuditAction
from tracker.extensions import db
from tracker.intake import notify
from tracker.settings.models import ClinicSettings

NAME = "Harley Street Skin & Scar Clinic"


def _save(client, name: str, version: str = "1", minutes: str = "30"):
    return client.post("/admin/settings/defaults",
                       data={"clinic_name": name, "consultation_minutes": minutes, "version": version})


def _title(body: str) -> str:
    return re.search(r"<title>(.*?)</title>", body, re.S).group(1)


def test_until_set_every_page_shows_the_configured_name(app, client, login_as):
    app.config["CLINIC_NAME"] = "Configured Clinic"
    login_as("admin")
    body = client.get("/admin/settings").get_data(as_text=True)
    assert _title(body) == "Settings · Configured Clinic"
    assert input_value(client.get("/admin/settings"), "clinic_name") == ""
    assert settings_row(app)["clinic_name"] is None


def test_an_administrator_sets_the_name_and_it_shows_everywhere_and_is_audited(app, client, login_as, audit_rows,
                                                                               make_user, make_enquiry):
    admin = login_as("admin")
    response = _save(client, f"  {NAME}  ")
    assert response.status_code == 302
    assert settings_row(app)["clinic_name"] == NAME
    [row] = audit_rows(action=AuditAction.UPDATE, entity_type="clinic_settings")
    assert row["changes"] == {"clinic_name": [None, NAME]} and row["actor_id"] == admin.id

    staff_page = client.get("/admin/settings").get_data(as_text=True)
    assert _title(staff_page) == "Settings · Harley Street Skin &amp; Scar Clinic"
    enable_form(app, make_user)
    public = app.test_client()
    form_page = public.get("/enquire").get_data(as_text=True)
    assert 'data-testid="clinic-name">Harley Street Skin &amp; Scar Clinic<' in form_page
    assert "Clinic tracker" not in form_page
    with app.test_request_context():
        mail = notify.message(make_enquiry(), "desk@example.com")
    assert NAME in mail.get_content()


def test_a_name_is_shown_by_other_processes_once_they_read_it_again(app, client, login_as):
    login_as("admin")
    client.get("/admin/settings")  # this process has read the (unset) name
    with app.app_context():  # another process saves a name
        db.session.get(ClinicSettings, 1).clinic_name = "Elsewhere Saved"
        db.session.commit()
    app.config["CLINIC_NAME_REFRESH_SECONDS"] = 0
    assert _title(client.get("/admin/settings").get_data(as_text=True)) == "Settings · Elsewhere Saved"


def test_an_empty_name_brings_back_the_configured_one(app, client, login_as):
    login_as("admin")
    assert _save(client, NAME).status_code == 302
    assert _save(client, "   ", version="2").status_code == 302
    assert settings_row(app)["clinic_name"] is None
    assert _title(client.get("/admin/settings").get_data(as_text=True)) == "Settings · Clinic tracker"


@pytest.mark.parametrize(("typed", "why"), [("x" * 121, "120 characters or fewer"),
                                             ("Skin\r\nClinic", "one line"), ("Skin\tClinic", "one line")])
def test_a_long_or_broken_name_is_refused_beside_the_field_and_nothing_saved(app, client, login_as, typed, why):
    login_as("admin")
    response = _save(client, typed, minutes="45")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="clinic_name-error"[^>]*>[^<]*' + why, body)
    assert settings_row(app)["clinic_name"] is None and settings_row(app)["consultation_minutes"] == 30


def test_a_stale_save_gets_409_with_the_current_name_and_keeps_the_input(app, client, login_as, make_user):
    login_as("admin")
    colleague = app.test_client()
    sign_in(colleague, make_user("admin", full_name="Beth Boss"))
    assert _save(colleague, "Beth's Clinic").status_code == 302
    response = _save(client, NAME)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed by Beth Boss" in body and "Current value: Beth&#39;s Clinic" in body
    assert input_value(response, "clinic_name") == NAME
    assert settings_row(app)["clinic_name"] == "Beth's Clinic"
    shown = re.search(r'action="/admin/settings/defaults".*?name="version"[^>]*value="(\d+)"', body, re.S).group(1)
    assert _save(client, NAME, version=shown).status_code == 302  # having compared, saving again goes through
    assert settings_row(app)["clinic_name"] == NAME

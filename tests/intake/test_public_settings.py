"""The public form's settings page: who may open it, what it accepts, the logo check, stale saves and the trail."""

import io
import re

import pytest

from tests.conftest import sign_in
from tracker.audit.models import AuditAction
from tracker.extensions import db
from tracker.intake.public_form import form_settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
URL = "/settings/public-form"


def _saved(app) -> dict:
    with app.app_context():
        s = form_settings()
        return {c: getattr(s, c) for c in ("enabled", "accent_colour", "logo", "logo_type", "privacy_notice_url",
                                           "clinic_phone", "embed_origins", "notify_email", "version")}


def _post(client, app, **fields):
    data = {"enabled": "y", "accent_colour": "#1D5FA8", "privacy_notice_url": "https://clinic.example/privacy",
            "clinic_phone": "020 7946 0123", "embed_origins": "", "notify_email": "", "version":
                str(_saved(app)["version"]), **fields}
    return client.post(URL, data=data, content_type="multipart/form-data")


@pytest.fixture
def admin(client, make_user):
    user = make_user("admin", full_name="Alex Admin")
    sign_in(client, user)
    return user


@pytest.mark.parametrize("role", ["reception", "specialist", "manager"])
def test_only_those_who_manage_settings_may_open_it(client, make_user, role):
    sign_in(client, make_user(role))
    assert client.get(URL).status_code == 403
    assert _post(client, client.application).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, make_user):
    make_user("admin")
    assert client.get(URL).status_code == 302


def test_the_page_shows_the_forms_address_and_an_iframe_snippet(app, client, admin):
    body = client.get(URL).get_data(as_text=True)
    assert 'data-testid="form-url">http://localhost/enquire<' in body
    assert '&lt;iframe src="http://localhost/enquire" title="Make an enquiry"' in body
    assert 'type="color"' in body


def test_a_valid_save_normalises_and_is_audited(app, client, admin, audit_rows):
    response = _post(client, app, notify_email="Reception@Clinic.Example",
                     embed_origins="https://WWW.Clinic.Example/\r\nhttp://localhost:8080\r\n\r\nhttps://www.clinic.example")
    assert response.status_code == 302
    saved = _saved(app)
    assert saved["enabled"] is True and saved["accent_colour"] == "#1d5fa8"
    assert saved["clinic_phone"] == "+442079460123"
    assert saved["notify_email"] == "reception@clinic.example"
    assert saved["embed_origins"] == "https://www.clinic.example http://localhost:8080"
    events = audit_rows(entity_type="public_form_settings", action=AuditAction.UPDATE)
    assert events[-1]["actor_id"] == admin.id
    assert events[-1]["changes"]["enabled"] == [False, True]


@pytest.mark.parametrize(("field", "value"), [
    ("accent_colour", "red"), ("accent_colour", "#12345g"), ("accent_colour", ""), ("accent_colour", "#ffffff\n"),
    ("privacy_notice_url", "javascript:alert(1)"), ("privacy_notice_url", "ftp://clinic.example/p"),
    ("privacy_notice_url", "clinic.example/privacy"),
    ("clinic_phone", "call us"), ("notify_email", "not-an-address"),
    ("embed_origins", "https://www.clinic.example/contact"), ("embed_origins", "https://*.clinic.example"),
    ("embed_origins", "www.clinic.example"), ("embed_origins", "https://clinic.example:99999"),
    ("embed_origins", "https://clinic.example 'unsafe-inline'"),
])
def test_bad_entries_are_refused_beside_their_field_and_nothing_saved(app, client, admin, field, value):
    before = _saved(app)
    response = _post(client, app, **{field: value})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in body
    assert 'data-testid="error-summary"' in body and f'href="#{field}"' in body
    assert _saved(app) == before


def _upload(client, app, content: bytes, name: str = "logo.png"):
    return _post(client, app, logo=(io.BytesIO(content), name))


@pytest.mark.parametrize(("content", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg")])
def test_a_png_or_jpeg_logo_is_kept_with_its_type_by_its_bytes(app, client, admin, content, kind):
    assert _upload(client, app, content, name="logo.svg").status_code == 302  # the name does not decide
    saved = _saved(app)
    assert (saved["logo"], saved["logo_type"]) == (content, kind)
    assert client.get("/settings/public-form/logo").data == content


@pytest.mark.parametrize("content", [SVG, b"GIF89a" + b"\x00" * 20, b"<html>", b""])
def test_other_files_are_refused_as_a_logo(app, client, admin, content):
    response = _upload(client, app, content, name="logo.png")
    assert 'id="logo-error"' in response.get_data(as_text=True)
    assert _saved(app)["logo"] is None


def test_a_logo_over_200_kb_is_refused(app, client, admin):
    response = _upload(client, app, PNG + b"\x00" * (200 * 1024))
    assert "larger than 200 KB" in response.get_data(as_text=True)
    assert _saved(app)["logo"] is None


def test_the_logo_change_is_in_the_trail_without_its_bytes_and_it_can_be_removed(app, client, admin, audit_rows):
    _upload(client, app, PNG)
    _post(client, app, remove_logo="y")
    assert _saved(app)["logo"] is None and _saved(app)["logo_type"] is None
    logo_events = [e["changes"]["logo"] for e in audit_rows(entity_type="public_form_settings")
                   if "logo" in (e["changes"] or {})]
    assert len(logo_events) == 2
    assert logo_events[0][0] is None and re.fullmatch(r"sha256:[0-9a-f]{16}", logo_events[0][1])
    assert logo_events[1] == [logo_events[0][1], None]
    assert all("\\x89PNG" not in str(e["changes"]) and "PNG" not in str(e["changes"])
               for e in audit_rows(entity_type="public_form_settings"))


def test_a_stale_save_is_refused_with_409_naming_who_changed_it_and_keeps_the_input(app, client, admin, make_user):
    opened_version = _saved(app)["version"]
    other = make_user("admin", full_name="Blake Boss")
    with app.app_context():
        from flask import g

        with app.test_request_context():
            g.audit_actor_id = other.id
            form_settings().accent_colour = "#000000"
            db.session.commit()
    response = _post(client, app, version=str(opened_version), accent_colour="#ff0000")
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "changed by Blake Boss" in body
    assert 'value="#ff0000"' in body and 'data-testid="conflict"' in body
    assert _saved(app)["accent_colour"] == "#000000"
    # Having compared, saving again goes through.
    version = re.search(r'name="version" type="hidden" value="(\d+)"', body)[1]
    assert _post(client, app, version=version, accent_colour="#ff0000").status_code == 302

"""The public enquiry page: the clinic's look, its fields and privacy wording, the thank-you page, logo and colours."""

import re

from hypothesis import given
from hypothesis import strategies as st

from tests.intake.public_helpers import CLINIC_PHONE, enable_form
from tests.properties import PROPERTY
from tracker.intake.public_form import contrast, focus_colour, text_on

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def test_the_form_is_not_found_while_it_is_off(app, client, make_user):
    make_user("admin")  # the form is off by default
    for path in ("/enquire", "/enquire/thanks", "/enquire/logo", "/enquire/theme.css"):
        assert client.get(path).status_code == 404, path


def test_the_page_shows_the_clinics_name_logo_colours_and_privacy_link_without_the_staff_navigation(app, client,
                                                                                                  make_user):
    app.config["CLINIC_NAME"] = "Harley Skin Clinic"
    enable_form(app, make_user, logo=PNG, logo_type="image/png",
                privacy_notice_url="https://www.harley.example/privacy")
    body = client.get("/enquire").get_data(as_text=True)
    assert "Harley Skin Clinic" in body
    assert 'src="/enquire/logo"' in body and 'alt="Harley Skin Clinic logo"' in body
    assert 'href="/enquire/theme.css"' in body
    assert re.search(r'<a href="https://www.harley.example/privacy" target="_blank" rel="noopener noreferrer"', body)
    assert 'data-testid="main-nav"' not in body and "Sign out" not in body
    assert "cdn" not in body.lower()  # Bootstrap from the installed package


def test_without_a_privacy_address_the_page_says_the_notice_is_available_on_request(app, client, make_user):
    enable_form(app, make_user)
    body = client.get("/enquire").get_data(as_text=True)
    assert "privacy notice, which explains how we look after them, is available on request" in body
    assert 'data-testid="privacy-link"' not in body
    assert "intake.public.logo" not in body and 'src="/enquire/logo"' not in body


def test_fields_have_labels_autocomplete_and_marketing_consent_starts_unticked(app, client, make_user):
    enable_form(app, make_user)
    body = client.get("/enquire").get_data(as_text=True)
    for name, autocomplete in (("first_name", "given-name"), ("last_name", "family-name"), ("phone", "tel"),
                               ("email", "email")):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', body)[0]
        assert f'autocomplete="{autocomplete}"' in tag
        assert f'<label class="form-label" for="{name}">' in body
    consent = re.search(r'<input[^>]*name="marketing_consent"[^>]*>', body)[0]
    assert "checked" not in consent
    assert '<label class="form-check-label" for="marketing_consent">' in body


def test_the_honeypot_is_hidden_from_sight_screen_readers_and_the_tab_order(app, client, make_user):
    enable_form(app, make_user)
    body = client.get("/enquire").get_data(as_text=True)
    trap = re.search(r'<div class="intake-trap" aria-hidden="true">.*?</div>', body, re.S)[0]
    assert 'name="website"' in trap and 'tabindex="-1"' in trap and 'autocomplete="off"' in trap
    assert re.search(r'<input[^>]*name="started"[^>]*type="hidden"|<input[^>]*type="hidden"[^>]*name="started"', body)


def test_the_thank_you_page_shows_the_clinics_number_formatted(app, client, make_user):
    enable_form(app, make_user)
    body = client.get("/enquire/thanks").get_data(as_text=True)
    assert "Thank you" in body
    assert f'href="tel:{CLINIC_PHONE}"' in body and "020 7946 0123" in body


def test_the_logo_is_served_with_its_type_an_etag_and_may_be_cached(app, client, make_user):
    enable_form(app, make_user, logo=PNG, logo_type="image/png")
    response = client.get("/enquire/logo")
    assert response.status_code == 200
    assert (response.mimetype, response.data) == ("image/png", PNG)
    assert "max-age=300" in response.headers["Cache-Control"]
    assert client.get("/enquire/logo", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_no_logo_is_404(app, client, make_user):
    enable_form(app, make_user)
    assert client.get("/enquire/logo").status_code == 404


def test_the_theme_carries_the_accent_and_readable_text_on_it(app, client, make_user):
    enable_form(app, make_user, accent_colour="#ffd700")  # gold: too light for white text
    css = client.get("/enquire/theme.css")
    assert css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    assert "--intake-accent: #ffd700;" in text and "--intake-on-accent: #000000;" in text
    assert "--intake-focus: #1a1a1a;" in text  # gold on white is too faint for a focus ring


def test_a_dark_accent_gets_white_text_and_is_its_own_focus_ring():
    assert text_on("#16324f") == "#ffffff"
    assert focus_colour("#16324f") == "#16324f"


@PROPERTY
@given(st.integers(0, 0xFFFFFF))
def test_text_on_any_accent_reaches_aa_contrast(value):
    accent = f"#{value:06x}"
    assert contrast(accent, text_on(accent)) >= 4.5
    assert contrast(focus_colour(accent), "#ffffff") >= 3

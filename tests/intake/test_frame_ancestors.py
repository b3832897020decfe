"""Embedding: the public form's pages may be framed by the origins the administrator lists, and nothing else may."""

from tests.conftest import sign_in
from tests.intake.public_helpers import enable_form, valid_form

ORIGINS = "https://www.clinic.example https://clinic.example:8443"


def _ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors"))


def test_the_form_and_thank_you_pages_may_be_framed_by_the_listed_origins_only(app, client, make_user):
    enable_form(app, make_user, embed_origins=ORIGINS)
    for path in ("/enquire", "/enquire/thanks"):
        response = client.get(path)
        assert _ancestors(response) == f"frame-ancestors {ORIGINS}", path
        assert "X-Frame-Options" not in response.headers, path
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]  # the rest of the policy stays


def test_a_refused_or_invalid_submission_page_keeps_the_same_framing(app, client, make_user):
    enable_form(app, make_user, embed_origins=ORIGINS)
    for data in (valid_form(app, first_name=""), valid_form(app, website="x")):
        response = client.post("/enquire", data=data)
        assert _ancestors(response) == f"frame-ancestors {ORIGINS}"


def test_with_no_origins_listed_the_form_may_be_framed_by_no_one(app, client, make_user):
    enable_form(app, make_user)
    response = client.get("/enquire")
    assert _ancestors(response) == "frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_staff_pages_stay_unframeable_whatever_the_form_allows(app, client, make_user):
    enable_form(app, make_user, embed_origins=ORIGINS)
    sign_in(client, make_user("reception"))
    for path in ("/enquiries", "/login", "/"):
        response = client.get(path)
        assert _ancestors(response) == "frame-ancestors 'none'", path
        assert response.headers["X-Frame-Options"] == "DENY", path

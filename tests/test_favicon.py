"""/favicon.ico answers with the tracker's icon, cacheable, for anyone: browsers ask for it on every visit."""

from tracker.main.favicon import MAX_AGE


def test_favicon_answers_an_icon_with_long_public_caching(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert response.cache_control.public and response.cache_control.max_age == MAX_AGE >= 86400
    assert not response.cache_control.no_store
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_favicon_needs_no_sign_in_and_revalidates(client):
    first = client.get("/favicon.ico")
    again = client.get("/favicon.ico", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_svg_icon_for_the_page_link_is_served_as_an_image(client):
    response = client.get("/static/img/favicon.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"

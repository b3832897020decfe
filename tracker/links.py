"""Addresses of the tracker's pages built without a request (e-mails, background jobs), from BASE_URL."""

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def adapter() -> MapAdapter:
    """The URL map bound to BASE_URL (host, path and scheme), to build many addresses with one binding."""
    base = urlsplit(current_app.config["BASE_URL"])
    return current_app.url_map.bind(base.netloc or "localhost", script_name=base.path or "/",
                                    url_scheme=base.scheme or "http")


def page_url(endpoint: str, *, external: bool = False, **values) -> str:
    """A page's address under BASE_URL: its path, or with `external` the whole URL (for e-mails)."""
    return adapter().build(endpoint, values, force_external=external)

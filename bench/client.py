"""Signing in over real HTTP, keeping the session cookie by hand (the production cookie is Secure, we speak http)."""

import http.client
import re
from urllib.parse import urlencode

from bench.settings import BenchError

HOST = "127.0.0.1"
_INPUT = re.compile(r"<input\b[^>]*>")
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def csrf_token(html: str) -> str:
    """The hidden csrf_token of a page's form."""
    for tag in _INPUT.findall(html):
        if 'name="csrf_token"' in tag and (value := _VALUE.search(tag)):
            return value.group(1)
    raise BenchError("no csrf_token input on the sign-in page")


def _session_cookie(response: http.client.HTTPResponse) -> str | None:
    for header in response.headers.get_all("Set-Cookie") or []:
        name_value = header.split(";", 1)[0].strip()
        if name_value.startswith("session="):
            return name_value
    return None


def sign_in(port: int, email: str, password: str) -> str:
    """The Cookie header of a session signed in as `email`: GET /login, read its csrf_token, POST the form."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("GET", "/login")
    page = conn.getresponse()
    html, cookie = page.read().decode(), _session_cookie(page)
    conn.close()
    if page.status != 200 or cookie is None:
        raise BenchError(f"GET /login answered {page.status} without a session cookie")
    form = urlencode({"email": email, "password": password, "csrf_token": csrf_token(html)})
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    conn.request("POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    answer = conn.getresponse()
    answer.read()
    conn.close()
    signed_in = _session_cookie(answer)
    if answer.status != 302 or "/login" in (answer.getheader("Location") or "") or signed_in is None:
        raise BenchError(f"signing in as {email} over HTTP failed: {answer.status}")
    return signed_in

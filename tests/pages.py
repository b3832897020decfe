"""Page helpers for every test: what a response shows (a field's error, the form's errors, flashes, inputs, markup).

Plain functions of a response (or a client); the root conftest exposes none of them as fixtures, tests import them.
"""

import html
import re
from html.parser import HTMLParser

from markupsafe import escape


class _Page(HTMLParser):
    """Injected markup (live script, event handlers, javascript: links) and the text of each element with an id."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.injected: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.injected.append("inline <script>")
        if tag in ("img", "svg", "iframe", "object", "embed", "math"):
            self.injected.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.injected.append(f"{tag} {name}=")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.injected.append(f"{tag} {name}=javascript:")
        if tag not in ("input", "br", "meta", "link", "hr", "img"):
            self._open.append((tag, attributes.get("id")))
            if attributes.get("id"):
                self.texts.setdefault(attributes["id"], [])

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, element_id in self._open:
            if element_id:
                self.texts[element_id].append(data)


def _page(response) -> _Page:
    parser = _Page()
    parser.feed(response.get_data(as_text=True))
    return parser


def injected_markup(response) -> list[str]:
    """Markup in the page that none of the templates writes, so it came from input left unescaped."""
    return _page(response).injected


def field_error(response, field_id: str) -> str | None:
    """The error shown beside a field (the macro's <div id="<field>-error">), unescaped and stripped; None if none."""
    texts = _page(response).texts.get(f"{field_id}-error")
    return None if texts is None else "".join(texts).strip()


def form_error_text(response) -> str:
    """The errors shown above the form ('' if none), unescaped."""
    found = re.search(r'data-testid="form-errors">(.*?)</div>', response.get_data(as_text=True), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def error_summary(body: str) -> str:
    """The error summary at the top of a page (its whole element); fails the test if there is none."""
    found = re.search(r'<div [^>]*data-testid="error-summary"[^>]*>(.*?)</div>', body, re.S)
    assert found, "an error summary at the top"
    return found.group(0)


def explains(response) -> bool:
    """The page tells the user what is wrong: an error beside a field, above the form, or a conflict page."""
    body = response.get_data(as_text=True)
    if response.status_code == 409 and "while you were editing it" in body:
        return True
    return "invalid-feedback" in body or 'data-testid="form-errors"' in body


def shows_escaped(response, text: str) -> bool:
    """The page holds the text exactly as Jinja escapes it."""
    return str(escape(text)) in response.get_data(as_text=True)


class _InputValues(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.values[attributes["name"]] = attributes.get("value") or ""


def input_value(response, name: str) -> str | None:
    """The value attribute of <input name=...>, unescaped as a browser would read it."""
    parser = _InputValues()
    parser.feed(response.get_data(as_text=True))
    return parser.values.get(name)


def take_flashes(client) -> list[tuple[str, str]]:
    """The (category, message) pairs flashed for the next page, removed from the session."""
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def same_site_path(location: str) -> str:
    """The Location as a path, accepting the test client's absolute http://localhost form."""
    for origin in ("http://localhost", "https://localhost"):
        if location.startswith(origin + "/"):
            return location[len(origin):]
    return location


def redirect_token(response) -> str:
    """The last path segment of the page a form redirected to (an import's token); fails unless it redirected."""
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"].rsplit("/", 1)[-1]

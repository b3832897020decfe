"""safe_next_url lets through only paths on this site."""

from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tracker.auth.sessions import safe_next_url

_TEXT = st.text(st.characters(exclude_categories=("Cs",)) | st.sampled_from("/\\\t\n\r\x00\x7f:@.%"), max_size=60)


def _has_ascii_control(value: str) -> bool:
    """C0 controls and DEL: what browsers strip from URLs (C1 and others get percent-encoded)."""
    return any(ord(c) < 32 or ord(c) == 127 for c in value)


@settings(max_examples=500, deadline=None, database=None)
@given(target=st.one_of(_TEXT, _TEXT.map(lambda s: "/" + s), st.none()))
@example(target="/" * 3000)
def test_safe_next_url_returns_none_or_the_unchanged_same_site_path_for_any_text(target):
    result = safe_next_url(target)
    if result is None:
        return
    assert result == target
    assert result.startswith("/")
    assert not result.startswith("//")
    parts = urlsplit(result)
    assert parts.scheme == ""
    assert parts.netloc == ""
    assert "\\" not in result
    assert not _has_ascii_control(result)


@pytest.mark.parametrize("target", [
    "//x", "/\\x", "////x", "http:///x", "https://example.org/", "/\t/example.org", " //x",
    "javascript:alert(1)", "\\\\x",
    "/\n/example.org", "\t//x", "/\x00/x", "", None,
])
def test_safe_next_url_refuses_known_open_redirect_bypasses(target):
    assert safe_next_url(target) is None


def test_safe_next_url_keeps_a_same_site_path_with_query_unchanged():
    assert safe_next_url("/admin/users?x=1") == "/admin/users?x=1"

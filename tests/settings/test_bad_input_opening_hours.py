"""Bad input on the opening-hours form: never a 500; the whole week and target are saved, or nothing is."""

import re
from datetime import time

from hypothesis import event, example, given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.builders import row_count
from tests.pages import explains
from tests.properties import ANY_TEXT, DIGIT_LIKE, PROPERTY, VERSION_TEXT, as_int, has_control
from tests.settings.conftest import settings_row
from tests.settings.test_opening_hours import URL, week_rows
from tracker.audit.models import AuditEvent

_CLOCK = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
GOOD_TIME = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))
NEAR_MISS = st.sampled_from(["24:00", "23:60", "9:00", "09:0", "0900", "09:00:00", "09.00", " 09:00 ", "-01:00",
                             "\uff19:\uff10\uff10", "\uff10\uff19:\uff10\uff10",  # full-width digits
                             "\u00b9\u00b2:00",
                             "09:00\x00", "\x1c09:00", "\t", "12:00 pm"])
TEXT = st.one_of(st.just(""), GOOD_TIME, NEAR_MISS, ANY_TEXT)
OPEN_DAY = st.lists(GOOD_TIME, min_size=2, max_size=2, unique=True).map(sorted).map(tuple)
GOOD_DAY = st.one_of(OPEN_DAY, OPEN_DAY, st.just(("", "")))
DAY = st.one_of(st.tuples(GOOD_TIME, GOOD_TIME), st.just(("", "")), st.tuples(TEXT, TEXT))
# A week of sensible days half the time (so saves happen), with any of the days replaced by anything.
WEEK = st.one_of(st.lists(GOOD_DAY, min_size=7, max_size=7), st.lists(DAY, min_size=7, max_size=7),
                 st.tuples(st.lists(GOOD_DAY, min_size=7, max_size=7), st.integers(0, 6), DAY).map(
                     lambda w: [*w[0][:w[1]], w[2], *w[0][w[1] + 1:]]))
HOURS = st.one_of(st.integers(1, 48).map(str), st.integers(-5, 60).map(str), DIGIT_LIKE, ANY_TEXT,
                  st.sampled_from(["", " 4 ", "1_0", "3e1", "4.0", "9" * 5000, "\u0664"]))
# None: the current version. All current half the time; else each one current or anything.
VERSIONS = st.one_of(st.just([None] * 8), st.lists(st.one_of(st.none(), VERSION_TEXT), min_size=8, max_size=8))


def _time(text: str) -> time | None:
    text = text.strip()
    return time(int(text[:2]), int(text[3:])) if _CLOCK.fullmatch(text) else None


def _refused(week: list[tuple[str, str]], hours: str) -> bool:
    """Whether the form must refuse this input, by the rules the page states."""
    for pair in week:
        if any(has_control(text) or (text.strip() and _time(text) is None) for text in pair):
            return True
        opens, closes = map(_time, pair)
        if (opens is None) != (closes is None) or (opens is not None and closes <= opens):
            return True
    if all(_time(opens) is None for opens, _ in week):
        return True
    return has_control(hours) or as_int(hours) is None or not 1 <= as_int(hours) <= 48


def _version_text(sent: str | None, current: int) -> str:
    return str(current) if sent is None else sent


def test_any_week_target_and_versions_never_500_and_save_all_or_nothing(app, client, login_as):
    login_as("admin")

    @PROPERTY
    @given(week=WEEK, hours=HOURS, versions=VERSIONS)
    @example(week=[("09:00", "18:00")] * 5 + [("", "")] * 2, hours="3", versions=[None] * 8)
    @example(week=[("", "")] * 7, hours="2", versions=[None] * 8)
    @example(week=[("09:00", "18:00")] * 7, hours="2", versions=[None] * 7 + ["999"])
    @example(week=[("00:00", "23:59")] + [("", "")] * 6, hours="48", versions=[None] * 8)
    @example(week=[("10:00", "09:00")] * 7, hours="2", versions=[None] * 8)
    @example(week=[("09:00", "")] + [("08:00", "12:00")] * 6, hours="1", versions=[None] * 8)
    @example(week=[("08:00", "12:00")] * 7, hours="1", versions=["9" * 5000] + [None] * 7)
    def check(week, hours, versions):
        before, settings_before = week_rows(app), settings_row(app)
        audited = row_count(app, AuditEvent)
        current = [settings_before["version"]] + [row[3] for row in before]
        sent = [_version_text(v, c) for v, c in zip(versions, current, strict=True)]
        data = {"first_contact_hours": hours, "version": sent[0]}
        for weekday, (opens, closes) in enumerate(week):
            data.update({f"opens_{weekday}": opens, f"closes_{weekday}": closes,
                         f"version_{weekday}": sent[weekday + 1]})
        response = client.post(URL, data=data)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 409), response.status_code
        after, settings_after = week_rows(app), settings_row(app)
        refused = _refused(week, hours)
        versions_ok = all(not has_control(s) and as_int(s) == c for s, c in zip(sent, current, strict=True))
        if response.status_code == 302:
            assert not refused and versions_ok
            assert [(opens, closes) for _, opens, closes, _ in after] == [
                (_time(opens), _time(closes)) for opens, closes in week]
            assert settings_after["first_contact_hours"] == as_int(hours)
        else:
            assert refused or not versions_ok
            assert explains(response)
            assert after == before and settings_after == settings_before  # nothing saved, not even in part
            assert row_count(app, AuditEvent) == audited

    check()


def test_the_form_with_fields_missing_repeated_or_unknown_never_500(app, client, login_as):
    login_as("admin")
    names = [f"{which}_{day}" for day in range(8) for which in ("opens", "closes", "version")]
    names += ["first_contact_hours", "version", "csrf_token", "opens_-1", "opens_00"]

    @PROPERTY
    @given(fields=st.lists(st.tuples(st.sampled_from(names), TEXT), max_size=30), token=st.booleans())
    def check(fields, token):
        before, settings_before = week_rows(app), settings_row(app)
        sent = MultiDict(fields)
        if token:
            sent.add("csrf_token", client.csrf_token())
        response = client.post(URL, data=sent, csrf=False)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 400, 409), response.status_code
        if response.status_code != 302:
            assert week_rows(app) == before and settings_row(app) == settings_before

    check()

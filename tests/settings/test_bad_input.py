"""Bad input on the settings forms: never a 500, nothing stored unless valid, stored text shown escaped."""

import re
from urllib.parse import quote

from hypothesis import event, example, given
from hypothesis import strategies as st
from markupsafe import escape

from tests.builders import row_count
from tests.pages import explains, take_flashes
from tests.properties import ANY_CHAR, ANY_TEXT, DIGIT_LIKE, PROPERTY, VERSION_TEXT, as_int
from tests.settings.conftest import KINDS, labels, option_row, settings_row
from tracker.audit.models import AuditEvent
from tracker.settings.models import Option, OptionKind

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HOSTILE = st.sampled_from([
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' OR '1'='1", "'; DROP TABLE options; --",
    "Robert'); DELETE FROM clinic_settings; --", "{{ 7*7 }}", "{% raw %}", "&amp;&lt;", "a\x00b", "\x00",
    "\u202eevil", "\ufeff", "Ärzte", "ÄRZTE", "A\u0308rzte", "Straße", "STRASSE", "x" * 80, "x" * 81,
    "\U0001d4e4\U0001d4f7\U0001d4f2 \U0001f600",  # mathematical script "Uni" and an emoji: outside the BMP
    "\u00a0 padded \u3000", "line\nbreak", "tab\there", "search engine", " SEARCH ENGINE ", "Other",
])
LABEL = st.one_of(ANY_TEXT, HOSTILE)
MINUTES = st.one_of(ANY_TEXT, DIGIT_LIKE, st.integers().map(str), st.integers(min_value=0, max_value=600).map(str),
                    st.sampled_from(["5", "480", "4", "481", " 30 ", "3e1", "30.0", "0x1e", "1_0", "9" * 5000]))
VERSION = st.one_of(st.none(), st.one_of(VERSION_TEXT, DIGIT_LIKE))  # None: the current version, half the time


def _settings_audit(app) -> int:
    return row_count(app, AuditEvent, AuditEvent.entity_type.in_(["options", "clinic_settings"]))


def _storable(label: str) -> bool:
    """What the forms accept: 1 to 80 characters once trimmed, no control characters."""
    return 1 <= len(label.strip()) <= 80 and not _CONTROL.search(label)


def _shown_escaped(client, label: str) -> bool:
    """The settings page shows the stored label, HTML-escaped (as Jinja escapes it)."""
    return str(escape(label)) in client.get("/admin/settings").get_data(as_text=True)


def test_adding_any_label_to_any_list_never_500_and_stores_only_valid_labels_escaped(app, client, login_as):
    login_as("admin")

    @PROPERTY
    @given(kind=st.sampled_from(KINDS), label=LABEL)
    @example(kind=OptionKind.SOURCE, label="<script>alert(1)</script>")
    @example(kind=OptionKind.SOURCE, label="Search Engine")
    @example(kind=OptionKind.ROOM, label="x" * 2000)
    @example(kind=OptionKind.LOST_REASON, label="a\x00b")
    def check(kind, label):
        before, audited = labels(app, kind), _settings_audit(app)
        response = client.post(f"/admin/settings/options/{kind.value}/new", data={f"{kind.value}-label": label})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert explains(response)
            assert labels(app, kind) == before
            assert _settings_audit(app) == audited
        else:
            assert _storable(label)
            assert labels(app, kind) == [*before, label.strip()]
            assert _settings_audit(app) == audited + 1
            assert _shown_escaped(client, label.strip())

    check()


def test_renaming_with_any_label_and_version_never_500_and_changes_nothing_unless_saved(app, client, login_as,
                                                                                       make_option):
    login_as("admin")
    target = make_option(OptionKind.SOURCE, "Leaflet")

    @PROPERTY
    @given(label=LABEL, version=VERSION)
    @example(label="Instagram", version=None)  # another entry's name
    @example(label="LEAFLET", version=None)  # its own name in another case
    @example(label="<b>bold</b>", version=None)
    @example(label="Fine", version="999999")
    @example(label="Fine", version="\u00b2")
    @example(label="Fine", version="9" * 5000)
    @example(label="Fine", version="")
    def check(label, version):
        before = option_row(app, target["id"])
        sent = str(before["version"]) if version is None else version
        response = client.post(f"/admin/settings/options/{target['id']}/edit", data={"label": label, "version": sent})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 409), response.status_code
        after = option_row(app, target["id"])
        if response.status_code == 302:
            assert as_int(sent) == before["version"] and _storable(label)
            assert after["label"] == label.strip()
            assert _shown_escaped(client, after["label"])
        else:
            assert explains(response)
            assert after == before

    check()


def test_consultation_length_with_any_minutes_and_version_never_500_and_stores_only_5_to_480(app, client, login_as):
    login_as("admin")

    @PROPERTY
    @given(minutes=MINUTES, version=VERSION)
    @example(minutes="45", version=None)
    @example(minutes="45", version="0")
    @example(minutes="45", version=str(2**63))
    @example(minutes="9" * 5000, version=None)
    @example(minutes="\u00b2", version=None)
    def check(minutes, version):
        before, audited = settings_row(app), _settings_audit(app)
        sent = str(before["version"]) if version is None else version
        response = client.post("/admin/settings/defaults", data={"consultation_minutes": minutes, "version": sent})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 409), response.status_code
        after = settings_row(app)
        if response.status_code == 302:
            assert as_int(sent) == before["version"]
            assert 5 <= after["consultation_minutes"] <= 480
            assert after["consultation_minutes"] == as_int(minutes)
        else:
            assert explains(response)
            assert after == before and _settings_audit(app) == audited

    check()


def test_retire_and_bring_back_with_any_version_never_500_and_apply_only_a_current_version(app, client, login_as,
                                                                                           make_option):
    login_as("admin")
    target = make_option(OptionKind.ROOM, "Room 2")

    @PROPERTY
    @given(step=st.sampled_from(["retire", "restore"]), version=VERSION)
    @example(step="retire", version=None)
    @example(step="restore", version=None)
    @example(step="retire", version="1_0")
    @example(step="restore", version="9" * 5000)
    def check(step, version):
        before = option_row(app, target["id"])
        sent = str(before["version"]) if version is None else version
        response = client.post(f"/admin/settings/options/{target['id']}/{step}", data={"version": sent})
        event(f"status {response.status_code}")
        assert response.status_code in (302, 409), response.status_code
        after = option_row(app, target["id"])
        flashed = {category for category, _ in take_flashes(client)}
        if response.status_code == 302 and as_int(sent) == before["version"]:
            assert after["active"] is (step == "restore")
            assert flashed == {"success"}
        else:
            assert after == before
            if response.status_code == 302:
                assert flashed == {"warning"}  # the refusal is explained on the next page
            else:
                assert explains(response)

    check()


def test_any_list_name_or_entry_id_in_the_url_is_404_unless_it_exists(app, client, login_as):
    login_as("admin")
    options_before = row_count(app, Option)

    @PROPERTY
    @given(kind=st.text(ANY_CHAR, min_size=1, max_size=40).filter(lambda k: k not in {k.value for k in KINDS}),
           option_id=st.one_of(st.integers(min_value=options_before + 1), st.integers(max_value=0)),
           step=st.sampled_from(["edit", "retire", "restore"]))
    @example(kind="SOURCE", option_id=2**31, step="edit")
    @example(kind="source ", option_id=2**63, step="retire")
    @example(kind="..", option_id=-1, step="restore")
    def check(kind, option_id, step):
        added = client.post(f"/admin/settings/options/{quote(kind, safe='')}/new",
                            data={f"{kind}-label": "Leaflet", "source-label": "Leaflet"})
        event(f"kind status {added.status_code}")
        assert added.status_code in (404, 405, 308), added.status_code  # 308: werkzeug tidying the path
        assert client.post(f"/admin/settings/options/{option_id}/{step}",
                           data={"label": "Leaflet", "version": "1"}).status_code == 404
        assert row_count(app, Option) == options_before

    check()


_FIELD_NAMES = ["consultation_minutes", "version", "label", "source-label", "lost_reason-label", "room-label",
                "csrf_token", "source-csrf_token"]


def test_every_settings_form_with_fields_missing_repeated_or_unknown_never_500(app, client, login_as, make_option):
    login_as("admin")
    target = make_option(OptionKind.SOURCE, "Leaflet")
    routes = ["/admin/settings/defaults", *(f"/admin/settings/options/{k.value}/new" for k in KINDS),
              *(f"/admin/settings/options/{target['id']}/{step}" for step in ("edit", "retire", "restore"))]

    @PROPERTY
    @given(
        route=st.sampled_from(routes),
        form=st.dictionaries(st.one_of(st.sampled_from(_FIELD_NAMES), st.text(ANY_CHAR, max_size=20)),
                             st.lists(LABEL, min_size=1, max_size=3), max_size=6),
    )
    @example(route="/admin/settings/defaults", form={})
    @example(route="/admin/settings/options/source/new", form={"source-label": ["A", "B"]})
    @example(route=f"/admin/settings/options/{target['id']}/edit", form={"version": ["1", "2"], "label": ["X"]})
    @example(route="/admin/settings/defaults", form={"csrf_token": ["forged"], "consultation_minutes": ["45"]})
    def check(route, form):
        response = client.post(route, data=form)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302, 400, 409), response.status_code
        if response.status_code in (200, 409):
            assert explains(response)

    check()

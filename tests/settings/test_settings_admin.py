"""Administrators edit the clinic's lists and defaults; each change is audited, stale saves are refused."""

import pytest

from tests.conftest import count_queries, sign_in
from tests.pages import input_value
from tests.settings.conftest import KINDS, labels, option_row, settings_row
from tracker.audit.models import AuditAction
from tracker.extensions import db
from tracker.settings import services
from tracker.settings.models import OptionKind

TAKEN = "This list already has an entry with that name."


def _label_field(kind: OptionKind) -> str:
    return f"{kind.value}-label"


def _add(client, kind: OptionKind, label: str):
    return client.post(f"/admin/settings/options/{kind.value}/new", data={_label_field(kind): label})


def _rename(client, option: dict, label: str, version: int | None = None):
    return client.post(f"/admin/settings/options/{option['id']}/edit",
                       data={"label": label, "version": option["version"] if version is None else version})


def _offered(app, kind: OptionKind) -> list[str]:
    """The labels other pages offer as choices."""
    with app.app_context():
        return [o.label for o in services.options(kind)]


# --- the page ---------------------------------------------------------------------------------

def test_settings_page_shows_the_default_and_every_list_with_counts(client, login_as, make_option):
    login_as("admin")
    make_option(OptionKind.SOURCE, "Old leaflet", active=False)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "<h1" in page and ">Settings</h1>" in page
    for heading in ("The clinic and defaults", "Sources", "Lost reasons", "Sites and rooms"):
        assert f">{heading}</h2>" in page
    assert 'data-testid="count-source">9 in use<' in page and "1 retired" in page
    assert 'data-testid="count-room">1 in use<' in page
    assert "Search engine" in page and "Chose another clinic" in page and "Consultation room 1" in page
    assert 'value="30"' in page
    retired_row = page.split("Old leaflet</td>")[1].split("</tr>")[0]
    assert "Retired" in retired_row and "Bring back" in retired_row
    assert page.index("Other</td>") < page.index("Old leaflet</td>")  # active entries first


@pytest.mark.parametrize(("role", "sees"), [("admin", True), ("manager", False), ("reception", False)])
def test_settings_is_in_the_navigation_for_administrators_only(client, login_as, role, sees):
    login_as(role)
    assert ('href="/admin/settings"' in client.get("/").get_data(as_text=True)) is sees


# --- each list --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_admin_adds_an_entry_at_the_end_of_a_list_and_it_is_audited(app, client, login_as, audit_rows, kind):
    admin = login_as("admin")
    response = _add(client, kind, "  Shop window  ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/settings#{kind.value}")
    assert labels(app, kind)[-1] == "Shop window"
    assert _offered(app, kind)[-1] == "Shop window"
    [row] = audit_rows(action=AuditAction.CREATE, entity_type="options")
    assert row["actor_id"] == admin.id
    assert row["changes"]["label"] == [None, "Shop window"] and row["changes"]["kind"] == [None, kind.value]
    assert "Shop window" in client.get("/admin/settings").get_data(as_text=True)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_admin_renames_an_entry_and_it_is_audited(app, client, login_as, audit_rows, make_option, kind):
    admin = login_as("admin")
    option = make_option(kind, "Leaflet")
    page = client.get(f"/admin/settings/options/{option['id']}/edit")
    assert page.status_code == 200 and input_value(page, "label") == "Leaflet"
    assert _rename(client, option, "Printed leaflet ").status_code == 302
    assert option_row(app, option["id"])["label"] == "Printed leaflet"
    [row] = audit_rows(action=AuditAction.UPDATE, entity_type="options")
    assert row["changes"] == {"label": ["Leaflet", "Printed leaflet"]} and row["actor_id"] == admin.id


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_admin_retires_and_brings_back_an_entry_and_both_are_audited(app, client, login_as, audit_rows,
                                                                     make_option, kind):
    login_as("admin")
    option = make_option(kind, "Leaflet")
    assert client.post(f"/admin/settings/options/{option['id']}/retire",
                       data={"version": option["version"]}).status_code == 302
    retired = option_row(app, option["id"])
    assert retired["active"] is False
    assert "Leaflet" not in _offered(app, kind)  # gone from choice lists elsewhere...
    assert "Leaflet" in labels(app, kind)  # ...but never deleted
    with app.app_context():
        assert services.active_option(kind, option["id"]) is None
    assert client.post(f"/admin/settings/options/{option['id']}/restore",
                       data={"version": retired["version"]}).status_code == 302
    assert option_row(app, option["id"])["active"] is True
    assert "Leaflet" in _offered(app, kind)
    changes = [r["changes"] for r in audit_rows(action=AuditAction.UPDATE, entity_type="options")]
    assert changes == [{"active": [True, False]}, {"active": [False, True]}]


def test_a_retired_entry_can_be_renamed(app, client, login_as, make_option):
    login_as("admin")
    option = make_option(OptionKind.LOST_REASON, "Too far", active=False)
    assert _rename(client, option, "Too far away").status_code == 302
    renamed = option_row(app, option["id"])
    assert (renamed["label"], renamed["active"]) == ("Too far away", False)


# --- the default ------------------------------------------------------------------------------

@pytest.mark.parametrize("minutes", [5, 45, 480])
def test_admin_changes_the_consultation_length_and_it_is_audited(app, client, login_as, audit_rows, minutes):
    admin = login_as("admin")
    response = client.post("/admin/settings/defaults", data={"consultation_minutes": str(minutes), "version": "1"})
    assert response.status_code == 302
    assert settings_row(app)["consultation_minutes"] == minutes
    [row] = audit_rows(action=AuditAction.UPDATE, entity_type="clinic_settings")
    assert row["changes"] == {"consultation_minutes": [30, minutes]} and row["actor_id"] == admin.id


@pytest.mark.parametrize("minutes", ["4", "481", "0", "-30", "", "  ", "thirty", "30.5", "9" * 5000])
def test_consultation_length_outside_5_to_480_is_refused_beside_the_field(app, client, login_as, audit_rows,
                                                                          minutes):
    login_as("admin")
    before = settings_row(app)
    response = client.post("/admin/settings/defaults", data={"consultation_minutes": minutes, "version": "1"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="consultation_minutes-error"' in body and 'aria-invalid="true"' in body
    assert input_value(response, "consultation_minutes") == minutes  # the input is kept
    assert settings_row(app) == before
    assert audit_rows(entity_type="clinic_settings") == []


# --- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["search engine", "  SEARCH ENGINE ", "Search Engine"])
def test_duplicate_label_in_the_same_list_is_refused_whatever_its_case(app, client, login_as, audit_rows, label):
    login_as("admin")
    before = labels(app, OptionKind.SOURCE)
    response = _add(client, OptionKind.SOURCE, label)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'<div id="source-label-error" class="invalid-feedback d-block">{TAKEN}</div>' in body
    assert input_value(response, "source-label") == label.strip()  # kept, trimmed
    assert '<a href="#source-label">New source</a>' in body  # summarised at the top of the long page
    assert labels(app, OptionKind.SOURCE) == before
    assert audit_rows(entity_type="options") == []


def test_non_ascii_duplicates_are_refused_on_every_database(app, client, login_as, make_option):
    """SQLite's lower() folds ASCII only: the comparison must not rely on it."""
    login_as("admin")
    make_option(OptionKind.SOURCE, "Ärzte")
    for label in ("Ärzte", "ärzte", "ÄRZTE", "A\u0308rzte"):  # the last is decomposed: A + combining diaeresis
        response = _add(client, OptionKind.SOURCE, label)
        assert response.status_code == 200 and TAKEN in response.get_data(as_text=True)
    assert labels(app, OptionKind.SOURCE).count("Ärzte") == 1


def test_the_same_label_may_be_in_different_lists(app, client, login_as):
    login_as("admin")
    assert _add(client, OptionKind.ROOM, "Other").status_code == 302  # "Other" is a seeded source
    assert "Other" in labels(app, OptionKind.ROOM)


def test_renaming_to_another_entrys_name_is_refused_but_changing_only_the_case_is_not(app, client, login_as,
                                                                                    make_option):
    login_as("admin")
    option = make_option(OptionKind.SOURCE, "leaflet")
    response = _rename(client, option, "instagram")
    assert response.status_code == 200 and TAKEN in response.get_data(as_text=True)
    assert input_value(response, "label") == "instagram"
    assert option_row(app, option["id"]) == option
    assert _rename(client, option, "Leaflet").status_code == 302
    assert option_row(app, option["id"])["label"] == "Leaflet"


@pytest.mark.parametrize(("label", "message"), [
    ("", "Enter a name."),
    ("   ", "Enter a name."),
    ("x" * 81, "Use 80 characters or fewer."),
    ("Bad\x00byte", "cannot be stored"),
])
def test_empty_overlong_or_unstorable_labels_are_refused_and_nothing_is_saved(app, client, login_as, make_option,
                                                                             audit_rows, label, message):
    login_as("admin")
    option = make_option(OptionKind.ROOM, "Room 2")
    before = labels(app, OptionKind.ROOM)
    added = _add(client, OptionKind.ROOM, label)
    renamed = _rename(client, option, label)
    for response in (added, renamed):
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    assert labels(app, OptionKind.ROOM) == before
    assert len(audit_rows(entity_type="options")) == 1  # make_option's own


def test_a_label_of_exactly_80_characters_after_trimming_is_accepted(app, client, login_as):
    login_as("admin")
    assert _add(client, OptionKind.ROOM, "  " + "r" * 80 + "  ").status_code == 302
    assert labels(app, OptionKind.ROOM)[-1] == "r" * 80


def test_stored_labels_are_shown_escaped(app, client, login_as):
    login_as("admin")
    hostile = "<script>alert('x')</script>"
    assert _add(client, OptionKind.SOURCE, hostile).status_code == 302
    body = client.get("/admin/settings").get_data(as_text=True)
    assert hostile not in body
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body


@pytest.mark.parametrize("kind", ["nope", "SOURCE", "sources", "option", "1"])
def test_unknown_list_is_404_and_adds_nothing(app, client, login_as, audit_rows, kind):
    login_as("admin")
    response = client.post(f"/admin/settings/options/{kind}/new", data={f"{kind}-label": "X", "source-label": "X"})
    assert response.status_code == 404
    assert audit_rows(entity_type="options") == []


@pytest.mark.parametrize(("method", "step"), [("GET", "edit"), ("POST", "edit"), ("POST", "retire"),
                                              ("POST", "restore")])
def test_unknown_entry_is_404(client, login_as, method, step):
    login_as("admin")
    url = f"/admin/settings/options/999999/{step}"
    response = client.get(url) if method == "GET" else client.post(url, data={"label": "X", "version": "1"})
    assert response.status_code == 404


def test_a_retire_button_from_an_unusable_form_changes_nothing_and_says_so(app, client, login_as, make_option):
    login_as("admin")
    option = make_option()
    response = client.post(f"/admin/settings/options/{option['id']}/retire", data={"version": "abc"},
                           follow_redirects=True)
    assert "The page was out of date" in response.get_data(as_text=True)
    assert option_row(app, option["id"]) == option


@pytest.mark.parametrize(("url", "data"), [
    ("/admin/settings/defaults", {"consultation_minutes": "45", "version": "1"}),
    ("/admin/settings/options/source/new", {"source-label": "Leaflet"}),
    ("/admin/settings/options/1/edit", {"label": "Leaflet", "version": "1"}),
    ("/admin/settings/options/1/retire", {"version": "1"}),
])
def test_every_settings_post_needs_the_csrf_token(app, client, login_as, audit_rows, url, data):
    login_as("admin")
    assert client.post(url, data=data, csrf=False).status_code == 400
    assert audit_rows(entity_type="options") == [] and audit_rows(entity_type="clinic_settings") == []


# --- two administrators at once ---------------------------------------------------------------

@pytest.fixture
def colleague(app, make_user):
    """A second administrator, Beth Boss, signed in on her own browser."""
    browser = app.test_client()
    sign_in(browser, make_user("admin", full_name="Beth Boss"))
    return browser


def test_stale_rename_gets_409_with_the_current_value_and_keeps_the_input(app, client, login_as, make_option,
                                                                          colleague):
    login_as("admin")
    option = make_option(OptionKind.SOURCE, "Leaflet")  # both open the edit form at this version
    assert _rename(colleague, option, "Flyer").status_code == 302
    response = _rename(client, option, "Printed leaflet")
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "changed by Beth Boss" in body and "Nothing of yours was saved" in body
    assert "Current value: Flyer" in body
    assert input_value(response, "label") == "Printed leaflet"
    assert option_row(app, option["id"])["label"] == "Flyer"
    # Having compared, saving again from the re-shown form goes through.
    resend = client.post(f"/admin/settings/options/{option['id']}/edit",
                         data={"label": "Printed leaflet", "version": input_value(response, "version")})
    assert resend.status_code == 302
    assert option_row(app, option["id"])["label"] == "Printed leaflet"


def test_stale_consultation_length_gets_409_with_the_current_value_and_keeps_the_input(app, client, login_as,
                                                                                       colleague):
    login_as("admin")
    assert colleague.post("/admin/settings/defaults", data={"consultation_minutes": "40", "version": "1"}
                          ).status_code == 302
    response = client.post("/admin/settings/defaults", data={"consultation_minutes": "60", "version": "1"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "changed by Beth Boss" in body and "Current value: 40 minutes" in body
    assert input_value(response, "consultation_minutes") == "60"
    assert settings_row(app)["consultation_minutes"] == 40


@pytest.mark.parametrize("step", ["retire", "restore"])
def test_stale_retire_or_bring_back_gets_409_and_changes_nothing(app, client, login_as, make_option, colleague,
                                                                 step):
    login_as("admin")
    option = make_option(OptionKind.LOST_REASON, "Weather")
    assert _rename(colleague, option, "Bad weather").status_code == 302
    current = option_row(app, option["id"])
    response = client.post(f"/admin/settings/options/{option['id']}/{step}", data={"version": option["version"]})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "changed by Beth Boss" in body and "Bad weather" in body  # the list as it is now
    assert option_row(app, option["id"]) == current


# --- who may ----------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/admin/settings"),
    ("POST", "/admin/settings/defaults"),
    ("POST", "/admin/settings/options/source/new"),
    ("POST", "/admin/settings/options/nope/new"),  # permission first: no hint which lists exist
    ("GET", "/admin/settings/options/1/edit"),
    ("POST", "/admin/settings/options/1/edit"),
    ("POST", "/admin/settings/options/1/retire"),
    ("POST", "/admin/settings/options/1/restore"),
]


@pytest.mark.parametrize("role", ["reception", "specialist", "manager"])
@pytest.mark.parametrize(("method", "url"), ROUTES, ids=str)
def test_only_administrators_reach_the_settings(app, client, login_as, audit_rows, role, method, url):
    login_as(role)
    data = {"consultation_minutes": "45", "source-label": "Leaflet", "label": "Leaflet", "version": "1"}
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    assert response.status_code == 403
    assert audit_rows(entity_type="options") == [] and audit_rows(entity_type="clinic_settings") == []


@pytest.mark.parametrize(("method", "url"), ROUTES, ids=str)
def test_anonymous_visitors_are_sent_to_sign_in(client, make_user, method, url):
    make_user("admin")  # past first-run setup
    response = client.get(url) if method == "GET" else client.post(url, data={})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


# --- cost -------------------------------------------------------------------------------------

def test_settings_page_runs_the_same_few_queries_however_long_the_lists(app, client, login_as):
    login_as("admin")
    client.get("/")  # the once-per-process first-run check is not part of the page's cost
    with count_queries(app) as few:
        assert client.get("/admin/settings").status_code == 200
    with app.app_context():
        for n in range(30):
            option = services.add_option(KINDS[n % 3], f"Extra {n}")
            option.active = n % 2 == 0
        db.session.commit()
    with count_queries(app) as many:
        assert client.get("/admin/settings").status_code == 200
    assert len(many) == len(few) <= 5  # begin, the signed-in user, the settings row, the lists, the nav's overdue count


def test_a_label_added_by_someone_else_at_the_same_moment_is_refused_not_a_500(app, monkeypatch):
    from tracker.settings import services

    monkeypatch.setattr(services, "_label_taken", lambda *_args, **_kwargs: False)  # both checked before either saved
    with app.app_context():
        with pytest.raises(services.OptionLabelTaken):
            services.add_option(OptionKind.SOURCE, "Instagram")
        assert services.add_option(OptionKind.SOURCE, "Leaflet").id  # the session is still usable

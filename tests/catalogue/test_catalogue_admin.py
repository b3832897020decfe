"""Administrators keep the treatment catalogue: the list, adding, editing, retiring; audited, stale saves refused."""

import re

import pytest

from tests.catalogue.conftest import (
    by_code,
    catalogue_audit,
    edit_form,
    treatment_form,
    treatment_row,
    treatment_rows,
)
from tests.conftest import count_queries, sign_in
from tests.pages import field_error, input_value
from tracker.audit.models import AuditAction
from tracker.catalogue import services
from tracker.catalogue.models import TreatmentCategory
from tracker.extensions import db

SURGICAL = {"punch_excision", "subcision"}
ABLATIVE = {"laser_co2", "dermabrasion"}
SEEDED_CODES = {"laser_co2", "non_ablative_laser", "microneedling", "rf_microneedling", "dermal_filler",
                "dermabrasion", "subcision", "punch_excision", "tca_cross", "chemical_peel"}
TAKEN = "already has a treatment with this name"


def _row_html(page: str, treatment_id: int) -> str:
    """The list's table row for one treatment."""
    match = re.search(rf'<tr data-testid="treatment-{treatment_id}".*?</tr>', page, re.S)
    assert match, f"no row for treatment {treatment_id}"
    return match.group(0)


def _offered_names(app) -> list[str]:
    """What the other pages offer (enquiry and plan forms read active_treatments)."""
    with app.app_context():
        return [t.name for t in services.active_treatments()]


# --- the list ---------------------------------------------------------------------------------

def test_list_shows_every_seeded_treatment_with_its_defaults_in_catalogue_order(app, client, login_as):
    login_as("admin")
    response = client.get("/admin/treatments")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ">Treatments</h1>" in page
    assert 'data-testid="count-offered">10 offered<' in page and 'data-testid="count-retired"' not in page
    rows = treatment_rows(app)
    positions = [page.index(f'data-testid="treatment-{r["id"]}"') for r in sorted(rows, key=lambda r: r["position"])]
    assert positions == sorted(positions)
    tca = _row_html(page, by_code(app, "tca_cross")["id"])
    assert "TCA CROSS" in tca and "Focal scar treatment" in tca and "4 sessions, 3 weeks apart" in tca
    assert "£200.00" in tca and "3 and 6 months" in tca and "2 days" in tca and "Offered" in tca
    punch = _row_html(page, by_code(app, "punch_excision")["id"])
    assert "1 session<" in punch and "£300.00" in punch and "Suture removal / wound check, days 7–10" in punch
    assert "14 days" in punch and "Surgical" in punch and "Ablative" not in punch
    laser = _row_html(page, by_code(app, "laser_co2")["id"])
    assert "£600.00" in laser and "1 and 6 months" in laser and "Ablative" in laser and "Surgical" not in laser


def test_seeded_catalogue_matches_the_domain_notes(app):
    rows = {r["code"]: r for r in treatment_rows(app)}
    assert set(rows) == SEEDED_CODES
    for code, row in rows.items():
        assert row["reflection_days"] == (14 if code in SURGICAL else 2), code
        assert row["surgical"] is (code in SURGICAL), code
        assert row["ablative"] is (code in ABLATIVE), code
        assert row["active"] is True and 1 <= row["default_sessions"] <= 20, code
    assert rows["tca_cross"]["review_months"] == [3, 6]
    punch = rows["punch_excision"]
    assert "wound check" in punch["aftercare_label"].lower()
    assert (punch["aftercare_from_days"], punch["aftercare_to_days"]) == (7, 10)
    assert punch["default_sessions"] == 1 and rows["dermabrasion"]["default_sessions"] == 1  # single procedures
    assert rows["subcision"]["category"] is TreatmentCategory.RELEASE
    assert rows["tca_cross"]["category"] is TreatmentCategory.FOCAL


def test_list_issues_the_same_queries_with_ten_or_sixty_treatments(app, client, login_as, make_treatment):
    admin = login_as("admin")
    sign_in(client, admin)
    client.get("/")  # the once-per-process first-run check is not part of the page's cost
    with count_queries(app) as few:
        assert client.get("/admin/treatments").get_data(as_text=True).count('data-testid="treatment-') == 10
    for n in range(50):
        make_treatment(f"Extra {n}", active=n % 3 != 0, review_months=[3], aftercare_label="Check",
                       aftercare_from_days=1, aftercare_to_days=2)
    with count_queries(app) as many:
        assert client.get("/admin/treatments").get_data(as_text=True).count('data-testid="treatment-') == 60
    assert len(many) == len(few) <= 3  # the user, the treatments (+ nothing per row), the nav's overdue count


@pytest.mark.parametrize(("role", "sees"), [("admin", True), ("manager", False), ("specialist", False),
                                            ("reception", False)])
def test_treatments_are_in_the_navigation_for_administrators_only(client, login_as, role, sees):
    login_as(role)
    assert ('href="/admin/treatments"' in client.get("/").get_data(as_text=True)) is sees


@pytest.mark.parametrize("role", ["manager", "specialist", "reception"])
def test_other_roles_are_refused_every_catalogue_page(app, client, login_as, role):
    login_as(role)
    before = treatment_rows(app)
    assert client.get("/admin/treatments").status_code == 403
    assert client.get("/admin/treatments/new").status_code == 403
    assert client.post("/admin/treatments/new", data=treatment_form()).status_code == 403
    assert client.get("/admin/treatments/1/edit").status_code == 403
    assert client.post("/admin/treatments/1/edit", data=edit_form(before[0], name="Taken over")).status_code == 403
    assert treatment_rows(app) == before


# --- adding -----------------------------------------------------------------------------------

def test_new_form_starts_at_two_days_reflection_offered_and_at_the_end_of_the_list(client, login_as):
    login_as("admin")
    response = client.get("/admin/treatments/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert input_value(response, "reflection_days") == "2"
    assert input_value(response, "position") == "10"  # seeded at 0-9
    assert re.search(r'<input[^>]*checked[^>]*name="active"|<input[^>]*name="active"[^>]*checked', page)
    assert "14 is usual for surgical procedures such as punch excision and subcision" in page
    assert 'name="code"' not in page


def test_admin_adds_a_treatment_with_a_derived_code_and_it_is_audited(app, client, login_as, audit_rows):
    admin = login_as("admin")
    response = client.post("/admin/treatments/new", data=treatment_form(
        name="  Fractional Er:YAG  ", review_months="6 3, 6", aftercare_label=" Redness check ",
        aftercare_from_days="2", aftercare_to_days="5", surgical="y", price="1234.5"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/treatments")
    row = treatment_rows(app)[-1]
    assert row["name"] == "Fractional Er:YAG" and row["code"] == "fractional_er_yag"
    assert row["category"] is TreatmentCategory.RESURFACING
    assert (row["default_sessions"], row["default_interval_weeks"], row["price_pence"]) == (3, 6, 123450)
    assert row["review_months"] == [3, 6]
    assert (row["aftercare_label"], row["aftercare_from_days"], row["aftercare_to_days"]) == ("Redness check", 2, 5)
    assert (row["reflection_days"], row["ablative"], row["surgical"], row["active"]) == (2, True, True, True)
    assert row["position"] == 10
    assert "Fractional Er:YAG" in _offered_names(app)
    [event] = audit_rows(action=AuditAction.CREATE, entity_type="treatments")
    assert event["actor_id"] == admin.id and event["entity_id"] == row["id"]
    assert event["changes"]["name"] == [None, "Fractional Er:YAG"] and event["changes"]["price_pence"] == [None, 123450]
    page = client.get("/admin/treatments").get_data(as_text=True)
    assert "Added “Fractional Er:YAG” to the catalogue." in page and "£1,234.50" in _row_html(page, row["id"])


def test_codes_stay_unique_when_names_slug_alike(app, client, login_as):
    login_as("admin")
    for name in ("TCA cross!", "Ünïcode peel", "!!!", "Peel (ünicode)"):
        assert client.post("/admin/treatments/new", data=treatment_form(name=name)).status_code == 302
    codes = [r["code"] for r in treatment_rows(app)[-4:]]
    assert codes == ["tca_cross_2", "unicode_peel", "treatment", "peel_unicode"]


def test_an_empty_review_list_stores_no_reviews(app, client, login_as):
    login_as("admin")
    assert client.post("/admin/treatments/new", data=treatment_form(review_months="  ")).status_code == 302
    assert treatment_rows(app)[-1]["review_months"] == []


@pytest.mark.parametrize("name", ["TCA CROSS", "tca cross", "  Tca Cross ", "\u00a0TCA CROSS\u3000"])
def test_duplicate_name_is_refused_beside_the_field_whatever_its_case(app, client, login_as, name):
    login_as("admin")
    before, audited = treatment_rows(app), catalogue_audit(app)
    response = client.post("/admin/treatments/new", data=treatment_form(name=name))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="name-error"' in body and TAKEN in body
    assert input_value(response, "name") == name.strip() and input_value(response, "price") == "450.00"
    assert treatment_rows(app) == before and catalogue_audit(app) == audited


def test_a_retired_treatments_name_is_taken_too(app, client, login_as, make_treatment):
    login_as("admin")
    make_treatment("Old laser", active=False)
    response = client.post("/admin/treatments/new", data=treatment_form(name="OLD LASER"))
    assert response.status_code == 200 and TAKEN in response.get_data(as_text=True)


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"name": "   "}, "name", "Enter the treatment's name."),
    ({"name": "x" * 121}, "name", "120 characters or fewer"),
    ({"category": "laser"}, "category", "Not a valid choice"),
    ({"default_sessions": "0"}, "default_sessions", "from 1 to 20"),
    ({"default_sessions": "21"}, "default_sessions", "from 1 to 20"),
    ({"default_interval_weeks": "53"}, "default_interval_weeks", "from 1 to 52"),
    ({"default_interval_weeks": "two"}, "default_interval_weeks", "from 1 to 52"),
    ({"price": "12.345"}, "price", "pounds and pence"),
    ({"price": "-1"}, "price", "£0 to £100,000"),
    ({"review_months": "3, 61"}, "review_months", "from 1 to 60"),
    ({"review_months": "0"}, "review_months", "from 1 to 60"),
    ({"review_months": "3 months"}, "review_months", "from 1 to 60"),
    ({"review_months": "1,2,3,4,5,6,7"}, "review_months", "at most 6"),
    ({"aftercare_label": "Wound check"}, "aftercare_from_days", "first day"),
    ({"aftercare_from_days": "7", "aftercare_to_days": "10"}, "aftercare_label", "Name the check"),
    ({"aftercare_label": "Check", "aftercare_from_days": "10", "aftercare_to_days": "7"}, "aftercare_to_days",
     "cannot be before"),
    ({"aftercare_label": "Check", "aftercare_from_days": "0", "aftercare_to_days": "7"}, "aftercare_from_days",
     "from 1 to 365"),
    ({"aftercare_label": "Check", "aftercare_from_days": "1", "aftercare_to_days": "366"}, "aftercare_to_days",
     "from 1 to 365"),
    ({"reflection_days": "91"}, "reflection_days", "from 0 to 90"),
    ({"reflection_days": "-1"}, "reflection_days", "from 0 to 90"),
    ({"position": "1000"}, "position", "from 0 to 999"),
])
def test_each_rule_is_explained_beside_its_field_and_nothing_is_saved(app, client, login_as, fields, field_id,
                                                                      message):
    login_as("admin")
    before, audited = treatment_rows(app), catalogue_audit(app)
    data = treatment_form(**fields)
    response = client.post("/admin/treatments/new", data=data)
    assert response.status_code == 200
    error = field_error(response, field_id)
    assert error and error.count(message) == 1, error  # said once, not once per validator
    if field_id != "category":
        sent = data[field_id]
        assert input_value(response, field_id) == (sent.strip() if field_id in ("name", "aftercare_label") else sent)
    assert treatment_rows(app) == before and catalogue_audit(app) == audited


# --- editing, retiring, bringing back ---------------------------------------------------------

def test_admin_edits_a_treatment_and_only_the_changes_are_audited(app, client, login_as, audit_rows):
    admin = login_as("admin")
    tca = by_code(app, "tca_cross")
    page = client.get(f"/admin/treatments/{tca['id']}/edit")
    assert page.status_code == 200
    assert input_value(page, "name") == "TCA CROSS" and input_value(page, "review_months") == "3, 6"
    assert input_value(page, "price") == "200.00" and input_value(page, "version") == str(tca["version"])
    response = client.post(f"/admin/treatments/{tca['id']}/edit",
                           data=edit_form(tca, price="220", review_months="6, 3, 12", default_sessions="5"))
    assert response.status_code == 302
    saved = treatment_row(app, tca["id"])
    assert (saved["price_pence"], saved["review_months"], saved["default_sessions"]) == (22000, [3, 6, 12], 5)
    assert saved["code"] == "tca_cross" and saved["version"] == tca["version"] + 1
    [event] = audit_rows(action=AuditAction.UPDATE, entity_type="treatments")
    assert event["actor_id"] == admin.id and event["entity_id"] == tca["id"]
    assert event["changes"] == {"price_pence": [20000, 22000], "review_months": [[3, 6], [3, 6, 12]],
                                "default_sessions": [4, 5]}


def test_clearing_the_aftercare_check_stores_none_of_it(app, client, login_as):
    login_as("admin")
    punch = by_code(app, "punch_excision")
    data = edit_form(punch, aftercare_label="", aftercare_from_days="", aftercare_to_days="")
    assert client.post(f"/admin/treatments/{punch['id']}/edit", data=data).status_code == 302
    saved = treatment_row(app, punch["id"])
    assert (saved["aftercare_label"], saved["aftercare_from_days"], saved["aftercare_to_days"]) == (None, None, None)


def test_renaming_to_another_treatments_name_is_refused(app, client, login_as):
    login_as("admin")
    peel = by_code(app, "chemical_peel")
    response = client.post(f"/admin/treatments/{peel['id']}/edit", data=edit_form(peel, name="subcision"))
    assert response.status_code == 200 and TAKEN in response.get_data(as_text=True)
    assert treatment_row(app, peel["id"]) == peel


def test_changing_only_the_case_of_its_own_name_is_allowed(app, client, login_as):
    login_as("admin")
    peel = by_code(app, "chemical_peel")
    assert client.post(f"/admin/treatments/{peel['id']}/edit",
                       data=edit_form(peel, name="CHEMICAL PEEL")).status_code == 302
    assert treatment_row(app, peel["id"])["name"] == "CHEMICAL PEEL"


def test_admin_retires_and_reactivates_a_treatment_and_both_are_audited(app, client, login_as, audit_rows):
    login_as("admin")
    peel = by_code(app, "chemical_peel")
    response = client.post(f"/admin/treatments/{peel['id']}/edit", data=edit_form(peel, active=None))
    assert response.status_code == 302
    retired = treatment_row(app, peel["id"])
    assert retired["active"] is False
    assert "Chemical peel" not in _offered_names(app)  # no longer offered...
    assert any(r["id"] == peel["id"] for r in treatment_rows(app))  # ...never deleted
    with app.app_context():  # ...and a record that already has it keeps it
        kept = services.treatments_by_id([peel["id"]], keeping=[db.session.get(services.Treatment, peel["id"])])
        assert [t.id for t in kept] == [peel["id"]]
        assert services.treatments_by_id([peel["id"]]) == []
    page = client.get("/admin/treatments").get_data(as_text=True)
    assert "is retired: it is no longer offered" in page
    assert "Retired" in _row_html(page, peel["id"]) and 'data-testid="count-retired">1 retired<' in page
    assert 'data-testid="count-offered">9 offered<' in page
    edit_page = client.get(f"/admin/treatments/{peel['id']}/edit").get_data(as_text=True)
    assert "Retired" in edit_page
    assert client.post(f"/admin/treatments/{peel['id']}/edit", data=edit_form(retired, active="y")).status_code == 302
    assert treatment_row(app, peel["id"])["active"] is True and "Chemical peel" in _offered_names(app)
    assert "“Chemical peel” is offered again." in client.get("/admin/treatments").get_data(as_text=True)
    changes = [r["changes"]["active"] for r in audit_rows(action=AuditAction.UPDATE, entity_type="treatments")]
    assert changes == [[True, False], [False, True]]


def test_a_stale_edit_is_refused_with_409_naming_who_changed_it_and_nothing_is_saved(app, client, login_as,
                                                                                    make_user, audit_rows):
    login_as("admin")
    colleague = make_user("admin", full_name="Casey Colleague")
    peel = by_code(app, "chemical_peel")
    other = app.test_client()
    sign_in(other, colleague)
    assert other.post(f"/admin/treatments/{peel['id']}/edit", data=edit_form(peel, price="175")).status_code == 302
    saved = treatment_row(app, peel["id"])
    audited = catalogue_audit(app)

    response = client.post(f"/admin/treatments/{peel['id']}/edit", data=edit_form(peel, default_sessions="6"))
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "changed by Casey Colleague" in body and 'data-testid="conflict"' in body
    assert "Price per session" in body  # the field that now differs, with the saved value beside the user's
    assert input_value(response, "default_sessions") == "6"  # the user's input is kept
    assert input_value(response, "version") == str(saved["version"])
    assert treatment_row(app, peel["id"]) == saved and catalogue_audit(app) == audited

    # Having compared, saving again goes through.
    again = client.post(f"/admin/treatments/{peel['id']}/edit",
                        data=edit_form(saved, default_sessions="6"))
    assert again.status_code == 302 and treatment_row(app, peel["id"])["default_sessions"] == 6


def test_editing_an_unknown_treatment_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/treatments/999/edit").status_code == 404
    assert client.get("/admin/treatments/0/edit").status_code == 404

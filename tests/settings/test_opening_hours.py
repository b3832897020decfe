"""Administrators set the clinic's opening hours and first-contact target; bad input and stale forms save nothing."""

from datetime import time

import pytest
from sqlalchemy import select

from tests.conftest import sign_in
from tests.pages import field_error, input_value
from tests.settings.conftest import settings_row
from tracker.audit.models import AuditAction
from tracker.extensions import db
from tracker.settings import services
from tracker.settings.models import OpeningHours

URL = "/admin/settings/opening-hours"
CLOSED_WEEK = "The clinic must be open at least one day a week."


def week_rows(app) -> list[tuple]:
    """(weekday, opens, closes, version) of each stored day, Monday first."""
    with app.app_context():
        return [(d.weekday, d.opens, d.closes, d.version)
                for d in db.session.scalars(select(OpeningHours).order_by(OpeningHours.weekday))]


def form_data(app, **changes) -> dict:
    """The form as the page fills it for the saved week, with `changes` (field name → text) applied."""
    data = {"first_contact_hours": str(settings_row(app)["first_contact_hours"]),
            "version": str(settings_row(app)["version"])}
    for weekday, opens, closes, version in week_rows(app):
        data[f"opens_{weekday}"] = opens.strftime("%H:%M") if opens else ""
        data[f"closes_{weekday}"] = closes.strftime("%H:%M") if closes else ""
        data[f"version_{weekday}"] = str(version)
    data.update(changes)
    return data


def test_the_page_shows_each_day_of_the_migrations_week_and_the_target(client, login_as):
    login_as("admin")
    page = client.get(URL)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and ">Opening hours</h1>" in body
    for weekday, name in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")):
        assert f"{name}</legend>" in body
        assert input_value(page, f"opens_{weekday}") == ("09:00" if weekday < 5 else "")
        assert input_value(page, f"closes_{weekday}") == ("18:00" if weekday < 5 else "")
        assert input_value(page, f"version_{weekday}") == "1"
    assert input_value(page, "first_contact_hours") == "2"
    assert 'type="time"' in body and '<label class="form-label" for="opens_0">Opens</label>' in body


def test_the_settings_index_links_to_the_page_and_states_the_target(client, login_as):
    login_as("admin")
    body = client.get("/admin/settings").get_data(as_text=True)
    section = body.split('data-testid="opening-hours"')[1].split("</section>")[0]
    assert ">Opening hours</h2>" in section and f'href="{URL}"' in section and "within\n    2 opening hours" in section


def test_admin_saves_a_new_week_and_target_in_one_go_and_each_change_is_audited(app, client, login_as,
                                                                               audit_rows):
    admin = login_as("admin")
    response = client.post(URL, data=form_data(app, opens_0="", closes_0="", opens_2="08:30", closes_2="20:00",
                                               opens_5="09:00", closes_5="13:00", first_contact_hours="4"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/settings#opening-hours")
    rows = week_rows(app)
    assert rows[0][1:3] == (None, None) and rows[2][1:3] == (time(8, 30), time(20)) and rows[5][1:3] == (time(9),
                                                                                                      time(13))
    assert rows[1][1:3] == (time(9), time(18)) and rows[6][1:3] == (None, None)
    assert [r[3] for r in rows] == [2, 1, 2, 1, 1, 2, 1]  # only the days that changed
    assert settings_row(app)["first_contact_hours"] == 4
    changes = audit_rows(action=AuditAction.UPDATE, entity_type="opening_hours")
    assert sorted(row["entity_id"] for row in changes) == [0, 2, 5]
    assert all(row["actor_id"] == admin.id for row in changes)
    by_day = {row["entity_id"]: row["changes"] for row in changes}
    assert by_day[5] == {"opens": [None, "09:00:00"], "closes": [None, "13:00:00"]}
    assert by_day[0] == {"opens": ["09:00:00", None], "closes": ["18:00:00", None]}
    [target] = audit_rows(action=AuditAction.UPDATE, entity_type="clinic_settings")
    assert target["changes"]["first_contact_hours"] == [2, 4]
    with app.app_context():
        assert [d.is_open for d in services.opening_hours()] == [False, True, True, True, True, True, False]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"opens_1": ""}, "opens_1", "Enter both times"),
    ({"closes_3": ""}, "closes_3", "Enter both times"),
    ({"closes_0": "09:00"}, "closes_0", "The closing time must be after the opening time."),
    ({"closes_0": "08:59"}, "closes_0", "The closing time must be after the opening time."),
    ({"opens_4": "24:00"}, "opens_4", "Enter a time as HH:MM, from 00:00 to 23:59."),
    ({"opens_4": "0900"}, "opens_4", "Enter a time as HH:MM"),
    ({"opens_4": "9:0"}, "opens_4", "Enter a time as HH:MM"),
    ({"closes_4": "17:60"}, "closes_4", "Enter a time as HH:MM"),
    ({"opens_6": "noon", "closes_6": "18:00"}, "opens_6", "Enter a time as HH:MM"),
    ({"opens_2": "\uff10\uff19:\uff10\uff10"}, "opens_2", "Enter a time as HH:MM"),  # full-width digits
    ({"first_contact_hours": "0"}, "first_contact_hours", "from 1 to 48"),
    ({"first_contact_hours": "49"}, "first_contact_hours", "from 1 to 48"),
    ({"first_contact_hours": ""}, "first_contact_hours", "from 1 to 48"),
    ({"first_contact_hours": "two"}, "first_contact_hours", "Not a valid integer"),
])
def test_bad_input_is_refused_beside_its_field_kept_and_nothing_saved(app, client, login_as, audit_rows, changes,
                                                                     field, message):
    login_as("admin")
    before, settings_before = week_rows(app), settings_row(app)
    response = client.post(URL, data=form_data(app, **changes))
    assert response.status_code == 200
    assert message in (field_error(response, field) or "")
    assert 'data-testid="error-summary"' in response.get_data(as_text=True)
    for name, text in changes.items():
        assert input_value(response, name) == text
    assert week_rows(app) == before and settings_row(app) == settings_before
    assert not audit_rows(action=AuditAction.UPDATE)


def test_a_week_with_no_open_day_is_refused(app, client, login_as):
    login_as("admin")
    before = week_rows(app)
    closed = {f"{which}_{day}": "" for day in range(7) for which in ("opens", "closes")}
    response = client.post(URL, data=form_data(app, **closed))
    assert response.status_code == 200
    assert field_error(response, "week") == CLOSED_WEEK
    assert week_rows(app) == before


def test_an_hour_typed_without_its_leading_zero_is_read_as_the_follow_up_forms_read_it(app, client, login_as):
    login_as("admin")
    response = client.post(URL, data=form_data(app, opens_4=" 9:30", closes_4="17:45"))
    assert response.status_code == 302
    assert week_rows(app)[4][1:3] == (time(9, 30), time(17, 45))


def test_a_week_the_service_refuses_is_shown_above_the_form_with_400_and_nothing_saved(app, client, login_as,
                                                                                     monkeypatch, audit_rows):
    login_as("admin")
    before, settings_before = week_rows(app), settings_row(app)

    def refuse(*_args, **_kwargs):
        raise services.InvalidWeek("Give the hours of all seven days.")

    monkeypatch.setattr(services, "update_opening_hours", refuse)
    response = client.post(URL, data=form_data(app, opens_2="08:00"))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'data-testid="form-errors"' in body and "Give the hours of all seven days." in body
    assert input_value(response, "opens_2") == "08:00"  # the input is kept
    assert week_rows(app) == before and settings_row(app) == settings_before
    assert not audit_rows(action=AuditAction.UPDATE)


def test_a_form_opened_before_a_colleague_saved_is_refused_naming_them_and_saves_on_the_second_try(
        app, client, make_user, login_as):
    colleague = make_user("admin", full_name="Cleo Colleague")
    other = app.test_client()
    sign_in(other, colleague)
    login_as("admin")
    stale = form_data(app, opens_1="10:00", first_contact_hours="3")
    assert other.post(URL, data=form_data(app, closes_1="17:00")).status_code == 302
    refused = client.post(URL, data=stale)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "changed by Cleo Colleague" in body
    assert 'data-testid="conflict"' in body and "Tuesday" in body and "09:00–17:00" in body and "10:00–18:00" in body
    assert input_value(refused, "opens_1") == "10:00"  # the user's input is kept
    assert week_rows(app)[1][1:3] == (time(9), time(17)) and settings_row(app)["first_contact_hours"] == 2
    assert input_value(refused, "version_1") == "2"  # the saved version, so saving again goes through
    again = {name: input_value(refused, name) or "" for name in stale if name != "csrf_token"}
    assert client.post(URL, data=again).status_code == 302
    assert week_rows(app)[1][1:3] == (time(10), time(18)) and settings_row(app)["first_contact_hours"] == 3


def test_a_stale_target_alone_also_refuses_the_whole_week(app, client, login_as):
    login_as("admin")
    stale = form_data(app, opens_0="07:00")
    with app.app_context():
        services.clinic_settings().first_contact_hours = 5
        db.session.commit()
    response = client.post(URL, data=stale)
    assert response.status_code == 409
    assert week_rows(app)[0][1] == time(9)


@pytest.mark.parametrize("role", ["manager", "reception", "specialist"])
def test_only_administrators_may_open_or_save_the_opening_hours(app, client, login_as, role):
    login_as(role)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=form_data(app, opens_0="07:00")).status_code == 403
    assert week_rows(app)[0][1] == time(9)

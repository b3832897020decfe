"""The page shell's markup: grouped navigation with the active entry marked, the Menu button, required markers on
every required field, one colour per pipeline stage (new not red, each readable), and a home page per role."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import render_template_string
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, InputRequired, Optional

from tracker import ROOT
from tracker.bookings.models import Appointment, AppointmentKind
from tracker.clock import clinic_today, local_day_start
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.forms import TrackerForm
from tracker.intake.public_form import contrast

APP_CSS = (ROOT / "tracker" / "static" / "css" / "app.css").read_text()


def _nav(html: str) -> str:
    return html.split('data-testid="main-nav"', 1)[1].split("</nav>", 1)[0]


def _main(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


# --- navigation ---------------------------------------------------------------------------

def test_the_administrators_navigation_is_grouped_with_each_entry_once_and_the_current_page_marked(client, login_as):
    login_as("admin")
    html = client.get("/enquiries").get_data(as_text=True)
    nav = _nav(html)
    assert re.findall(r'class="app-nav-title" id="nav-group-\w+">([^<]+)<', nav) == ["Work", "Records", "Oversight",
                                                                                      "Admin"]
    labels = [label.strip() for label in re.findall(r'<a class="nav-link[^"]*"[^>]*>\s*([^<]+)', nav)]
    assert len(labels) == len(set(labels)) == 18 and labels[0] == "Home" and labels[-1] == "Scheduled jobs"
    assert re.findall(r'aria-current="page"\s+href="([^"]+)"', nav) == ["/enquiries"]
    for key in ("work", "records", "oversight", "admin"):
        assert f'<ul class="nav flex-column" aria-labelledby="nav-group-{key}">' in nav


def test_reception_sees_only_the_groups_it_has_entries_in(client, login_as):
    login_as("reception")
    nav = _nav(client.get("/").get_data(as_text=True))
    assert re.findall(r'class="app-nav-title" id="nav-group-\w+">([^<]+)<', nav) == ["Work", "Records"]


def test_the_menu_button_skip_link_search_favicon_and_sign_out_are_in_every_signed_in_page(client, login_as):
    login_as("specialist")
    html = client.get("/follow-ups").get_data(as_text=True)
    assert re.search(r'<button class="btn app-menu-button d-xl-none" type="button" data-bs-toggle="offcanvas" '
                     r'data-bs-target="#app-sidebar"\s+aria-controls="app-sidebar" aria-expanded="false"', html)
    assert 'id="app-sidebar"' in html and 'aria-labelledby="app-sidebar-title"' in html
    assert html.index('class="visually-hidden-focusable skip-link" href="#main"') < html.index("app-menu-button")
    assert html.count('id="nav-search"') == 1 and html.count(">Sign out</button>") == 1
    assert '<link rel="icon" href="/favicon.ico">' in html
    assert '<script src="/static/js/shell.js"></script>' in html


def test_the_home_page_does_not_repeat_the_navigation(client, login_as):
    login_as("reception")
    main = _main(client.get("/").get_data(as_text=True))
    for href in ("/pipeline/board", "/calendar", "/enquiries/new", "/patients/duplicates"):
        assert f'href="{href}"' not in main


# --- required markers ---------------------------------------------------------------------

class _Form(TrackerForm):
    class Meta:
        csrf = False

    name = StringField("Name", validators=[DataRequired()])
    code = StringField("Code", validators=[InputRequired()])
    note = StringField("Note", validators=[Optional()])
    agree = BooleanField("I agree", validators=[DataRequired()])


def test_every_required_field_has_a_marker_and_required_and_an_optional_one_neither(app):
    with app.test_request_context():
        html = render_template_string('{% from "_macros/forms.html" import field %}<form>{% for f in form %}'
                                      '{{ field(f) }}{% endfor %}</form>', form=_Form())
    for name, label in (("name", "Name"), ("code", "Code"), ("agree", "I agree")):
        assert re.search(rf'<label class="form(?:-check)?-label" for="{name}">{label}</label> '
                         r'<span class="required-marker" aria-hidden="true">\*</span>', html), name
        assert re.search(rf'<input aria-required="true"[^>]*id="{name}"[^>]*required', html), name
    assert re.search(r'for="note">Note</label>\s*<input', html)
    assert 'id="note" name="note" type="text"' in html and html.count("required-marker") == 3


def test_the_sign_in_form_marks_its_required_fields_and_the_form_has_the_legend(client, make_user):
    make_user("admin")  # past first-run setup
    html = client.get("/login").get_data(as_text=True)
    assert html.count('<span class="required-marker" aria-hidden="true">*</span>') == 2
    css = (ROOT / "tracker" / "static" / "css" / "shell.css").read_text()
    assert re.search(r'form[^{]*:has\(\.required-marker\)::before \{\s*content: "\* required"', css)


# --- stage colours ------------------------------------------------------------------------



def _stage_rules() -> dict[str, dict[str, str]]:
    rules = {}
    for stage, body in re.findall(r"^\.stage-(\w+) \{([^}]*)\}", APP_CSS, re.M):
        if stage == "badge":  # the shared rule: text colour and border
            continue
        assert stage not in rules, f"two rules for {stage}"
        rules[stage] = dict(re.findall(r"([\w-]+):\s*(#[0-9a-f]{6})", body))
    return rules


def test_each_stage_has_one_colour_of_its_own_with_readable_text_and_new_is_not_red():
    rules = _stage_rules()
    base_text = re.search(r"^\.stage-badge \{[^}]*?\bcolor: (#[0-9a-f]{6})", APP_CSS, re.M).group(1)
    assert set(rules) == {stage.value for stage in Stage}
    fills = [rules[s.value]["background-color"] for s in Stage]
    assert len(set(fills)) == len(fills)
    for stage in Stage:
        fill, text = rules[stage.value]["background-color"], rules[stage.value].get("color", base_text)
        assert contrast(fill, text) >= 4.5, stage
    red, green, blue = (int(fills[0][i:i + 2], 16) for i in (1, 3, 5))
    assert not (red > green + 40 and red > blue + 40), "new must not look like an error"


def test_the_scale_darkens_from_new_to_completed_and_lost_is_a_neutral_grey():
    rules = _stage_rules()
    pipeline = [s for s in Stage if s is not Stage.LOST]
    lightness = [contrast(rules[s.value]["background-color"], "#000000") for s in pipeline]  # grows with luminance
    assert lightness == sorted(lightness, reverse=True)
    lost = rules["lost"]["background-color"]
    assert len({lost[1:3], lost[3:5], lost[5:7]}) <= 3 and max(
        abs(int(lost[i:i + 2], 16) - int(lost[j:j + 2], 16)) for i, j in ((1, 3), (3, 5), (1, 5))) <= 16


def test_every_stage_badge_on_the_list_uses_the_macros_class(client, login_as, make_enquiry):
    login_as("reception")
    make_enquiry()
    html = client.get("/enquiries").get_data(as_text=True)
    assert '<span class="badge stage-badge stage-new">New</span>' in html
    assert "text-bg-danger stage" not in html


# --- home page per role -------------------------------------------------------------------

@pytest.fixture
def today_consultation(app, make_user, make_enquiry):
    """A consultation later today with a specialist; returns (specialist, other specialist)."""
    mine, other = make_user("specialist", full_name="Dr Ada Quinn"), make_user("specialist", full_name="Dr Bo Lind")
    with app.app_context():
        starts = local_day_start(clinic_today()) + timedelta(hours=23, minutes=30)
        for who in (mine, other):
            db.session.add(Appointment(enquiry_id=make_enquiry(), kind=AppointmentKind.CONSULTATION,
                                       starts_at=starts, ends_at=starts + timedelta(minutes=15),
                                       practitioner_id=who.id))
        db.session.commit()
    return mine, other


def _testids(html: str) -> set[str]:
    return set(re.findall(r'data-testid="([\w-]+)"', _main(html)))


def test_reception_home_shows_follow_ups_desk_counts_and_the_clinics_diary(client, login_as, today_consultation):
    login_as("reception")
    html = client.get("/").get_data(as_text=True)
    ids = _testids(html)
    assert {"summary-overdue", "summary-today", "summary-uncontacted", "summary-mine", "summary-consultations",
            "home-diary", "home-follow-ups"} <= ids
    assert not ids & {"week", "setup"}
    assert "The clinic&#39;s diary today" in html and "Dr Ada Quinn" in html and "Dr Bo Lind" in html


def test_a_specialists_home_shows_their_own_diary_only(client, today_consultation):
    from tests.conftest import sign_in

    mine, _ = today_consultation
    sign_in(client, mine)
    html = client.get("/").get_data(as_text=True)
    diary = html.split('data-testid="home-diary"', 1)[1].split("</section>", 1)[0]
    assert "Your diary today" in diary and "23:30" in diary and "Dr Bo Lind" not in diary
    assert re.search(r'data-testid="summary-consultations">1<', html)
    assert "setup" not in _testids(html) and "week" not in _testids(html)


def test_a_managers_home_has_this_weeks_figures_and_the_report_link(client, login_as, make_enquiry):
    login_as("manager")
    make_enquiry(), make_enquiry()
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'data-testid="week-received">2<', html) and re.search(r'data-testid="week-new">2<', html)
    assert 'href="/reports/pipeline?preset=week"' in html
    assert "setup" not in _testids(html)


def test_an_administrators_home_adds_the_setup_checklist(client, login_as, make_user):
    login_as("admin")
    make_user("reception"), make_user("reception", active=False)
    html = client.get("/").get_data(as_text=True)
    assert "week" in _testids(html)
    assert re.search(r'data-testid="setup-public-form">Off<', html)
    assert re.search(r'data-testid="setup-users">2<', html)  # the administrator and the active receptionist
    assert re.search(r'data-testid="setup-hours">(Done|To do)<', html)


def test_the_home_page_runs_a_bounded_number_of_statements_whatever_the_rows(app, client, login_as, make_enquiry):
    from tests.conftest import count_queries

    login_as("admin")
    client.get("/")
    with count_queries(app) as few:
        client.get("/")
    for _ in range(12):
        make_enquiry()
    with count_queries(app) as many:
        client.get("/")
    assert len(few) == len(many) <= 14


def test_the_stylesheets_exist(client):
    for name in ("app.css", "shell.css", "shell-nojs.css"):
        assert client.get(f"/static/css/{name}").status_code == 200
    assert client.get("/static/js/shell.js").status_code == 200
    assert Path(ROOT / "tracker" / "static" / "css" / "shell.css").read_text().count("@media print") == 1

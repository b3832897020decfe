"""The pipeline report page as a manager sees it: its range and presets, custom dates and their messages, the
filters, links from every count to the list, captions, export links and charts, its query budget, and who may
open it. The figures themselves are test_pipeline_numbers.py's; here the page around them."""

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import count_queries
from tests.pages import field_error, input_value
from tests.reports.conftest import _Builder, _lists, _people
from tracker.clock import clinic_today
from tracker.db import utcnow
from tracker.enquiries.models import Channel, Concern
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups import services as followups
from tracker.followups.models import FollowUpKind
from tracker.plans.models import PlanStatus
from tracker.reports.filters import preset_range


def uk(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def shown_range(page: str) -> str:
    return re.search(r'data-testid="range">([^<]*)<', page).group(1)


def received(page: str) -> int:
    """The Received tile's number."""
    return int(re.search(r'Received</dt><dd[^>]*><a href="[^"]*" data-count="(\d+)"', page).group(1))


def page_of(client, query: str = "") -> str:
    response = client.get(f"/reports/pipeline{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- the range ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "preset", "start"), [
    (date(2026, 11, 24), "week", date(2026, 11, 23)),  # a Tuesday: back to Monday
    (date(2026, 11, 24), "30d", date(2026, 10, 26)),
    (date(2026, 11, 24), "90d", date(2026, 8, 27)),
    (date(2026, 11, 24), "quarter", date(2026, 10, 1)),
    (date(2026, 11, 24), "year", date(2026, 1, 1)),
    (date(2026, 1, 1), "week", date(2025, 12, 29)),  # a Thursday: the week began last year
    (date(2026, 1, 1), "30d", date(2025, 12, 3)),
    (date(2026, 1, 1), "90d", date(2025, 10, 4)),
    (date(2026, 1, 1), "quarter", date(2026, 1, 1)),
    (date(2026, 1, 1), "year", date(2026, 1, 1)),  # the year's first day: a range of one day
    (date(2026, 3, 31), "week", date(2026, 3, 30)),
    (date(2026, 3, 31), "30d", date(2026, 3, 2)),
    (date(2026, 3, 31), "90d", date(2026, 1, 1)),
    (date(2026, 3, 31), "quarter", date(2026, 1, 1)),  # the quarter's last day
    (date(2026, 4, 1), "quarter", date(2026, 4, 1)),
    (date(2026, 11, 23), "week", date(2026, 11, 23)),  # a Monday: the week is that day
    (date(2026, 11, 29), "week", date(2026, 11, 23)),  # a Sunday: the week began six days before
    (date(2028, 2, 29), "30d", date(2028, 1, 31)),  # a leap day
])
def test_each_preset_runs_from_its_first_day_to_today(today, preset, start):
    assert preset_range(preset, today) == (start, today)


def test_an_unknown_preset_is_the_last_90_days():
    assert preset_range("fortnight", date(2026, 11, 24)) == preset_range("90d", date(2026, 11, 24))


def test_the_page_shows_the_last_90_days_by_default_in_uk_format(app, client, manager):
    today = clinic_day(app)
    page = page_of(client)
    assert shown_range(page) == f"Enquiries received {uk(today - timedelta(days=89))} to {uk(today)}"
    assert re.search(r'<option selected value="90d">|<option value="90d" selected', page)


@pytest.mark.parametrize("preset", ["week", "30d", "quarter", "year"])
def test_a_chosen_preset_is_the_range_shown(app, client, manager, preset):
    start, end = preset_range(preset, clinic_day(app))
    assert shown_range(page_of(client, f"?preset={preset}")) == f"Enquiries received {uk(start)} to {uk(end)}"


def test_a_custom_range_is_shown_and_dates_without_custom_are_ignored(app, client, manager):
    page = page_of(client, "?preset=custom&start=2026-10-01&end=2026-10-31")
    assert shown_range(page) == "Enquiries received 01/10/2026 to 31/10/2026"
    year = page_of(client, "?preset=year&start=2026-10-01&end=2026-10-31")
    today = clinic_day(app)
    assert shown_range(year) == f"Enquiries received 01/01/{today.year} to {uk(today)}"


def clinic_day(app) -> date:
    with app.app_context():
        return clinic_today()


def _default_range(app) -> str:
    today = clinic_day(app)
    return f"Enquiries received {uk(today - timedelta(days=89))} to {uk(today)}"


def test_an_end_before_the_start_is_refused_beside_the_end_with_the_input_kept(app, client, manager, make_enquiry):
    make_enquiry(hours_ago=24 * 10)
    response = client.get("/reports/pipeline?preset=custom&start=2026-10-31&end=2026-10-01")
    assert response.status_code == 200
    assert field_error(response, "end") == "The last day is before the first."
    assert field_error(response, "start") is None
    assert (input_value(response, "start"), input_value(response, "end")) == ("2026-10-31", "2026-10-01")
    page = response.get_data(as_text=True)
    assert shown_range(page) == _default_range(app) and received(page) == 1  # the default range's figures


def test_custom_without_dates_asks_for_each(app, client, manager):
    response = client.get("/reports/pipeline?preset=custom")
    assert response.status_code == 200
    assert field_error(response, "start") == "Enter the first day, or choose a preset range."
    assert field_error(response, "end") == "Enter the last day, or choose a preset range."
    assert shown_range(response.get_data(as_text=True)) == _default_range(app)
    only_start = client.get("/reports/pipeline?preset=custom&start=2026-10-01")
    assert field_error(only_start, "start") is None
    assert field_error(only_start, "end") == "Enter the last day, or choose a preset range."
    assert input_value(only_start, "start") == "2026-10-01"


def test_a_range_of_more_than_three_years_is_refused(app, client, manager):
    response = client.get("/reports/pipeline?preset=custom&start=2020-01-01&end=2023-06-30")
    assert response.status_code == 200
    assert field_error(response, "end") == "Choose a range of at most three years."
    assert shown_range(response.get_data(as_text=True)) == _default_range(app)
    three = page_of(client, "?preset=custom&start=2023-01-01&end=2026-01-01")  # 1,096 days: allowed
    assert shown_range(three) == "Enquiries received 01/01/2023 to 01/01/2026"


# --- the filters -------------------------------------------------------------------------------------

def test_a_channel_filter_narrows_the_numbers(client, manager, make_enquiry):
    for channel, hours in ((Channel.PHONE, 5), (Channel.PHONE, 30), (Channel.PHONE, 24 * 20),
                           (Channel.EMAIL, 8), (Channel.EMAIL, 24 * 40)):
        make_enquiry(channel=channel, hours_ago=hours)
    make_enquiry(channel=Channel.PHONE, hours_ago=24 * 100)  # before the last 90 days
    assert received(page_of(client)) == 5
    assert received(page_of(client, "?channel=phone")) == 3
    assert received(page_of(client, "?channel=email")) == 2
    assert 'data-testid="no-enquiries"' in page_of(client, "?channel=walk_in")


OCTOBER = "?preset=custom&start=2026-10-01&end=2026-10-31"


def test_each_filter_narrows_the_received_number_on_the_page(client, clinic, manager):
    # October's cohort is A B C D E F G H I (see tests/reports/conftest.py).
    cases = {"": 9, "channel=phone": 4, f"source={clinic.options['Instagram']}": 3,
             f"assignee={clinic.users['alice']}": 4, "assignee=none": 1,
             f"specialist={clinic.users['sam']}": 3, f"specialist={clinic.users['tia']}": 3,
             f"treatment={clinic.treatments['T1']}": 4, f"treatment={clinic.treatments['T2']}": 3,
             f"concern={Concern.BOXCAR.value}": 1, f"channel=phone&treatment={clinic.treatments['T1']}": 3}
    shown = {query: received(page_of(client, f"{OCTOBER}&{query}")) for query in cases}
    assert shown == cases


# --- links, captions, exports, charts ------------------------------------------------------------------

class _Tables(HTMLParser):
    """Each table's caption text, export links, and its cells as (text, link or None)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, dict] = {}
        self.svgs: list[dict] = []
        self._table = self._cell = self._link = None
        self._in_caption = self._in_svg_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and (a.get("id") or "").startswith("table-"):
            self._table = self.tables.setdefault(a["id"][6:], {"caption": "", "exports": [], "cells": []})
        elif self._table is not None and tag == "caption":
            self._in_caption = True
        elif self._table is not None and tag in ("td", "th") and not self._in_caption:
            self._cell = {"text": "", "link": None}
        elif tag == "a" and self._table is not None:
            if self._in_caption:
                self._table["exports"].append(a["href"])
            elif self._cell is not None:
                self._cell["link"] = a["href"]
                self._cell["count"] = a.get("data-count")
        elif tag == "svg":
            self.svgs.append({"role": a.get("role"), "title": ""})
        elif tag == "title" and self.svgs and not self.svgs[-1]["title"]:  # the chart's own, not a bar's
            self._in_svg_title = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._table["cells"].append(self._cell)
            self._cell = None
        elif tag == "title":
            self._in_svg_title = False

    def handle_data(self, data):
        if self._in_svg_title:
            self.svgs[-1]["title"] += data
        elif self._in_caption:
            self._table["caption"] += data
        elif self._cell is not None:
            self._cell["text"] += data


def parse(page: str) -> _Tables:
    parser = _Tables()
    parser.feed(page)
    return parser


TABLES = {"funnel", "speed", "time-in-stage", "lost-reasons", "lost-stages", "channels", "sources", "specialists",
          "treatments", "trend", "overdue", "value"}


def test_every_count_in_the_tables_links_to_its_list_from_the_report(client, clinic, manager):
    tables = parse(page_of(client, OCTOBER)).tables
    assert set(tables) == TABLES
    counts = [(key, cell) for key, table in tables.items() for cell in table["cells"]
              if re.fullmatch(r"[\d,]+", cell["text"].strip())]
    assert len(counts) > 60  # the walk saw the tables' counts
    for key, cell in counts:
        assert cell["link"], f"{key}: {cell['text']} is not linked"
        url = urlsplit(cell["link"])
        args = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert url.path == "/enquiries" and args.get("report") == "pipeline", (key, cell)
        assert cell["count"] == cell["text"].strip().replace(",", ""), (key, cell)
    # ...and only counts link: shares, hours, days and money do not
    linked_other = [(key, cell["text"]) for key, table in tables.items() for cell in table["cells"]
                    if cell["link"] and not re.fullmatch(r"[\d,]+", cell["text"].strip())]
    assert linked_other == []


def test_every_table_has_a_caption_and_csv_and_xlsx_links_for_a_manager_carrying_the_filters(client, clinic,
                                                                                             manager):
    tables = parse(page_of(client, f"{OCTOBER}&channel=phone")).tables
    for key, table in tables.items():
        assert table["caption"].strip(), key
        exports = sorted(urlsplit(href).path for href in table["exports"])
        assert exports == [f"/reports/pipeline/{key}.csv", f"/reports/pipeline/{key}.xlsx"], key
        for href in table["exports"]:
            assert {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()} == {
                "preset": "custom", "start": "2026-10-01", "end": "2026-10-31", "channel": "phone"}


def test_the_charts_render_as_labelled_groups(client, clinic, manager):
    parsed = parse(page_of(client, OCTOBER))
    page = page_of(client, OCTOBER)
    charts = re.findall(r'<figure class="report-chart" id="(chart-[\w-]+)"', page)
    assert charts == ["chart-funnel", "chart-lost", "chart-channels", "chart-trend"]
    assert [svg["role"] for svg in parsed.svgs] == ["group"] * 4
    assert [svg["title"] for svg in parsed.svgs] == ["Funnel: enquiries reaching each stage", "Lost, by reason",
                                                     "Enquiries received by channel", "Trend by week"]


# --- the query budget -----------------------------------------------------------------------------------

def build(app, make_user, size: int) -> None:
    """`size` enquiries received over the last 80 days, taken along the pipeline to various depths, with
    attended consultations, proposed and decided plans, and follow-ups of several people."""
    clinic = _people(make_user)
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        _lists(clinic)
        b = _Builder(clinic)
        owners = ["alice", "bea", None]
        for i in range(size):
            at = now - timedelta(days=80) + timedelta(hours=31 * i % (24 * 78))
            e = b.enquiry(f"Q{i}", at, list(Channel)[i % len(Channel)],
                          source=["Instagram", "Search engine", None][i % 3],
                          treatments=(("T1",), ("T2",), ("T1", "T2"))[i % 3], concerns=(list(Concern)[i % 4],),
                          assignee=owners[i % 3])
            depth = i % 7
            step = timedelta(hours=6)
            if depth >= 1:
                b.contact(e, at + step)
            if depth >= 2:
                b.move(e, Stage.CONSULTATION_BOOKED, at + 2 * step)
            if depth >= 3:
                b.attended(e, ["sam", "tia"][i % 2], at + 3 * step)
                b.move(e, Stage.CONSULTED, at + 3 * step)
            if depth >= 4:
                b.move(e, Stage.PLAN_PROPOSED, at + 4 * step)
                b.plan(e, 1, PlanStatus.ACCEPTED if depth >= 5 else PlanStatus.PROPOSED, [("T1", 2, 20000)],
                       proposed=at + 4 * step, decided=(at + 5 * step).date() if depth >= 5 else None)
            if depth >= 5:
                b.move(e, Stage.TREATMENT_BOOKED, at + 5 * step)
            db.session.flush()
            followups.add(e, followups.Details(kind=FollowUpKind.CALL_BACK, due_on=(at + 2 * step).date(),
                                               assigned_to_id=clinic.users["bea"] if i % 2 else None),
                          by_id=clinic.users["desk"])
            if depth == 6:
                b.lose(e, "Price", at + 6 * step)
            db.session.commit()


# The page's statements, measured on SQLite and PostgreSQL, the same with 5 and with 60 enquiries:
#  1 the signed-in user; 2-4 the form's choices: sources, treatments, staff (tracker/enquiries/choices.py);
#  5 the specialists for the specialist filter; 6 the clinic's settings (the first-contact target);
#  7 the one report statement (the cohort's facts and every aggregate, one UNION ALL);
#  8 the clinic's settings again (read a second time in the same request); 9 the navigation badge (the user's
#  overdue follow-ups, one capped count). The first request of a process also checks whether any user exists.
BUDGET = 9


def _statements(app, client) -> list[str]:
    with count_queries(app) as statements:
        page_of(client)
    return statements


def test_the_page_issues_the_same_few_statements_with_5_or_60_enquiries(app, client, make_user, manager):
    build(app, make_user, 5)
    page_of(client)  # the process's first request also checks for a first run
    small = _statements(app, client)
    assert received(page_of(client)) == 5
    build(app, make_user, 55)
    large = _statements(app, client)
    assert received(page_of(client)) == 60
    assert len(small) == len(large) <= BUDGET, "\n---\n".join(large)


@pytest.mark.parametrize("role", ["reception", "specialist"])
def test_reception_and_specialists_may_not_open_the_report(client, login_as, role):
    login_as(role)
    assert client.get("/reports/pipeline").status_code == 403
    assert client.get("/reports/pipeline/funnel.csv").status_code == 403


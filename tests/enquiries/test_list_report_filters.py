"""The enquiry list's report filters (ReportFilterFields): each lists exactly the enquiries it names, says so in
words, can be dropped, counts exactly past the tab cap, and refuses bad values with a message, never a 500.

The data set is the pipeline report tests' hand-made clinic (tests/reports/conftest.py), whose every enquiry's
story is written out there; the expected sets below are read from that story.
"""

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.enquiries.bad_input import examples
from tests.properties import HOSTILE, parses
from tests.reports.conftest import Clinic, build_clinic
from tracker.enquiries import queries
from tracker.enquiries.forms import REPORT_FILTERS
from tracker.enquiries.stages import Stage

LIVE = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "L", "M1", "M2", "M3", "M4"}  # K is archived


@pytest.fixture
def clinic(app, make_user) -> Clinic:
    return build_clinic(app, make_user)


@pytest.fixture
def manager(client, login_as):
    return login_as("manager", full_name="Mia Manager")


def _section(page: str, pattern: str) -> str:
    found = re.search(pattern, page, re.S)
    return found.group(1) if found else ""


def listed(page: str, clinic: Clinic) -> set[str]:
    """The letters of the enquiries the list's table shows."""
    letters = {v: k for k, v in clinic.ids.items()}
    table = _section(page, r'data-testid="enquiry-list">(.*?)</table>')
    return {letters[int(n)] for n in re.findall(r'href="/enquiries/(\d+)"', table)}


def summary(page: str) -> str:
    """The "From the pipeline report" box, or "" when the page has none."""
    return _section(page, r'data-testid="report-filter">(.*?)</section>')


def summary_lines(page: str) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", summary(page))


def total(page: str) -> int | None:
    found = re.search(r'id="list-total" data-total="(\d+)"', page)
    return int(found.group(1)) if found else None


def get(client, **args) -> str:
    response = client.get(f"/enquiries?{urlencode(args)}")
    assert response.status_code == 200, (args, response.status_code)
    return response.get_data(as_text=True)


# (args, expected letters, the summary's lines); the args are completed with report=pipeline&stage=all.
CASES = {
    "reached contacted (skipping it counts)": (
        {"reached": "contacted"}, {"A", "B", "C", "D", "E", "G", "H", "J", "L", "M1", "M3", "M4"},
        ["Reached contacted (or a later stage)"]),
    "reached consulted (lost after counts)": ({"reached": "consulted"}, {"A", "B", "C", "D", "H"},
                                              ["Reached consulted (or a later stage)"]),
    "reached treatment booked": ({"reached": "treatment_booked"}, {"A", "H"},
                                 ["Reached treatment booked (or a later stage)"]),
    "entered, with days": ({"entered": "consultation_booked", "entered_from": "2026-10-05",
                            "entered_to": "2026-10-09"}, {"A", "B", "D"},
                           ["Moved into consultation booked from 05/10/2026 until 09/10/2026"]),
    "entered, any day": ({"entered": "consulted"}, {"A", "B", "C", "D", "H"}, ["Moved into consulted"]),
    "entered, from a day only": ({"entered": "consultation_booked", "entered_from": "2026-10-27"}, {"G", "H"},
                                 ["Moved into consultation booked from 27/10/2026"]),
    "decided": ({"decided": "y"}, {"A", "D", "H"}, ["A decision on the proposed plan was made"]),
    "lost, Price": ({"lost_reason": "Price"}, {"B", "L"}, ["Lost: Price"]),
    "lost, reopened since": ({"lost_reason": "No reply"}, set(), ["Lost: No reply"]),
    "lost, no reason": ({"lost_reason": "none"}, {"G"}, ["Lost: no reason given"]),
    "lost from consulted": ({"lost_from": "consulted"}, {"B"}, ["Lost from consulted"]),
    "lost from booked": ({"lost_from": "consultation_booked"}, {"G", "L"}, ["Lost from consultation booked"]),
    "contact within (2 h exactly is within)": ({"contact": "within"}, {"A", "C", "E", "G", "J", "L", "M1", "M4"},
                                               ["First contact within the target"]),
    "contact late": ({"contact": "late"}, {"B", "D", "H", "M3"}, ["First contact after the target"]),
    "contact none": ({"contact": "none"}, {"F", "I", "M2"}, ["Not yet contacted"]),
    "contacted": ({"contact": "contacted"}, LIVE - {"F", "I", "M2"}, ["Contacted"]),
    "specialist Sam": ({"specialist": "sam"}, {"A", "C", "D"}, ["Consultation attended with Sam Stone"]),
    "specialist Tia": ({"specialist": "tia"}, {"B", "D", "H"}, ["Consultation attended with Tia Tran"]),
    "overdue Alice": ({"overdue": "alice"}, {"C", "D"}, ["Overdue follow-up with Alice Adams"]),
    "overdue Bea (not F's, due in 2031)": ({"overdue": "bea"}, {"D", "M1"}, ["Overdue follow-up with Bea Brown"]),
    "overdue team": ({"overdue": "team"}, {"E"}, ["Overdue follow-up with the reception team"]),
    "plan proposed in October (superseded and draft not)": (
        {"plan": "proposed", "plan_from": "2026-10-01", "plan_to": "2026-10-31"}, {"A", "C", "D", "H"},
        ["Plan proposed from 01/10/2026 until 31/10/2026"]),
    "plan proposed in November": ({"plan": "proposed", "plan_from": "2026-11-01"}, set(),
                                  ["Plan proposed from 01/11/2026"]),
    "plan accepted": ({"plan": "accepted"}, {"A", "H"}, ["Plan accepted"]),
    "plan accepted in November": ({"plan": "accepted", "plan_from": "2026-11-01", "plan_to": "2026-11-30"}, {"H"},
                                  ["Plan accepted from 01/11/2026 until 30/11/2026"]),
    "plan declined": ({"plan": "declined"}, {"D"}, ["Plan declined"]),
    "two at once": ({"reached": "consulted", "contact": "late"}, {"B", "D", "H"},
                    ["Reached consulted (or a later stage)", "First contact after the target"]),
}


def resolve(args: dict[str, str], clinic: Clinic) -> dict[str, str]:
    """Names in the cases (people, lost reasons) as the ids the report would link with."""
    out = {}
    for name, value in args.items():
        if name in ("specialist", "overdue") and value in clinic.users:
            value = str(clinic.users[value])
        elif name == "lost_reason" and value in clinic.options:
            value = str(clinic.options[value])
        out[name] = value
    return out


def test_each_report_filter_lists_exactly_its_enquiries_and_says_so_in_words(client, clinic, manager):
    wrong = []
    for case, (args, letters, lines) in CASES.items():  # one clinic for every case: it takes a second to build
        page = get(client, report="pipeline", stage="all", **resolve(args, clinic))
        shown = (listed(page, clinic), total(page), summary_lines(page), "text-danger" in summary(page))
        if shown != (letters, len(letters), lines, False):
            wrong.append(f"{case}: listed {sorted(shown[0])}, total {shown[1]}, box {shown[2]}, error {shown[3]}")
    assert wrong == []


def test_report_filters_narrow_within_the_lists_own_filters_and_tabs(client, clinic, manager):
    # Reached consulted: A B C D H; of those by phone: A and C; on the open tab (not completed or lost): C only.
    assert listed(get(client, report="pipeline", stage="all", reached="consulted", channel="phone"), clinic) == {
        "A", "C"}
    page = get(client, report="pipeline", reached="consulted", channel="phone")
    assert listed(page, clinic) == {"C"} and total(page) == 1


def test_a_report_filter_alone_without_report_pipeline_still_filters_and_shows_the_box(client, clinic, manager):
    page = get(client, stage="all", lost_from="consultation_booked")
    assert listed(page, clinic) == {"G", "L"} and total(page) == 2
    assert summary_lines(page) == ["Lost from consultation booked"]


def test_the_link_without_the_reports_filter_drops_every_report_argument_and_keeps_the_others(client, clinic,
                                                                                               manager):
    args = {"report": "pipeline", "stage": "all", "channel": "phone", "received_from": "2026-10-01",
            "received_to": "2026-10-31", "reached": "consulted", "contact": "within", "plan": "accepted",
            "plan_from": "2026-10-01", "specialist": str(clinic.users["sam"])}
    box = summary(get(client, **args))
    href = re.search(r'<a href="([^"]+)">Show the list without the report.s filter</a>', box).group(1)
    kept = {k: v[0] for k, v in parse_qs(urlsplit(href.replace("&amp;", "&")).query).items()}
    assert kept == {"stage": "all", "channel": "phone", "received_from": "2026-10-01", "received_to": "2026-10-31"}
    plain = get(client, **kept)
    assert summary(plain) == "" and total(plain) is None  # an ordinary list again
    assert listed(plain, clinic) == {"A", "C", "E", "G", "H"} - {"H"}  # October's phone enquiries (H: referral)


def test_the_reports_filters_ride_along_as_hidden_fields_when_the_list_is_filtered_further(client, clinic, manager):
    page = get(client, report="pipeline", stage="all", reached="consulted", overdue="team")
    form = _section(page, r'<form method="get"[^>]*aria-label="Filters">(.*?)</form>')
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    assert hidden == {"stage": "all", "report": "pipeline", "reached": "consulted", "overdue": "team"}


def test_with_the_report_the_list_counts_exactly_past_the_tab_cap(client, clinic, manager, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", 3)  # the tabs stop counting at 3: "3+"
    plain = get(client, stage="all")
    assert 'data-testid="count-all">' in plain and re.search(r'data-testid="count-all">\d+\+<', plain)
    assert total(plain) is None
    page = get(client, report="pipeline", stage="all")
    assert total(page) == len(LIVE)  # 15, counted exactly
    assert re.search(r'id="list-total"[^>]*>15 enquiries<', page)
    contacted = get(client, report="pipeline", stage="all", contact="contacted")
    assert total(contacted) == 12 and listed(contacted, clinic) == LIVE - {"F", "I", "M2"}


def test_the_total_says_enquiry_for_one(client, clinic, manager):
    page = get(client, report="pipeline", stage="all", overdue="team")
    assert re.search(r'id="list-total"[^>]*>1 enquiry<', page)


# --- bad values ---------------------------------------------------------------------------------------

LABELS = {"report": "Counted by", "reached": "Reached stage", "entered": "Moved into stage",
          "entered_from": "Moved from", "entered_to": "Moved until", "decided": "Plan decided",
          "lost_reason": "Lost reason", "lost_from": "Lost from stage", "contact": "First contact",
          "specialist": "Consulted by", "overdue": "Overdue follow-up with", "plan": "Plan",
          "plan_from": "Plan from", "plan_to": "Plan until"}
STAGES = {s.value for s in Stage}
CHOICES = {"report": {"pipeline"}, "reached": STAGES, "entered": STAGES, "lost_from": STAGES, "decided": {"y"},
           "contact": {"within", "late", "none", "contacted"}, "plan": {"proposed", "accepted", "declined"}}
DATES = ("entered_from", "entered_to", "plan_from", "plan_to")
PATTERNS = {"lost_reason": r"none|\d{1,9}", "overdue": r"team|\d{1,9}"}


def accepted(name: str, value: str) -> bool:
    """Whether the form takes the value (as a filter, or as blank for the optional text, date and number fields)."""
    if value == "":
        return True
    if name in CHOICES:
        return value in CHOICES[name]
    if not value.strip():  # Optional(): blank, whatever else it holds
        return True
    if any((ord(c) < 32 and c not in "\t\n\r") or c == "\x7f" for c in value):
        return False
    if name in DATES:
        day = parses(value, "%Y-%m-%d")
        return day is not None and 2000 <= day.year <= 2100
    if name == "specialist":
        try:
            return 1 <= int(value) <= 2**31 - 1
        except ValueError:
            return False
    return re.fullmatch(PATTERNS[name], value.strip()) is not None  # the field strips what it is given


def _value(name: str):
    good = {"report": ["pipeline"], "specialist": ["1", "4", str(2**31 - 1)], "lost_reason": ["none", "1"],
            "overdue": ["team", "2"]}.get(name) or sorted(CHOICES.get(name, ())) or ["2026-10-01", "2000-01-01"]
    junk = [" 1 ", "team\n", "none\n",
            "0", "-1", str(2**31), "9" * 40, "0001-01-01", "9999-12-31", "2026-02-30", "31/12/2026", "LOST",
            "' OR 1=1 --", "<script>alert(1)</script>", "\u0661\u0662", "\u00b2", "all", "None"]
    return st.one_of(st.sampled_from(good), st.sampled_from(junk), HOSTILE)


PARAMS = st.fixed_dictionaries({}, optional={name: _value(name) for name in REPORT_FILTERS})


@examples(30)
@given(params=PARAMS, with_report=st.booleans())
@example(params={"reached": "junk", "plan_from": "9999-12-31", "specialist": "0"}, with_report=True)
@example(params={"entered_from": "0001-01-01", "lost_reason": "x", "overdue": "nobody"}, with_report=True)
def test_any_report_values_never_fail_and_each_refused_one_is_explained_in_the_box(client, clinic, manager,
                                                                                     params, with_report):
    args = {**params, **({"report": "pipeline"} if with_report else {}), "stage": "all"}
    response = client.get("/enquiries", query_string=args)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    box = summary(page)
    if not with_report and not box:
        return  # no report filter in force, so no box: see test_a_lone_refused_report_value_is_still_explained
    assert box and total(page) == len(listed(page, clinic))  # exact, and the clinic fits on one page
    for name, value in args.items():
        if name in LABELS and not accepted(name, value):
            assert f"{LABELS[name]}: " in box, f"{name}={value!r} refused without a message"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("reached", "everything", "Reached stage: Not a valid choice."),
    ("entered_from", "0001-01-01", "Moved from: Enter a date between 2000 and 2100."),
    ("plan_to", "2026-13-01", "Plan until: Not a valid date value."),
    ("lost_reason", "Price", "Lost reason: Choose a lost reason from the list."),
    ("overdue", "everyone", "Overdue follow-up with: Choose a person or the reception team."),
    ("specialist", "0", "Consulted by: Number must be between 1 and 2147483647."),
])
def test_a_refused_value_is_explained_in_the_box_and_the_rest_still_filters(client, clinic, manager, name, value,
                                                                             message):
    page = get(client, report="pipeline", stage="all", contact="none", **{name: value})
    assert message in summary(page)
    assert summary_lines(page) == ["Not yet contacted"]
    assert listed(page, clinic) == {"F", "I", "M2"}


def test_a_lone_refused_report_value_is_still_explained(client, clinic, manager):
    page = get(client, stage="all", reached="everything")
    assert "Reached stage: Not a valid choice." in page


@pytest.mark.parametrize("value", [" ", "team\n", "\x1c"])
def test_whitespace_or_a_line_break_in_overdue_is_not_a_500(client, clinic, manager, value):
    assert client.get("/enquiries", query_string={"report": "pipeline", "overdue": value}).status_code == 200


@pytest.mark.parametrize("value", [" ", "none\n"])
def test_whitespace_or_a_line_break_in_lost_reason_does_not_list_what_the_box_denies(client, clinic, manager,
                                                                                     value):
    page = get(client, report="pipeline", stage="all", lost_reason=value)
    if "Lost: no reason given" in summary_lines(page):
        assert listed(page, clinic) == {"G"}
    else:
        assert listed(page, clinic) == LIVE

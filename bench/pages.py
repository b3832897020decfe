"""The pages the harness measures: one table, one row per page. A later feature adds its row here.

A row whose URL matches no route in the application (or whose builder returns None, as when the data
holds no sample for it) is skipped and listed as such, so pages that do not exist yet cost nothing
until their route appears.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from bench.samples import Samples


@dataclass(frozen=True)
class Page:
    """A page as one role uses it; `url` builds its address from rows found in the database."""

    name: str
    role: str
    url: Callable[[Samples], str | None]
    timed: bool = True  # False: not timed request by request (the export is timed once, through gunicorn)


def national(phone: str) -> str:
    """The number as reception would type it: +447700900123 -> 07700900123."""
    return "0" + phone[3:] if phone.startswith("+44") else phone


PAGES: list[Page] = [
    Page("list",                  "reception",  lambda s: "/enquiries"),
    Page("list stage",            "reception",  lambda s: "/enquiries?stage=contacted"),
    Page("list all stages",       "reception",  lambda s: "/enquiries?stage=all"),
    Page("list channel",          "reception",  lambda s: "/enquiries?channel=web_form"),
    Page("list source",           "reception",  lambda s: f"/enquiries?source={s.source_id}"),
    Page("list assigned to me",   "reception",  lambda s: "/enquiries?assignee=me"),
    Page("list unassigned",       "reception",  lambda s: "/enquiries?assignee=none"),
    Page("list concern",          "reception",  lambda s: "/enquiries?concern=rolling"),
    Page("list treatment",        "reception",  lambda s: f"/enquiries?treatment={s.treatment_id}"),
    Page("list dates",            "reception",  lambda s: f"/enquiries?stage=all&received_from={s.window_from}"
                                                         f"&received_to={s.window_to}"),
    Page("list uncontacted",      "reception",  lambda s: "/enquiries?uncontacted=y"),
    Page("list no follow-up",     "reception",  lambda s: "/enquiries?no_followup=y"),
    Page("list by name page 3",   "reception",  lambda s: "/enquiries?stage=all&sort=name&page=3"),
    Page("list last page",        "reception",  lambda s: f"/enquiries?stage=all&page={s.last_page}"),
    Page("search phone",          "reception",  lambda s: f"/search?q={national(s.phone)}"),
    Page("search partial name",   "reception",  lambda s: f"/search?q={quote(s.surname[1:5])}"),
    Page("search name prefix",    "reception",  lambda s: f"/search?q={quote(s.surname[:3])}"),
    Page("search email",          "reception",  lambda s: f"/search?q={quote(s.email)}"),
    Page("enquiry",               "reception",  lambda s: f"/enquiries/{s.enquiry_id}"),
    Page("patient",               "reception",  lambda s: f"/patients/{s.patient_id}"),
    Page("home",                  "reception",  lambda s: "/"),
    Page("consultations",         "reception",  lambda s: "/consultations"),
    Page("my consultations",      "specialist", lambda s: "/consultations"),
    Page("my day",                "reception",  lambda s: "/follow-ups"),
    Page("my day manager",        "manager",    lambda s: "/follow-ups?person=all"),
    Page("calendar week",         "reception",  lambda s: "/calendar"),
    Page("calendar feed",         "specialist", lambda s: s.feed_token and f"/calendar/{s.feed_token}.ics"),
    Page("pipeline dashboard",    "manager",    lambda s: "/reports/pipeline"),
    Page("pipeline year",         "manager",    lambda s: "/reports/pipeline?preset=year"),
    Page("pipeline by channel",   "manager",    lambda s: "/reports/pipeline?channel=phone"),
    Page("pipeline drill-down",   "manager",    lambda s: "/enquiries?report=pipeline&stage=all&reached=consulted"
                                                         f"&received_from={s.window_from}&received_to={s.window_to}"),
    Page("pipeline table csv",    "manager",    lambda s: "/reports/pipeline/funnel.csv"),
    Page("pipeline board",        "manager",    lambda s: "/pipeline/board"),
    Page("pipeline board desk",   "reception",  lambda s: "/pipeline/board"),
    Page("csv export",            "manager",    lambda s: "/enquiries/export.csv?stage=all", timed=False),
    Page("treatment catalogue",   "admin",      lambda s: "/admin/treatments"),
    Page("assessment",            "specialist", lambda s: s.assessment_id and f"/assessments/{s.assessment_id}"),
    Page("plan",                  "reception",  lambda s: s.plan_id and f"/plans/{s.plan_id}"),
    Page("plan specialist",       "specialist", lambda s: s.plan_id and f"/plans/{s.plan_id}"),
]

EXPORT = "csv export"  # also timed once through gunicorn at the largest size, with the worker's memory
LOAD_ROUTES = {  # loaded under gunicorn: route -> (URL, signed in)
    "/enquiries": (lambda s: "/enquiries", True),
    "/search": (lambda s: f"/search?q={quote(s.surname[1:5])}", True),
    "/bench/floor": (lambda s: "/bench/floor", False),  # bench/wsgi.py: no database, no template
}
FLOOR = "/bench/floor"

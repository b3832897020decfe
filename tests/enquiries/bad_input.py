"""Shared constants, helpers and strategies for the enquiry bad-input tests (test_bad_input_*.py)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st

from tests.builders import enquiry_row
from tests.pages import injected_markup, same_site_path, shows_escaped
from tests.properties import DIGIT_LIKE, HOSTILE, PROPERTY, as_int, has_control, parses, storable_text
from tracker.enquiries.models import Channel, Concern
from tracker.enquiries.stages import Stage
from tracker.settings import services as clinic_settings
from tracker.settings.models import OptionKind

ZONE = ZoneInfo("Europe/London")  # the testing configuration's clinic zone (checked by tests/enquiries/conftest.py)
MAX_ID = 2**31 - 1
HOSTILE_NAME = '<script>alert("x")</script>'
HOSTILE_SURNAME = "O'Brien\"><img src=x onerror=alert(1)>"
CHANNELS = {c.value for c in Channel}
CONCERNS = {c.value for c in Concern}
STAGES = {s.value for s in Stage}
ID_TEXT = st.one_of(HOSTILE, DIGIT_LIKE, st.integers().map(str), st.integers(-3, 60).map(str),
                    st.sampled_from(["", "None", " 1 ", "1_0", "0", str(MAX_ID + 1), str(2**63), "9" * 5000]))


def examples(n: int) -> settings:
    """The bad-input tests' settings with n random examples (the explicit @examples run as well)."""
    return settings(PROPERTY, max_examples=n)


@dataclass
class Choices:
    """Ids the enquiry forms offer."""

    sources: list[int]
    lost_reasons: list[int]
    treatments: list[int]
    staff: list[int]


def desk_choices(app) -> Choices:
    from tracker.catalogue.services import active_treatments
    from tracker.enquiries.choices import active_staff

    with app.app_context():
        return Choices(sources=[o.id for o in clinic_settings.options(OptionKind.SOURCE)],
                       lost_reasons=[o.id for o in clinic_settings.options(OptionKind.LOST_REASON)],
                       treatments=[t.id for t in active_treatments()], staff=[u.id for u in active_staff()])


def as_id(raw: str) -> int | None:
    """What the forms' id selects make of the text: None when empty, -1 when unreadable."""
    if raw in ("", "None"):
        return None
    return -1 if as_int(raw) is None else as_int(raw)


def now_local() -> datetime:
    return datetime.now(ZONE).replace(tzinfo=None)


def exists_locally(moment: datetime) -> bool:
    """Whether a wall-clock time happens in the clinic's zone (not skipped when the clocks go forward)."""
    local = moment.replace(tzinfo=ZONE, fold=0)
    return local.astimezone(UTC).astimezone(ZONE).replace(tzinfo=None) == moment


def received_refused(text: str) -> bool:
    """The quick log and edit forms' rules for 'Received'."""
    moment = parses(text, "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
    return (not text or has_control(text) or moment is None or not 2000 <= moment.year <= 2100
            or moment > now_local() + timedelta(minutes=5) or not exists_locally(moment))


def enquiry_refusals(data: dict, choices: Choices) -> set[str]:
    """The enquiry fields the form must refuse, each with an error beside it."""
    bad = set()
    if data["channel"] not in CHANNELS:
        bad.add("channel")
    for name, allowed in (("source_id", choices.sources), ("assigned_to_id", choices.staff)):
        if has_control(data[name]) or as_id(data[name]) not in {None, *allowed}:
            bad.add(name)
    if any(c not in CONCERNS for c in data["concerns"]):
        bad.add("concerns")
    if any(has_control(t) or as_id(t) not in choices.treatments for t in data["treatment_ids"]):
        bad.add("treatment_ids")
    if has_control(data["caller_words"]) or len(data["caller_words"]) > 4000:
        bad.add("caller_words")
    if received_refused(data["received_at"]):
        bad.add("received_at")
    return bad


def assert_stored_enquiry(app, enquiry_id: int, data: dict, *, unassigned: int | None) -> None:
    """The enquiry holds exactly what was typed (stripped); `unassigned`: who the empty choice stands for."""
    row = enquiry_row(app, enquiry_id)
    moment = parses(data["received_at"], "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
    assert row["caller_words"] == (data["caller_words"].strip() or None)
    assert row["channel"].value == data["channel"]
    assert row["received_at"] == moment.replace(tzinfo=ZONE).astimezone(UTC)
    assert row["source_id"] == as_id(data["source_id"])
    assert row["assigned_to_id"] == (as_id(data["assigned_to_id"]) or unassigned)
    assert row["concerns"] == sorted(set(data["concerns"]))
    assert row["treatments"] == sorted({as_id(t) for t in data["treatment_ids"]})


def assert_page_escapes(client, url: str, *texts: str | None) -> None:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    assert not injected_markup(page), injected_markup(page)
    for text in texts:
        if text:
            assert shows_escaped(page, text), (url, text)


def assert_not_server_error(response, what) -> None:
    assert response.status_code < 500, f"{response.status_code} from {what}"


def _new_enquiry_id(response) -> int:
    location = same_site_path(response.headers["Location"])
    assert location.startswith("/enquiries/"), location
    return int(location.rsplit("/", 1)[1])


def _quick_log_example(choices: Choices) -> dict:
    """A valid quick log for a new caller, to vary one field of in @example."""
    return {
        "first_name": "Zoë", "last_name": "O'Brien", "phone": "07700 900456", "email": "", "date_of_birth": "",
        "phone_alt": "", "preferred_contact": "any", "preferred_times": "", "marketing_consent": None,
        "marketing_consent_method": "", "notes": "", "channel": "phone", "source_id": "", "concerns": [],
        "caller_words": "", "treatment_ids": [], "received_at": "2025-01-15T10:30", "assigned_to_id": "",
        "spoken_to": None, "confirm_new": None,
    }


# --- strategies -------------------------------------------------------------------------------

def past_local_times() -> st.SearchStrategy[str]:
    """A minute in the clinic's past that exists there, as a datetime-local input sends it."""
    latest = now_local() - timedelta(minutes=10)
    return (st.datetimes(min_value=datetime(2000, 1, 1), max_value=latest)
            .map(lambda m: m.replace(second=0, microsecond=0)).filter(exists_locally)
            .map(lambda m: m.strftime("%Y-%m-%dT%H:%M")))


def _skipped_local_time() -> str:
    """01:30 on last year's last Sunday of March: the clocks jump from 01:00 to 02:00."""
    year = now_local().year - 1
    day = date(year, 3, 31)
    day -= timedelta(days=(day.weekday() + 1) % 7)
    return f"{day.isoformat()}T01:30"


def bad_received() -> st.SearchStrategy[str]:
    future = (now_local() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    return st.one_of(HOSTILE, st.sampled_from([
        "2026-02-30T10:00", "0000-01-01T00:00", "9999-12-31T23:59", "1999-12-31T23:59", "2101-01-01T00:00", future,
        _skipped_local_time(), "", " ", "2026-01-01", "2026-01-01 10:00", "10:00", "2026-01-01T25:00",
    ]))


def phones() -> st.SearchStrategy[str]:
    """Numbers typed in the ways reception types them (Ofcom's drama ranges)."""
    return st.one_of(
        st.integers(0, 999).map(lambda n: f"07700 900{n:03d}"),
        st.integers(0, 999).map(lambda n: f"+44 7700 900{n:03d}"),
        st.integers(0, 999).map(lambda n: f"447700900{n:03d}"),
        st.integers(0, 999).map(lambda n: f"020 7946 0{n:03d}"),
    )


EMAILS = st.builds("{}@{}.org".format, st.text("abcdefghijklmnopqrstuvwxyz0123456789._", min_size=1, max_size=20)
                   .filter(lambda s: s[0] not in "." and s[-1] != "." and ".." not in s),
                   st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20))


def born_dates() -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), st.dates(date(1900, 1, 1), date.today()).map(date.isoformat))


BAD_BORN = st.one_of(HOSTILE, st.sampled_from([
    "2026-02-30", "0000-01-01", "1899-12-31", "2101-01-01", (date.today() + timedelta(days=1)).isoformat(),
    "31/12/1990", "1990-12-31T00:00", "\x1c",
]))
TEXT_FIELD = st.one_of(storable_text(0, 60), storable_text(0, 4000))


def enquiry_fields(choices: Choices) -> dict:
    ids = st.sampled_from([str(i) for i in choices.treatments])
    return {
        "channel": st.sampled_from(sorted(CHANNELS)),
        "source_id": st.sampled_from(["", *map(str, choices.sources)]),
        "concerns": st.lists(st.sampled_from(sorted(CONCERNS)), unique=True, max_size=3),
        "caller_words": TEXT_FIELD,
        "treatment_ids": st.lists(ids, unique=True, max_size=3),
        "received_at": past_local_times(),
        "assigned_to_id": st.sampled_from(["", *map(str, choices.staff)]),
    }


BAD_ENQUIRY = {
    "channel": st.one_of(HOSTILE, st.sampled_from(["", "PHONE", "fax"])), "source_id": ID_TEXT,
    "concerns": st.lists(st.one_of(HOSTILE, st.sampled_from(sorted(CONCERNS))), min_size=1, max_size=3),
    "caller_words": st.one_of(HOSTILE, st.just("w" * 4001)),
    "treatment_ids": st.lists(ID_TEXT, min_size=1, max_size=3),
    "received_at": bad_received(), "assigned_to_id": ID_TEXT,
}


@st.composite
def forms(draw, valid: dict, bad: dict, max_bad: int = 3) -> dict:
    """A form of valid values with up to max_bad of its fields replaced by bad (or hostile) ones."""
    data = {name: draw(strategy) for name, strategy in valid.items()}
    for name in draw(st.sets(st.sampled_from(sorted(bad)), max_size=max_bad)):
        data[name] = draw(bad[name])
    if data.get("marketing_consent") is None and "marketing_consent_method" in data and draw(st.booleans()):
        data["marketing_consent_method"] = ""
    return data


def post_data(data: dict) -> dict:
    """The form as a browser posts it: unticked boxes are not sent."""
    return {name: value for name, value in data.items() if value is not None}

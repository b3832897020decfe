"""A real clinic spreadsheet through every step: upload, columns, values, preview, import, and the same file again.

The file is made here the way clinics keep theirs: statuses such as "Called back" and "Lost - price", sources typed
freely with stray spaces and capitals, loose treatment names, ISO and UK dates mixed, a few broken rows.
"""

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from tests.builders import table_counts
from tests.imports.conftest import csv_bytes, upload
from tracker.audit.models import AuditAction, AuditEvent
from tracker.bookings.models import Appointment
from tracker.catalogue.models import Treatment
from tracker.clock import clinic_today, local_day_start
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry, EnquiryNote, enquiry_treatments
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpStatus
from tracker.imports.models import ImportValueMapping
from tracker.patients.models import Patient
from tracker.settings.models import Option, OptionKind

HEADER = ["Name", "Mobile", "Email", "Date of enquiry", "Lead source", "Treatment interest", "Status", "Reason",
          "Follow up date", "Notes"]
STATUSES = ["New", "new ", "Called back", "Consult booked", "Booked treatment", "Lost - price", "LOST", "Consulted"]
SOURCES = [" instagram", "Instagram ", "INSTAGRAM", "facebook", "Google", "Friend", "Radio ad", ""]
TREATMENTS = ["CO2 laser", "Not sure", "microneedling", "RF Microneedling", "Subcision; TCA cross", "peel", ""]
OLD_DATES = ["2024-03-05", "05/03/2024", "5/3/24", "5 Mar 2024", "2023-11-20 14:05", "20/11/2023 09:15"]
RECENT_EVERY = 5  # every fifth good row is recent (work), the others are history


def _messy_rows(today) -> tuple[list[dict], int]:
    """55 good rows and 5 broken ones; how many good rows are recent."""
    rows, recent = [], 0
    for n in range(55):
        if n % RECENT_EVERY == 0:
            day = today - timedelta(days=2 + n % 7)
            when = day.isoformat() if n % 2 else f"{day:%d/%m/%Y}"
            recent += 1
        else:
            when = OLD_DATES[n % len(OLD_DATES)]
        status = STATUSES[n % len(STATUSES)]
        rows.append({"Name": f"Amy Messy{n}", "Mobile": f"07700 9{n:05d}", "Email": f"amy{n}@example.com",
                     "Date of enquiry": when, "Lead source": SOURCES[n % len(SOURCES)],
                     "Treatment interest": TREATMENTS[n % len(TREATMENTS)], "Status": status,
                     "Reason": "Chose another clinic" if status == "LOST" else "", "Notes": f"Row {n}"})
    rows[3]["Follow up date"] = f"{today + timedelta(days=10):%d/%m/%Y}"  # an old row with a follow-up still ahead
    rows[10]["Follow up date"] = f"{today + timedelta(days=4):%Y-%m-%d}"  # a recent one
    broken = [
        {"Name": "", "Mobile": "07700 800001", "Date of enquiry": "2024-01-02", "Status": "New"},
        {"Name": "Bad Date", "Mobile": "07700 800002", "Date of enquiry": "31/02/2024", "Status": "New"},
        {"Name": "Bad Mail", "Email": "nope@", "Date of enquiry": "2024-01-02", "Status": "New"},
        {"Name": "Bad Phone", "Mobile": "12", "Date of enquiry": "02/01/2024", "Status": "Called back"},
        {"Name": "Future Date", "Mobile": "07700 800005", "Date of enquiry": f"{today + timedelta(days=3):%d/%m/%Y}"},
    ]
    return rows[:20] + broken[:2] + rows[20:40] + broken[2:] + rows[40:], recent


def _selects(page: str) -> dict[str, tuple[str, str]]:
    """name → (the value as the file has it, the option selected) of each select on the values page."""
    shown = dict(re.findall(r'<label for="([a-z_]+-\d+)">(.*?)</label>', page))
    found = {}
    for name, body in re.findall(r'<select[^>]*name="([a-z_]+-\d+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option selected value="([^"]*)"', body)
        found[name] = (shown[name].strip(), selected[1] if selected else "")
    return found


def _option(app, kind: OptionKind, label: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Option.id).where(Option.kind == kind, Option.label == label))


def _treatment(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Treatment.id).where(Treatment.code == code))


def _overdue(app, *, before=None) -> int:
    """Open follow-ups already overdue, optionally only on enquiries received before an instant."""
    with app.app_context():
        stmt = (select(func.count()).select_from(FollowUp).join(Enquiry, Enquiry.id == FollowUp.enquiry_id)
                .where(FollowUp.status == FollowUpStatus.OPEN, FollowUp.overdue_at < utcnow()))
        if before is not None:
            stmt = stmt.where(Enquiry.received_at < before)
        return db.session.scalar(stmt)


COLUMNS = "full_name=Name&phone=Mobile&email=Email&received_at=Date+of+enquiry&source=Lead+source" \
          "&treatments=Treatment+interest&stage=Status&lost_reason=Reason&follow_up_on=Follow+up+date" \
          "&caller_words=Notes"
RUN = {"full_name": "Name", "phone": "Mobile", "email": "Email", "received_at": "Date of enquiry",
       "source": "Lead source", "treatments": "Treatment interest", "stage": "Status", "lost_reason": "Reason",
       "follow_up_on": "Follow up date", "caller_words": "Notes"}


def _through_the_values_step(client, token: str, overrides: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Open the values page, keep its prefilled choices but for `overrides` (by value), post it; the selects."""
    page = client.get(f"/admin/import/{token}/values?{COLUMNS}")
    assert page.status_code == 200
    selects = _selects(page.get_data(as_text=True))
    data = {name: overrides.get(shown, chosen) for name, (shown, chosen) in selects.items()}
    response = client.post(f"/admin/import/{token}/values?{COLUMNS}", data={**data, "history_days": "30"})
    errors = re.findall(r'invalid-feedback[^>]*>([^<]*)', response.get_data(as_text=True))
    assert response.status_code == 302, errors
    assert "preview=1" in response.headers["Location"]
    return selects


def test_a_messy_spreadsheet_imports_through_the_value_mapping_step(app, client, login_as, make_enquiry):
    login_as("manager")
    with app.app_context():
        today = clinic_today()
        history_before = local_day_start(today - timedelta(days=30))
    rows, recent = _messy_rows(today)
    content = csv_bytes(rows, HEADER)
    make_enquiry(hours_ago=5)  # some overdue work the clinic already has
    overdue_before = _overdue(app)
    token = upload(client, content, "enquiry sheet.csv").headers["Location"].rsplit("/", 1)[-1]

    columns = client.get(f"/admin/import/{token}").get_data(as_text=True)
    assert re.search(r'name="follow_up_on"[^>]*>.*?<option selected value="Follow up date">', columns, re.S)

    selects = _through_the_values_step(client, token, {"Radio ad": "new", "Google": "option:"
                                                       + str(_option(app, OptionKind.SOURCE, "Search engine")),
                                                       "Friend": "option:" + str(_option(
                                                           app, OptionKind.SOURCE, "Friend or patient referral"))})
    suggested = {shown: chosen for shown, chosen in selects.values()}
    instagram = f"option:{_option(app, OptionKind.SOURCE, 'Instagram')}"
    assert suggested["instagram"] == instagram  # " instagram", "Instagram ", "INSTAGRAM": one value
    assert sum(shown.casefold() == "instagram" for shown, _ in selects.values()) == 1
    assert suggested["CO2 laser"] == f"treatment:{_treatment(app, 'laser_co2')}"
    assert suggested["Not sure"] == ""
    assert suggested["peel"] == f"treatment:{_treatment(app, 'chemical_peel')}"
    assert suggested["Called back"] == "stage:contacted"
    assert suggested["Consult booked"] == "history:consultation_booked"
    assert suggested["Booked treatment"] == "history:treatment_booked"
    assert suggested["Lost - price"] == f"lost:{_option(app, OptionKind.LOST_REASON, 'Price')}"
    assert suggested["LOST"] == "stage:lost"

    preview = client.get(f"/admin/import/{token}?preview=1&{COLUMNS}").get_data(as_text=True)
    totals = " ".join(re.sub(r"<[^>]+>", " ", preview[preview.index('data-testid="totals"'):preview.index("</dl>")])
                      .split())
    assert "Rows read 60" in totals and "Valid, to import 55" in totals and "Invalid 5" in totals
    assert f"{55 - recent} of the valid rows are older than 30 days" in totals

    response = client.post(f"/admin/import/{token}/run", data={**RUN, "confirm": "y", "skip_invalid": "y"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/jobs/")  # the job's progress
    result = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Imported 55 enquiries." in result

    # Every valid row in; every broken row in the rejected file with its reason.
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enquiry)) == 56  # with the one made above
        assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0  # no appointment invented
    rejected = list(csv.reader(io.StringIO(client.get(f"/admin/import/{token}/rejected.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    reasons = {row[0]: row[-1] for row in rejected[1:]}
    assert len(rejected) == 6 and set(reasons) == {"", "Bad Date", "Bad Mail", "Bad Phone", "Future Date"}
    assert "every row needs a name" in reasons[""] and "does not exist" in reasons["Bad Date"]
    assert "E-mail" in reasons["Bad Mail"] and "Phone" in reasons["Bad Phone"]
    assert "in the future" in reasons["Future Date"]

    # No overdue work for the old rows; the recent new ones are reception's work as always.
    assert _overdue(app, before=history_before) == 0
    with app.app_context():
        recent_new = db.session.scalar(select(func.count()).select_from(Enquiry).where(
            Enquiry.received_at >= history_before, Enquiry.stage == Stage.NEW))
        old_open = db.session.scalars(select(FollowUp).join(Enquiry, Enquiry.id == FollowUp.enquiry_id).where(
            Enquiry.received_at < history_before, FollowUp.status == FollowUpStatus.OPEN)).all()
    assert _overdue(app) - overdue_before <= recent_new
    assert [f.due_on for f in old_open] == [today + timedelta(days=10)]  # only the file's follow-up date ahead

    price, laser = _option(app, OptionKind.LOST_REASON, "Price"), _treatment(app, "laser_co2")
    with app.app_context():
        by_words = {e.caller_words: e for e in db.session.scalars(select(Enquiry))}
        # The follow-up date column became the next follow-up, with the reception team, not the rule's call back.
        ahead = db.session.scalars(select(FollowUp).where(FollowUp.enquiry_id == by_words["Row 10"].id,
                                                          FollowUp.status == FollowUpStatus.OPEN)).one()
        assert (ahead.due_on, ahead.assigned_to_id, ahead.rule) == (today + timedelta(days=4), None, None)
        # Later stages kept as history: contacted, with a note on the timeline.
        booked = by_words["Row 3"]  # "Consult booked"
        assert booked.stage is Stage.CONTACTED
        note = db.session.scalars(select(EnquiryNote).where(EnquiryNote.enquiry_id == booked.id)).one()
        assert note.body.startswith("Imported history: reached consultation booked")
        lost = by_words["Row 5"]  # "Lost - price"
        assert lost.stage is Stage.LOST and lost.lost_reason_id == price
        # Free-typed sources, one source; a new one added and audited; loose treatment names matched.
        assert {by_words[f"Row {n}"].source_id for n in (0, 1, 2)} == {int(instagram.split(":")[1])}
        radio = db.session.scalars(select(Option).where(Option.label == "Radio ad")).one()
        assert by_words["Row 6"].source_id == radio.id and radio.kind is OptionKind.SOURCE
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == "options", AuditEvent.entity_id == radio.id,
            AuditEvent.action == AuditAction.CREATE)) == 1
        treated = dict(db.session.execute(select(enquiry_treatments.c.enquiry_id,
                                                 enquiry_treatments.c.treatment_id)).all())
        assert treated[by_words["Row 0"].id] == laser
        assert by_words["Row 1"].id not in treated  # "Not sure": no treatment
        # Mixed date forms read as written: ISO, dd/mm/yyyy, d/m/yy and "5 Mar 2024" are one day.
        days = {str(by_words[f"Row {n}"].received_at.date()) for n in (1, 2, 3, 6)}
        assert days == {"2024-03-05"}
        enquiry_id = booked.id
    page = client.get(f"/enquiries/{enquiry_id}").get_data(as_text=True)
    assert "Imported history: reached consultation booked" in page

    # The same file again: the remembered mapping prefills every value, and nothing is added.
    before = table_counts(app)
    again = upload(client, content, "enquiry sheet.csv").headers["Location"].rsplit("/", 1)[-1]
    remembered_page = client.get(f"/admin/import/{again}/values?{COLUMNS}").get_data(as_text=True)
    prefilled = {shown: chosen for shown, chosen in _selects(remembered_page).values()}
    assert prefilled["Radio ad"] == f"option:{radio.id}" and prefilled["Google"] == "option:" + str(
        _option(app, OptionKind.SOURCE, "Search engine"))
    assert "Remembered from the last import" in remembered_page
    _through_the_values_step(client, again, {})
    preview = client.get(f"/admin/import/{again}?preview=1&{COLUMNS}").get_data(as_text=True)
    assert "There is nothing new to import." in preview
    response = client.post(f"/admin/import/{again}/run", data={**RUN, "confirm": "y", "skip_invalid": "y"})
    assert response.status_code == 302
    after = table_counts(app)
    changed = {name for name in after if after[name] != before[name]}
    assert changed <= {"import_runs", "audit_events", "import_uploads", "jobs"}  # the run's job, done
    assert after["enquiries"] == before["enquiries"] and after["patients"] == before["patients"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Patient)) == 56
        assert db.session.scalar(select(func.count()).select_from(ImportValueMapping)) == len(selects)

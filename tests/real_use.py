"""What a working day leaves in a database: the records real use writes, made through the app as people would.

`demo_accounts` gives the four demo accounts (from `flask seed-demo`) a known password; `leave_real_use` then
drives, mostly through the test client, every kind of record the pages must show: clinical records viewed,
exports, a report table export, a CSV import, a background export and a refused import (jobs), the scheduled
jobs' runs, a merge, a confirmed, a rejected and an open patient match, an
archived and a restored enquiry, a lost and a reopened one, refused access, a failed sign-in, a calendar feed
fetch, a public form and an API submission. Each step checks that it worked, so a page test on this data knows
what it is looking at. Needs demo enquiries (assessments and plans among them).
"""

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import func, select

from tests.conftest import TrackerClient, sign_in
from tests.imports.conftest import csv_bytes, person
from tests.intake.api_helpers import payload
from tests.intake.public_helpers import valid_form
from tracker.audit.models import AuditAction, AuditEvent
from tracker.auth import services as accounts
from tracker.auth.models import User
from tracker.calendar import feeds
from tracker.consultations.models import Assessment
from tracker.db import utcnow
from tracker.demo.services import DEMO_DOMAIN
from tracker.enquiries.models import Channel, Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.intake import keys
from tracker.intake import services as intake
from tracker.intake.public_form import form_settings
from tracker.jobs import schedule
from tracker.jobs.models import Job, JobStatus
from tracker.patients.models import Patient
from tracker.permissions import Role
from tracker.plans.models import TreatmentPlan
from tracker.settings import services as settings
from tracker.settings.models import OptionKind

ROLES = (Role.RECEPTION, Role.SPECIALIST, Role.MANAGER, Role.ADMIN)
IMPORT_MAPPING = {"full_name": "Name", "phone": "Phone number", "email": "E-mail", "date_of_birth": "DOB",
                  "received_at": "Enquiry date", "source": "How did you hear about us?", "concerns": "Concern",
                  "treatments": "Treatment", "caller_words": "Message", "stage": "Status", "lost_reason": "Reason",
                  "marketing_consent": "Marketing"}


@dataclass
class RealUse:
    """The ids of what the day touched, for tests that want to open those pages."""

    assessment_id: int = 0
    clinical_enquiry_id: int = 0  # the assessment's enquiry (one in treatment where there is one)
    plan_id: int = 0
    archived_enquiry_id: int = 0
    restored_enquiry_id: int = 0
    reopened_enquiry_id: int = 0
    kept_patient_id: int = 0
    open_match_enquiry_id: int = 0
    import_run_url: str = ""
    export_job_url: str = ""  # a background export's page, its file still kept
    audit_actions: dict[str, int] = field(default_factory=dict)


def demo_accounts(app, password: str) -> dict[Role, User]:
    """The demo account of each role, with `password` set; detached users by role."""
    users = {}
    with app.app_context():
        for role in ROLES:
            user = accounts.find_by_email(f"{role.value}@{DEMO_DOMAIN}")
            assert user is not None, "run `flask seed-demo` first"
            accounts.set_password(user, password)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            users[role] = user
    return users


def _client(app, user: User | None = None) -> TrackerClient:
    client = app.test_client()
    if user is not None:
        sign_in(client, user)
    return client


def _ok(response, what: str, *codes: int) -> None:
    allowed = codes or (200,)
    assert response.status_code in allowed, (
        f"real use: {what} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")


def _version(app, model, record_id: int) -> str:
    with app.app_context():
        return str(db.session.get(model, record_id).version)


def _first(app, stmt) -> int:
    with app.app_context():
        found = db.session.scalar(stmt.limit(1))
    assert found is not None, f"real use needs demo data: nothing for {stmt}"
    return found


def _open_enquiries(app, stage: Stage, count: int) -> list[int]:
    with app.app_context():
        ids = db.session.scalars(select(Enquiry.id).where(Enquiry.stage == stage, Enquiry.archived_at.is_(None),
                                                          Enquiry.match_patient_id.is_(None))
                                 .order_by(Enquiry.id.desc()).limit(count)).all()
    assert len(ids) == count, f"real use needs {count} live {stage} enquiries"
    return list(ids)


def _clinical_views(app, users, done: RealUse) -> None:
    """A specialist and a manager open an assessment and a plan (view events); a receptionist is refused."""
    with app.app_context():  # an enquiry in treatment, if there is one: its page shows the most
        busy = db.session.scalar(select(Assessment.id).join(Enquiry, Enquiry.id == Assessment.enquiry_id)
                                 .where(Enquiry.stage.in_((Stage.IN_TREATMENT, Stage.TREATMENT_BOOKED)),
                                        Enquiry.archived_at.is_(None)).order_by(Assessment.id).limit(1))
    done.assessment_id = busy or _first(app, select(Assessment.id).order_by(Assessment.id))
    done.clinical_enquiry_id = _first(app, select(Assessment.enquiry_id).where(Assessment.id == done.assessment_id))
    done.plan_id = _first(app, select(TreatmentPlan.id).order_by(TreatmentPlan.enquiry_id != done.clinical_enquiry_id,
                                                                 TreatmentPlan.id))
    for role in (Role.SPECIALIST, Role.MANAGER):
        client = _client(app, users[role])
        _ok(client.get(f"/assessments/{done.assessment_id}"), f"{role} viewing an assessment")
        _ok(client.get(f"/plans/{done.plan_id}"), f"{role} viewing a plan")
    reception = _client(app, users[Role.RECEPTION])
    for url in (f"/assessments/{done.assessment_id}", "/audit", "/admin/users"):
        _ok(reception.get(url), f"a receptionist opening {url}", 403)


def _exports(app, users) -> None:
    """A manager exports the enquiry list as CSV and XLSX and a report table; each download read to the end."""
    manager = _client(app, users[Role.MANAGER])
    for url in ("/enquiries/export.csv?stage=all", "/enquiries/export.xlsx", "/reports/pipeline/funnel.csv",
                "/reports/pipeline/speed.xlsx"):
        response = manager.get(url)
        _ok(response, f"the export {url}")
        assert response.data, f"real use: the export {url} was empty"


def _background_work(app, users, done: RealUse) -> None:
    """A large export written by a job and downloaded; an import that fails on its invalid rows; each scheduled job
    (but the e-mails) run once by the worker's tick, and once more an hour later."""
    manager = _client(app, users[Role.MANAGER])
    small, app.config["EXPORT_BACKGROUND_ROWS"] = app.config["EXPORT_BACKGROUND_ROWS"], 10
    try:
        response = manager.get("/enquiries/export.xlsx?stage=all")
    finally:
        app.config["EXPORT_BACKGROUND_ROWS"] = small
    _ok(response, "a large export", 302)
    done.export_job_url = response.headers["Location"]
    _ok(manager.get(f"{done.export_job_url}/file"), "the large export's file")
    rows = [person(n, **{"Phone number": f"07700 92{n:04d}"}) for n in range(1, 3)] + [person(3, DOB="tomorrow")]
    response = manager.post("/admin/import", data={"file": (io.BytesIO(csv_bytes(rows)), "refused.csv")},
                            content_type="multipart/form-data")
    token = response.headers["Location"].rsplit("/", 1)[-1]
    response = manager.post(f"/admin/import/{token}/run", data={**IMPORT_MAPPING, "confirm": "y"})
    _ok(response, "an import refused for its invalid row", 302)
    with app.app_context():
        job = db.session.get(Job, int(response.headers["Location"].rsplit("/", 1)[-1]))
        assert job.status is JobStatus.FAILED, f"real use: the refused import's job is {job.status}"
        now = utcnow()
        for name in schedule.SCHEDULE:
            if name != "followups.digest":
                schedule.tick(now, only=name)
                schedule.tick(now + timedelta(hours=1), only=name)


def _import(app, users, done: RealUse) -> None:
    """A manager imports a small CSV, skipping its one invalid row."""
    manager = _client(app, users[Role.MANAGER])
    rows = [person(n, **{"Phone number": f"07700 91{n:04d}"}) for n in range(1, 4)] + [person(4, DOB="tomorrow")]
    response = manager.post("/admin/import", data={"file": (io.BytesIO(csv_bytes(rows)), "enquiries.csv")},
                            content_type="multipart/form-data")
    _ok(response, "uploading a CSV", 302)
    token = response.headers["Location"].rsplit("/", 1)[-1]
    # The value step, as a manager leaves it: each list value on its suggestion, or the first of the clinic's values.
    columns = urlencode(IMPORT_MAPPING)
    page = manager.get(f"/admin/import/{token}/values?{columns}").get_data(as_text=True)
    choices = {}
    for name, body in re.findall(r'<select[^>]*name="([a-z_]+-\d+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option selected value="([^"]+)"', body) or re.search(r'<option value="([^"]+)"', body)
        choices[name] = chosen[1] if chosen else ""
    response = manager.post(f"/admin/import/{token}/values?{columns}", data={**choices, "history_days": "30"})
    _ok(response, "mapping the CSV's values", 302)
    response = manager.post(f"/admin/import/{token}/run", data={**IMPORT_MAPPING, "skip_invalid": "y",
                                                                 "confirm": "y"})
    _ok(response, "importing the CSV", 302)
    response = manager.get(response.headers["Location"])  # the job's page: done, so on to the run's result
    _ok(response, "the import's job", 302)
    done.import_run_url = response.headers["Location"]
    assert "/admin/import/runs/" in done.import_run_url, f"real use: the import went to {done.import_run_url}"


def _merge_and_matches(app, users, done: RealUse) -> None:
    """Reception merges two records of one person, and decides two of three possible matches, leaving one open."""
    reception = _client(app, users[Role.RECEPTION])
    with app.app_context():
        keep, other = db.session.scalars(select(Patient.id).where(Patient.archived_at.is_(None))
                                         .order_by(Patient.id.desc()).limit(2)).all()
        known = db.session.scalars(select(Patient).where(Patient.archived_at.is_(None), Patient.phone.is_not(None))
                                   .order_by(Patient.id).limit(3)).all()
        arrived = [intake.submit(intake.IntakeDetails(first_name=p.first_name, last_name=f"{p.last_name}-Web",
                                                      phone=p.phone), channel=Channel.WEB_FORM, received_at=utcnow())
                   for p in known]
        db.session.commit()
        flagged = [e.id for e in arrived]
    response = reception.post(f"/patients/{keep}/merge/{other}", data={
        "keep": str(keep), "first_version": _version(app, Patient, keep),
        "second_version": _version(app, Patient, other)})
    _ok(response, "merging two patients", 302)
    done.kept_patient_id = keep
    for enquiry_id, decision in zip(flagged, ("confirm", "reject"), strict=False):
        response = reception.post(f"/enquiries/{enquiry_id}/match/{decision}",
                                  data={"version": _version(app, Enquiry, enquiry_id)})
        _ok(response, f"the match decision {decision}", 302)
    done.open_match_enquiry_id = flagged[-1]


def _archive_and_lose(app, users, done: RealUse) -> None:
    """Reception archives two enquiries and a manager restores one; one is lost and then reopened."""
    reception, manager = _client(app, users[Role.RECEPTION]), _client(app, users[Role.MANAGER])
    archived, restored, reopened = _open_enquiries(app, Stage.NEW, 3)
    for enquiry_id in (archived, restored):
        _ok(reception.post(f"/enquiries/{enquiry_id}/archive", data={"version": _version(app, Enquiry, enquiry_id)}),
            "archiving an enquiry", 302)
    _ok(manager.post(f"/enquiries/{restored}/restore", data={"version": _version(app, Enquiry, restored)}),
        "restoring an enquiry", 302)
    with app.app_context():
        reason = settings.options(OptionKind.LOST_REASON)[0].id
    _ok(reception.post(f"/enquiries/{reopened}/stage", data={
        "to_stage": "lost", "lost_reason_id": reason, "note": "No answer after three calls",
        "version": _version(app, Enquiry, reopened)}), "marking an enquiry lost", 302)
    _ok(reception.post(f"/enquiries/{reopened}/stage", data={
        "to_stage": "new", "version": _version(app, Enquiry, reopened)}), "reopening a lost enquiry", 302)
    with app.app_context():
        states = {i: (e.stage, e.archived_at is not None) for i in (archived, restored, reopened)
                  if (e := db.session.get(Enquiry, i))}
    assert states == {archived: (Stage.NEW, True), restored: (Stage.NEW, False), reopened: (Stage.NEW, False)}, states
    done.archived_enquiry_id, done.restored_enquiry_id, done.reopened_enquiry_id = archived, restored, reopened


def _outside_traffic(app, users) -> None:
    """A failed sign-in, a calendar program fetching a feed, a visitor's public form and a website's API call."""
    anonymous = _client(app)
    response = anonymous.post("/login", data={"email": f"reception@{DEMO_DOMAIN}", "password": "not-the-password"})
    _ok(response, "a failed sign-in", 200)
    with app.app_context():
        token = feeds.create_feed(db.session.get(User, users[Role.SPECIALIST].id))
        form = form_settings()
        form.enabled, form.clinic_phone = True, "+442079460123"
        _, secret = keys.create_key("Clinic website", by_id=users[Role.ADMIN].id)
        db.session.commit()
    _ok(anonymous.get(f"/calendar/{token}.ics"), "a calendar feed fetch")
    _ok(anonymous.post("/enquire", data=valid_form(app, first_name="Web", last_name="Visitor",
                                                   phone="07700 900777")), "a public form submission", 302, 303)
    response = anonymous.post("/api/v1/enquiries", json=payload(first_name="Api", last_name="Caller",
                                                                phone="07700 900778", email="api@example.org"),
                              headers={"Authorization": f"Bearer {secret}"}, csrf=False)
    _ok(response, "an API submission", 201)


def leave_real_use(app, users: dict[Role, User]) -> RealUse:
    """Drive a working day's every kind of record into a demo database; what was touched, and the audit counts."""
    done = RealUse()
    _clinical_views(app, users, done)
    _exports(app, users)
    _import(app, users, done)
    _background_work(app, users, done)
    _merge_and_matches(app, users, done)
    _archive_and_lose(app, users, done)
    _outside_traffic(app, users)
    with app.app_context():
        done.audit_actions = {str(action): count for action, count in db.session.execute(
            select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).tuples()}
    for action in (AuditAction.VIEW, AuditAction.EXPORT, AuditAction.MERGE, AuditAction.ARCHIVE,
                   AuditAction.RESTORE, AuditAction.LOGIN_FAILED, AuditAction.BULK_LOAD):
        assert done.audit_actions.get(str(action)), f"real use left no {action} audit event: {done.audit_actions}"
    return done

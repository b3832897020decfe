"""The reminder e-mail: each active user's overdue and due follow-ups and booked appointments for a clinic day."""

import logging
import smtplib
import ssl
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app, render_template
from sqlalchemy import case, delete, func, select
from sqlalchemy.exc import IntegrityError

from tracker import links
from tracker.auth.models import User
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.clock import format_date, format_since, format_time, local_day_end, local_day_start
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.followups.models import DigestSent, FollowUp, FollowUpStatus
from tracker.patients.models import Patient
from tracker.patients.names import short_name
from tracker.permissions import Role
from tracker.settings.services import clinic_name

logger = logging.getLogger("tracker.mail")

LISTED = 50  # follow-ups listed per user; the rest are counted and left to My day
SEND_ERRORS = (smtplib.SMTPException, OSError)
MY_DAY_PATH = "/follow-ups"


@dataclass
class Line:
    """One row of a digest: enough to find the enquiry, no clinical detail (first name and initial only)."""

    when: str  # "09:30" or "all day"
    kind: str
    patient: str
    late: str  # "overdue 3 h", or "" when not yet due
    url: str


@dataclass
class Digest:
    """One user's reminder e-mail for one clinic day; the counts cover every item, the lists the first LISTED."""

    user_id: int
    name: str
    email: str
    day: date
    overdue: list[Line] = field(default_factory=list)
    due: list[Line] = field(default_factory=list)
    bookings: list[Line] = field(default_factory=list)
    overdue_count: int = 0
    due_count: int = 0
    team_count: int = 0  # reception: the team's unassigned follow-ups overdue or due

    @property
    def more(self) -> int:
        return self.overdue_count + self.due_count - len(self.overdue) - len(self.due)

    @property
    def items(self) -> int:
        return self.overdue_count + self.due_count + len(self.bookings) + self.team_count

    @property
    def subject(self) -> str:
        consultations = sum(line.kind == AppointmentKind.CONSULTATION.label for line in self.bookings)
        parts = [f"{self.overdue_count} overdue" if self.overdue_count else "",
                 f"{self.due_count} due today" if self.due_count else "",
                 _count(consultations, "consultation"), _count(len(self.bookings) - consultations, "treatment session")]
        parts = [part for part in parts if part] or [f"{self.team_count} for the reception team"]
        return "Your day: " + ", ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}" if n else ""


def _due(day: date, now: datetime) -> tuple:
    """Open follow-ups on live enquiries, overdue now or due on the day."""
    # The first bound is implied by the second; it lets the (status, overdue_at) index narrow the scan.
    return (FollowUp.status == FollowUpStatus.OPEN, FollowUp.overdue_at <= max(now, local_day_end(day)),
            (FollowUp.overdue_at <= now) | (FollowUp.due_on == day), Enquiry.archived_at.is_(None))


def _initial():
    # Only the surname's first letter leaves the database.
    return func.substr(Patient.last_name, 1, 1)


def _url_builder():
    bound = links.adapter()  # one binding for every link in the run
    return lambda enquiry_id: bound.build("enquiries.detail", {"enquiry_id": enquiry_id}, force_external=True)


def build(day: date, now: datetime) -> list[Digest]:
    """Every active user's digest for a clinic day, for those with something in it (four statements in all)."""
    users = db.session.execute(select(User.id, User.full_name, User.email, User.role).where(User.active)
                               .order_by(User.id)).all()
    digests = {u.id: Digest(u.id, u.full_name, u.email, day) for u in users}
    counts = db.session.execute(
        select(FollowUp.assigned_to_id, func.count(), func.sum(case((FollowUp.overdue_at <= now, 1), else_=0)))
        .join(Enquiry, Enquiry.id == FollowUp.enquiry_id).where(*_due(day, now)).group_by(FollowUp.assigned_to_id))
    team = 0
    for user_id, total, overdue in counts:
        if user_id is None:
            team = total
        elif user_id in digests:
            digests[user_id].overdue_count, digests[user_id].due_count = overdue, total - overdue
    for user in users:
        if user.role is Role.RECEPTION:
            digests[user.id].team_count = team
    url = _url_builder()
    # .get: someone activated since the users were read is left to tomorrow's run.
    for row in _listed_follow_ups(day, now):
        if target := digests.get(row.assigned_to_id):
            late = _lateness(row, day, now)
            (target.overdue if late else target.due).append(
                Line(row.due_time.strftime("%H:%M") if row.due_time else "all day", row.kind.label,
                     short_name(row.first_name, row.initial), late, url(row.enquiry_id)))
    for row in _bookings(day):
        if target := digests.get(row.practitioner_id):
            target.bookings.append(Line(format_time(row.starts_at), row.kind.label,
                                        short_name(row.first_name, row.initial), "", url(row.enquiry_id)))
    return [digest for digest in digests.values() if digest.items]


def _lateness(row, day: date, now: datetime) -> str:
    """How overdue a follow-up is ("overdue 3 h"), with its date when it was due before the day; "" if not yet."""
    if row.overdue_at > now:
        return ""
    since = f"overdue {format_since(row.overdue_at, now)}"
    return since if row.due_on == day else f"{since} (due {format_date(row.due_on)})"


def _listed_follow_ups(day: date, now: datetime):
    """The first LISTED due follow-ups of each active user, oldest first, in one statement."""
    ranked = (select(FollowUp.id, func.row_number().over(partition_by=FollowUp.assigned_to_id,
                                                         order_by=(FollowUp.overdue_at, FollowUp.id)).label("n"))
              .join(Enquiry, Enquiry.id == FollowUp.enquiry_id).join(User, User.id == FollowUp.assigned_to_id)
              .where(User.active, *_due(day, now)).subquery())
    return db.session.execute(
        select(FollowUp.assigned_to_id, FollowUp.enquiry_id, FollowUp.kind, FollowUp.due_on, FollowUp.due_time,
               FollowUp.overdue_at, Patient.first_name, _initial().label("initial"))
        .join(ranked, ranked.c.id == FollowUp.id).join(Enquiry, Enquiry.id == FollowUp.enquiry_id)
        .join(Patient, Patient.id == Enquiry.patient_id)
        .where(ranked.c.n <= LISTED).order_by(FollowUp.assigned_to_id, ranked.c.n))


def _bookings(day: date):
    """Booked consultations and treatment sessions on the day, by active practitioner, in time order."""
    return db.session.execute(
        select(Appointment.practitioner_id, Appointment.enquiry_id, Appointment.kind, Appointment.starts_at,
               Patient.first_name, _initial().label("initial"))
        .join(Enquiry, Enquiry.id == Appointment.enquiry_id).join(Patient, Patient.id == Enquiry.patient_id)
        .join(User, User.id == Appointment.practitioner_id)
        .where(User.active, Appointment.status == AppointmentStatus.BOOKED, Enquiry.archived_at.is_(None),
               Appointment.starts_at >= local_day_start(day), Appointment.starts_at < local_day_end(day))
        .order_by(Appointment.practitioner_id, Appointment.starts_at, Appointment.id))


def sent_on(day: date) -> set[int]:
    """The users whose digest for the day has gone."""
    return set(db.session.scalars(select(DigestSent.user_id).where(DigestSent.day == day)))


def claim(digest: Digest) -> None:
    """Record the user's digest for its day as sent, before it is sent (flushed; the caller commits).

    The (user, day) key is unique, so of two runs at once only one claims each digest: the other gets
    IntegrityError and skips it. A crash between the claim and the send loses that day's digest rather
    than sending it twice.
    """
    db.session.add(DigestSent(user_id=digest.user_id, day=digest.day, items=digest.items))
    db.session.flush()


def release(digest: Digest) -> None:
    """Withdraw the claim on a digest that could not be sent, so the next run tries again (the caller commits)."""
    db.session.execute(delete(DigestSent).where(DigestSent.user_id == digest.user_id, DigestSent.day == digest.day))


def deliver(mailer: "Mailer", digest: Digest) -> str:
    """Claim one digest, then send it: "sent", "already" (a run alongside this one had it) or "failed"."""
    msg = message(digest)  # before the claim: a message that cannot be made leaves no claim behind
    try:
        claim(digest)
        db.session.commit()  # before the send: a run alongside now skips it (a crash mid-send loses, never doubles)
    except IntegrityError:
        db.session.rollback()
        return "already"
    try:
        mailer.send(msg)
    except SEND_ERRORS as error:
        logger.error("Reminder e-mail to user %s not sent: %s", digest.user_id, failure_reason(error),
                     extra={"fields": {"user_id": digest.user_id}})
        release(digest)
        db.session.commit()  # the next run tries it again
        return "failed"
    return "sent"


def send_all(day: date, now: datetime) -> Counter:
    """Send each active user's digest for the clinic day that has not gone yet, each claimed (and committed) before
    it is sent: counts of "sent", "already" (sent before or by a run alongside) and "failed"."""
    already = sent_on(day)
    outcomes = Counter(sent=0, already=len(already), failed=0)
    with Mailer(current_app.config) as mailer:
        for one in build(day, now):
            if one.user_id not in already:
                outcomes[deliver(mailer, one)] += 1
    return outcomes


def summary(outcomes: Counter) -> str:
    """"Sent 4, already sent 1, failed 0"."""
    return f"Sent {outcomes['sent']}, already sent {outcomes['already']}, failed {outcomes['failed']}"


def message(digest: Digest) -> EmailMessage:
    """The digest as an e-mail: plain text with an HTML alternative."""
    config = current_app.config
    sender = config.get("MAIL_FROM") or config["MAIL_DEFAULT_SENDER"]
    context = {"digest": digest, "clinic_name": clinic_name(),
               "my_day": config["BASE_URL"].rstrip("/") + MY_DAY_PATH}
    msg = EmailMessage()
    msg["Subject"] = digest.subject
    msg["From"] = sender
    msg["To"] = Address(digest.name, addr_spec=digest.email)
    msg["Date"] = formatdate()
    # An explicit domain: make_msgid would otherwise look up this host's name, which can stall.
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies should not answer it
    msg.set_content(render_template("followups/digest.txt", **context))
    msg.add_alternative(render_template("followups/digest.html", **context), subtype="html")
    return msg


def preview(msg: EmailMessage) -> str:
    """Recipient, subject and text body, as --dry-run and the console mailer print them."""
    return f"To: {msg['To']}\nSubject: {msg['Subject']}\n\n{msg.get_body(('plain',)).get_content()}"


def failure_reason(error: Exception) -> str:
    """The error's class and SMTP codes, without the addresses its text may carry."""
    codes = [str(error.smtp_code)] if isinstance(error, smtplib.SMTPResponseException) else []
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [str(code) for code, _text in error.recipients.values()]
    return " ".join([type(error).__name__, *codes])


class Mailer:
    """Sends over one SMTP connection, opened on first use and again after a failure; with no MAIL_SERVER
    (development) it logs each message to the console instead."""

    def __init__(self, config) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def send(self, msg: EmailMessage) -> None:
        """Send one message; SMTPException or OSError if the server or the recipient refuses."""
        if not self.config.get("MAIL_SERVER"):
            logger.info("E-mail not sent (MAIL_SERVER is unset):\n%s", preview(msg))
            return
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.send_message(msg)
        except SEND_ERRORS:
            self.close()  # the connection may be half-way through a transaction: the next send starts afresh
            raise

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
        try:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())  # verifies the server's certificate
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        """Say goodbye to the server, if connected."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except SEND_ERRORS:
            smtp.close()


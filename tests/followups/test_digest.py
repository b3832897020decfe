"""flask send-reminders against a real SMTP server (aiosmtpd) started in the test: who gets what, once."""

import email
import email.policy
import functools
import logging
import re
import smtplib
import socket
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import func, select

from tests import builders
from tests.conftest import count_queries
from tracker.auth.models import User
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.catalogue.models import Treatment
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.followups import digest
from tracker.followups.commands import send_reminders_command
from tracker.followups.models import DigestSent, FollowUp, FollowUpKind, FollowUpStatus

ZONE = ZoneInfo("Europe/London")  # the testing configuration's clinic zone
TODAY = datetime.now(ZONE).date()
DAY = TODAY + timedelta(days=30)  # the digest's day: rule-made reminders for it fall due before it, not on it
BASE_URL = "https://tracker.clinic.example/app"
SENDER = "Clinic reminders <reminders@clinic.example>"
# Clinical or identifying text planted on every record; none of it may reach an e-mail.
SECRETS = ("Quillfeather", "Marchbanks", "+447700900123", "7700 900123", "keloidhistory", "isotretinoinnote",
           "fraxelsettings", "callerwordsecret", "followupnotesecret")


class Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses the recipients in `refuse`."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes, bool]] = []
        self.refuse: set[str] = set()
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                              bool(session.authenticated)))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        """Accept any login, noting the credentials."""
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    def messages(self) -> dict[str, email.message.EmailMessage]:
        """Each recipient's message, parsed; fails if anyone got two."""
        by_recipient = {}
        for _sender, recipients, content, _authenticated in self.received:
            for recipient in recipients:
                assert recipient not in by_recipient, f"{recipient} got two messages"
                by_recipient[recipient] = email.message_from_bytes(content, policy=email.policy.default)
        return by_recipient


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(app) -> Inbox:
    """A live SMTP server on 127.0.0.1 that the app is configured to send through."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), auth_require_tls=False,
                            authenticator=handler.authenticate)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_FROM=SENDER, BASE_URL=BASE_URL)
    yield handler
    controller.stop()


def run(app, *args: str):
    """Invoke `flask send-reminders` with arguments (the day defaults to DAY)."""
    if "--day" not in args:
        args = (*args, "--day", DAY.isoformat())
    return app.test_cli_runner().invoke(send_reminders_command, args=list(args))


@pytest.fixture
def world(app, make_user):
    """Staff and records: a specialist and a receptionist with things due on DAY, a manager with nothing,
    a deactivated specialist with things due, and the desk (deactivated) who logged every enquiry."""
    desk = make_user("reception", full_name="Desk Logger")
    people = {"spec": make_user("specialist", full_name="Sam Specialist"),
              "recep": make_user("reception", full_name="Rita Reception"),
              "manager": make_user("manager", full_name="Mo Manager"),
              "gone": make_user("specialist", full_name="Gone Specialist")}
    ids = {key: user.id for key, user in people.items()}
    with app.app_context():
        treatment = db.session.scalars(select(Treatment).order_by(Treatment.id)).first()
        treatment_id, treatment_name = treatment.id, treatment.name
    ada, bea = (builders.enquiry(app, builders.patient(app, first, surname, phone,
                                                       notes="keloidhistory isotretinoinnote"),
                                 by_id=desk.id, hours_ago=24 * 10, spoken_to=True, caller_words="callerwordsecret",
                                 treatment_ids=(treatment_id,))
                for first, surname, phone in (("Ada", "Quillfeather", "+447700900123"),
                                              ("Bea", "Marchbanks", "+447700900124")))
    follow_up = functools.partial(builders.add_follow_up, app, note="followupnotesecret", straight=True)
    spec = ids["spec"]

    def booking(enquiry_id: int, user: str, day: date, at: str, kind: AppointmentKind,
                status: AppointmentStatus = AppointmentStatus.BOOKED) -> None:
        builders.appointment(app, enquiry_id, ids[user], builders.local(day, at), status=status, kind=kind,
                             session_notes="fraxelsettings")

    follow_up(ada, TODAY - timedelta(days=3), assigned_to_id=spec)  # overdue
    follow_up(bea, DAY, time(10, 0), assigned_to_id=spec, kind=FollowUpKind.DECISION_CHASE)  # due on the day
    follow_up(ada, DAY, assigned_to_id=spec, status=FollowUpStatus.DONE)  # closed: not listed
    follow_up(ada, DAY + timedelta(days=1), assigned_to_id=spec)  # later: not listed
    booking(ada, "spec", DAY, "09:30", AppointmentKind.CONSULTATION)
    booking(bea, "spec", DAY, "14:00", AppointmentKind.TREATMENT_SESSION)
    booking(bea, "spec", DAY, "16:00", AppointmentKind.CONSULTATION, AppointmentStatus.CANCELLED)
    booking(ada, "spec", DAY + timedelta(days=1), "09:30", AppointmentKind.CONSULTATION)
    follow_up(bea, DAY, assigned_to_id=ids["recep"], kind=FollowUpKind.CONSULTATION_REMINDER)
    follow_up(ada, DAY)  # the team's
    follow_up(bea, DAY + timedelta(days=2))  # the team's, later: not counted
    follow_up(ada, TODAY - timedelta(days=1), assigned_to_id=ids["gone"])
    booking(bea, "gone", DAY, "11:00", AppointmentKind.CONSULTATION)
    with app.app_context():
        for user_id in (desk.id, ids["gone"]):
            db.session.get(User, user_id).active = False
        db.session.commit()
    return {**people, "ada": ada, "bea": bea, "treatment": treatment_name}


def expected_lines(app, day: date) -> dict[str, list[tuple[str, str]]]:
    """From the database, each active user's (kind, link) lines for the day, by e-mail: their open follow-ups
    overdue or due on the day, then their booked appointments that day."""
    now = utcnow()
    start = datetime.combine(day, time.min, tzinfo=ZONE).astimezone(UTC)
    lines: dict[str, list[tuple[str, str]]] = {}
    with app.app_context():
        for user in db.session.scalars(select(User).where(User.active).order_by(User.id)):
            follow_ups = db.session.scalars(
                select(FollowUp).join(Enquiry, Enquiry.id == FollowUp.enquiry_id)
                .where(FollowUp.assigned_to_id == user.id, FollowUp.status == FollowUpStatus.OPEN,
                       Enquiry.archived_at.is_(None), (FollowUp.overdue_at <= now) | (FollowUp.due_on == day))
                .order_by(FollowUp.overdue_at, FollowUp.id))
            bookings = db.session.scalars(
                select(Appointment).where(Appointment.practitioner_id == user.id,
                                          Appointment.status == AppointmentStatus.BOOKED,
                                          Appointment.starts_at >= start,
                                          Appointment.starts_at < start + timedelta(days=1))
                .order_by(Appointment.starts_at))
            found = [(f.kind.label, f"{BASE_URL}/enquiries/{f.enquiry_id}") for f in follow_ups]
            found += [(a.kind.label, f"{BASE_URL}/enquiries/{a.enquiry_id}") for a in bookings]
            if found:
                lines[user.email] = found
    return lines


def plain(message) -> str:
    """A message's plain-text part, with the line ends SMTP gave it made Python's."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def text_lines(message) -> list[tuple[str, str]]:
    """The (kind, link) of each item line in a message's plain-text part."""
    body = plain(message)
    return [(kind, url) for kind, url in re.findall(r"^- [^|]+\| ([^|]+?) \|[^\n]*\n  (\S+)$", body, re.M)]


def html_links(message) -> list[str]:
    """The enquiry links in a message's HTML part."""
    return re.findall(r'href="([^"]+/enquiries/\d+)"', message.get_body(("html",)).get_content())


def digests_sent(app) -> set[tuple[int, date]]:
    with app.app_context():
        return {(row.user_id, row.day) for row in db.session.scalars(select(DigestSent))}


def test_each_user_with_items_gets_one_message_with_exactly_their_items(app, inbox, world):
    expected = expected_lines(app, DAY)
    spec, recep = world["spec"], world["recep"]
    ada, bea = f"{BASE_URL}/enquiries/{world['ada']}", f"{BASE_URL}/enquiries/{world['bea']}"
    assert expected[spec.email] == [("Call back", ada), ("Decision chase", bea), ("Consultation", ada),
                                    ("Treatment session", bea)]  # the planted rows are what the database says

    result = run(app)

    assert result.exit_code == 0, result.output
    messages = inbox.messages()
    assert f"sent {len(messages)}, already sent 0, failed 0" in result.output
    assert set(messages) == set(expected) | {recep.email}  # reception hears of the team's follow-ups too
    for address, message in messages.items():
        assert text_lines(message) == expected.get(address, [])
        assert html_links(message) == [url for _kind, url in expected.get(address, [])]
        assert message["From"] == SENDER and message["To"].addresses[0].addr_spec == address
    assert [r for _s, r, _c, _a in inbox.received if spec.email in r] == [[spec.email]]
    mail = messages[spec.email]
    assert mail["Subject"] == "Your day: 1 overdue, 1 due today, 1 consultation, 1 treatment session"
    assert mail["To"].addresses[0].display_name == "Sam Specialist"
    text = plain(mail)
    due = f"{TODAY - timedelta(days=3):%d/%m/%Y}"
    assert re.search(rf"^- all day \| Call back \| Ada Q\. \| overdue \d+ days \(due {due}\)$", text, re.M)
    assert "- 10:00 | Decision chase | Bea M.\n" in text
    assert "- 09:30 | Consultation | Ada Q.\n" in text and "- 14:00 | Treatment session | Bea M.\n" in text
    html = mail.get_body(("html",)).get_content()
    assert f'<a href="{ada}">Ada Q.</a>' in html and "<h2>Booked with you (2)</h2>" in html
    with app.app_context():
        team = db.session.scalar(select(func.count()).select_from(FollowUp).where(
            FollowUp.assigned_to_id.is_(None), FollowUp.status == FollowUpStatus.OPEN,
            (FollowUp.overdue_at <= utcnow()) | (FollowUp.due_on == DAY)))
    team_line = f"- {team} unassigned follow-up{'s' if team != 1 else ''} overdue or due today: {BASE_URL}/follow-ups"
    assert team_line in plain(messages[recep.email])
    assert team_line not in text  # only reception hear of the team's


def test_a_user_with_nothing_due_and_a_deactivated_user_get_nothing(app, inbox, world):
    result = run(app)

    assert result.exit_code == 0, result.output
    assert world["manager"].email not in inbox.messages()
    assert world["gone"].email not in inbox.messages()  # they had an overdue follow-up and a consultation
    assert {user_id for user_id, _day in digests_sent(app)} == {world["spec"].id, world["recep"].id}


def test_running_twice_sends_once(app, inbox, world):
    first = run(app)
    received = len(inbox.received)

    second = run(app)

    assert first.exit_code == 0 and "sent 2, already sent 0, failed 0" in first.output
    assert second.exit_code == 0 and "sent 0, already sent 2, failed 0" in second.output
    assert len(inbox.received) == received == 2
    assert digests_sent(app) == {(world["spec"].id, DAY), (world["recep"].id, DAY)}


def test_a_digest_another_run_claimed_after_this_one_built_its_list_is_not_sent_again(app, inbox, world,
                                                                                      monkeypatch):
    spec, recep = world["spec"], world["recep"]
    build = digest.build

    def build_while_another_run_claims_one(day, now):
        built = build(day, now)
        # A second cron run, started at the same moment, built the same list and got to spec's digest first.
        db.session.add(DigestSent(user_id=spec.id, day=day, items=1))
        db.session.commit()
        return built

    monkeypatch.setattr(digest, "build", build_while_another_run_claims_one)

    result = run(app)

    assert result.exit_code == 0, result.output
    assert "sent 1, already sent 1, failed 0" in result.output
    assert list(inbox.messages()) == [recep.email]  # spec has theirs from the other run: no second message
    assert digests_sent(app) == {(spec.id, DAY), (recep.id, DAY)}


def test_each_digest_is_claimed_before_it_is_sent_and_a_failed_send_leaves_no_claim(app, inbox, world, monkeypatch):
    spec, recep = world["spec"], world["recep"]
    send = digest.Mailer.send
    claimed_while_sending = {}

    def send_after_looking(mailer, msg):
        user = spec if msg["To"].addresses[0].addr_spec == spec.email else recep
        with db.engine.connect() as other:  # another connection sees only what has been committed
            claimed_while_sending[user.id] = other.scalar(select(func.count()).select_from(DigestSent).where(
                DigestSent.user_id == user.id, DigestSent.day == DAY))
        if user is spec:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        send(mailer, msg)

    monkeypatch.setattr(digest.Mailer, "send", send_after_looking)

    result = run(app)

    assert result.exit_code == 1 and "sent 1, already sent 0, failed 1" in result.output
    assert claimed_while_sending == {spec.id: 1, recep.id: 1}  # a run alongside would have skipped both
    assert digests_sent(app) == {(recep.id, DAY)}  # spec's claim went with the failure: the next run retries


def test_another_day_is_a_new_digest(app, inbox, world):
    run(app)

    result = run(app, "--day", (DAY + timedelta(days=1)).isoformat())

    assert result.exit_code == 0 and "sent 1, already sent 0, failed 0" in result.output  # spec's booking then
    assert world["spec"].email in inbox.received[-1][1]


def test_a_refused_recipient_is_logged_the_rest_go_and_a_rerun_retries_only_them(app, inbox, world, caplog):
    spec, recep = world["spec"], world["recep"]
    inbox.refuse = {spec.email}

    with caplog.at_level(logging.ERROR, logger="tracker.mail"):
        failed = run(app)

    assert failed.exit_code == 1
    assert "sent 1, already sent 0, failed 1" in failed.output
    assert list(inbox.messages()) == [recep.email]
    errors = [r for r in caplog.records if r.name == "tracker.mail" and r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].fields == {"user_id": spec.id}
    assert f"user {spec.id}" in errors[0].getMessage() and "550" in errors[0].getMessage()
    assert spec.email not in errors[0].getMessage()
    assert digests_sent(app) == {(recep.id, DAY)}

    inbox.refuse = set()
    retried = run(app)

    assert retried.exit_code == 0 and "sent 1, already sent 1, failed 0" in retried.output
    assert [recipients for _s, recipients, _c, _a in inbox.received] == [[recep.email], [spec.email]]
    assert digests_sent(app) == {(recep.id, DAY), (spec.id, DAY)}


def test_an_unreachable_server_fails_everyone_and_records_nothing(app, inbox, world):
    app.config["MAIL_PORT"] = _free_port()  # nothing listens there

    result = run(app)

    assert result.exit_code == 1 and "sent 0, already sent 0, failed 2" in result.output
    assert digests_sent(app) == set()


def test_dry_run_prints_each_message_and_sends_and_records_nothing(app, inbox, world):
    result = run(app, "--dry-run")

    assert result.exit_code == 0, result.output
    assert inbox.received == [] and digests_sent(app) == set()
    assert "To: Sam Specialist <" + world["spec"].email + ">" in result.output
    assert "Subject: Your day: 1 overdue, 1 due today, 1 consultation, 1 treatment session" in result.output
    assert "- 09:30 | Consultation | Ada Q." in result.output
    assert "To: Rita Reception <" in result.output and world["manager"].email not in result.output
    assert "would send 2, already sent 0" in result.output


def test_no_clinical_or_identifying_text_reaches_any_message(app, inbox, world):
    run(app)

    assert len(inbox.received) == 2
    for _sender, _recipients, content, _authenticated in inbox.received:
        message = email.message_from_bytes(content, policy=email.policy.default)
        everything = "\n".join([content.decode(), *(str(v) for v in message.values()),
                                plain(message),
                                message.get_body(("html",)).get_content()])
        for secret in (*SECRETS, world["treatment"]):
            assert secret.lower() not in everything.lower(), secret


def test_login_is_attempted_only_when_a_username_is_set(app, inbox, world):
    run(app)
    assert inbox.logins == [] and {authenticated for *_rest, authenticated in inbox.received} == {False}

    app.config.update(MAIL_USERNAME="tracker", MAIL_PASSWORD="smtp-secret")
    run(app, "--day", (DAY + timedelta(days=1)).isoformat())

    assert inbox.logins == [("tracker", "smtp-secret")]
    assert inbox.received[-1][3] is True


def test_without_a_mail_server_messages_go_to_the_log(app, inbox, world, caplog):
    app.config["MAIL_SERVER"] = None

    with caplog.at_level(logging.INFO, logger="tracker.mail"):
        result = run(app)

    assert result.exit_code == 0 and "sent 2, already sent 0, failed 0" in result.output
    assert inbox.received == []
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "tracker.mail")
    assert f"To: Sam Specialist <{world['spec'].email}>" in logged and "- 09:30 | Consultation | Ada Q." in logged
    assert len(digests_sent(app)) == 2


def test_long_lists_stop_at_fifty_and_count_the_rest_in_a_fixed_number_of_queries(app, inbox, make_user,
                                                                                 make_enquiry):
    busy, calm = make_user("specialist"), make_user("specialist")
    enquiry_id = make_enquiry(hours_ago=24 * 10)
    for n in range(55):
        builders.add_follow_up(app, enquiry_id, TODAY - timedelta(days=1 + n % 5), kind=FollowUpKind.OTHER,
                               assigned_to_id=busy.id, straight=True)
    builders.add_follow_up(app, enquiry_id, DAY, kind=FollowUpKind.OTHER, assigned_to_id=calm.id, straight=True)

    with app.app_context(), count_queries(app) as statements:
        digests = {d.user_id: d for d in digest.build(DAY, utcnow())}

    assert len(statements) == 4  # users, counts, listed follow-ups, bookings: whatever the number of rows
    assert digests[busy.id].overdue_count == 55 and len(digests[busy.id].overdue) == 50
    assert digests[busy.id].subject == "Your day: 55 overdue" and digests[calm.id].subject == "Your day: 1 due today"
    run(app)
    text = plain(inbox.messages()[busy.email])
    assert text.count("\n- all day | Other |") == 50
    assert f"...and 5 more follow-ups: see My day, {BASE_URL}/follow-ups" in text


def test_a_day_that_is_not_a_date_is_refused(app, inbox):
    result = run(app, "--day", "2026-13-01")

    assert result.exit_code == 2 and "2026-13-01" in result.output
    assert inbox.received == []

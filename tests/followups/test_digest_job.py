"""The morning digest and the rules sweep as scheduled jobs: what a run sends and says, a failed delivery shown as a
failed run, and one digest per user when two workers reach the same morning at the same moment."""

import threading
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from tests import builders
from tests.conftest import make_test_app, queue_worker
from tests.followups.test_backfill import _enquiries_from_before_the_rules
from tests.followups.test_digest import Inbox, _free_port
from tracker.auth.models import User
from tracker.extensions import db
from tracker.followups import tasks
from tracker.followups.commands import send_reminders_command
from tracker.followups.models import DigestSent
from tracker.jobs import queue, schedule
from tracker.jobs.models import RunOutcome, ScheduledRun

ZONE = ZoneInfo("Europe/London")
TODAY = datetime.now(ZONE).date()
WEDNESDAY = TODAY + timedelta(days=7 + (2 - TODAY.weekday()) % 7)  # a digest day (Mon–Sat) a week or more away
MORNING = datetime.combine(WEDNESDAY, time(9, 15), tzinfo=ZONE).astimezone(UTC)  # after its 07:00
SENDER = "Clinic reminders <reminders@clinic.example>"


@contextmanager
def smtp_server(app) -> Iterator[Inbox]:
    """A live SMTP server on 127.0.0.1 that the app is configured to send through."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), auth_require_tls=False)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_FROM=SENDER,
                      BASE_URL="https://tracker.clinic.example")
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def staff(app, make_user) -> dict[str, User]:
    """Two specialists, each with an overdue follow-up of their own; the desk that logged them has since left
    (so the team's rule-made call-backs go to no one)."""
    desk = make_user("reception", full_name="Desk Logger")
    people = {"sam": make_user("specialist", full_name="Sam Specialist"),
              "kit": make_user("specialist", full_name="Kit Specialist")}
    for n, person in enumerate(people.values()):
        enquiry = builders.enquiry(app, by_id=desk.id, hours_ago=24 * 5, first_name=f"Pat{n}", spoken_to=True)
        builders.add_follow_up(app, enquiry, TODAY - timedelta(days=2), assigned_to_id=person.id, straight=True)
    with app.app_context():
        db.session.get(User, desk.id).active = False
        db.session.commit()
    return people


def scheduled_runs(app, job: str) -> list[tuple]:
    with app.app_context():
        return [(run.due_at, run.outcome, run.detail) for run in db.session.scalars(
            select(ScheduledRun).where(ScheduledRun.job == job).order_by(ScheduledRun.id))]


def digests_sent(app) -> set[tuple[int, date]]:
    with app.app_context():
        return {(row.user_id, row.day) for row in db.session.scalars(select(DigestSent))}


def test_the_morning_run_sends_each_digest_for_its_day_and_says_how_many(app, staff):
    with smtp_server(app) as inbox, app.app_context():
        assert schedule.tick(MORNING, only="followups.digest") == ["followups.digest"]
        assert schedule.tick(MORNING + timedelta(hours=1), only="followups.digest") == []  # once that morning

    seven = datetime.combine(WEDNESDAY, time(7), tzinfo=ZONE).astimezone(UTC)
    assert scheduled_runs(app, "followups.digest") == [(seven, RunOutcome.OK, "Sent 2, already sent 0, failed 0")]
    assert sorted(inbox.messages()) == sorted(person.email for person in staff.values())
    assert digests_sent(app) == {(person.id, WEDNESDAY) for person in staff.values()}


def test_the_day_is_the_clinic_day_of_the_due_time(app, staff):
    app.config.update(DIGEST_TIME="00:30", DIGEST_DAYS="1-7")
    just_after = datetime(2027, 6, 2, 0, 45, tzinfo=ZONE).astimezone(UTC)  # still 1 June in UTC
    with smtp_server(app), app.app_context():
        schedule.tick(just_after, only="followups.digest")

    assert {day for _user, day in digests_sent(app)} == {date(2027, 6, 2)}


def test_a_delivery_that_fails_once_is_sent_on_the_runs_next_try(app, staff, monkeypatch):
    sam, kit = staff["sam"], staff["kit"]
    pauses = []
    with smtp_server(app) as inbox:
        inbox.refuse = {sam.email}

        def mail_server_back(seconds: float) -> None:
            pauses.append(seconds)
            inbox.refuse = set()

        monkeypatch.setattr(tasks, "pause", mail_server_back)
        with app.app_context():
            schedule.tick(MORNING, only="followups.digest")
    assert pauses == [30.0]
    assert [(o, d) for _due, o, d in scheduled_runs(app, "followups.digest")] == [
        (RunOutcome.OK, "Sent 2, already sent 0, failed 0")]
    assert sorted(inbox.messages()) == sorted([sam.email, kit.email])


def test_a_failed_delivery_fails_the_run_with_its_counts_and_the_command_can_send_it_later(app, staff, monkeypatch):
    sam, kit = staff["sam"], staff["kit"]
    pauses = []
    monkeypatch.setattr(tasks, "pause", pauses.append)  # the mail server stays away through every retry
    with smtp_server(app) as inbox:
        inbox.refuse = {sam.email}
        with app.app_context():
            schedule.tick(MORNING, only="followups.digest")
        [(_due, outcome, detail)] = scheduled_runs(app, "followups.digest")
        assert outcome is RunOutcome.FAILED
        assert detail == "DigestsNotSent: Sent 1, already sent 0, failed 1"
        assert pauses == list(tasks.RETRY_DELAYS)
        assert sam.email not in detail and "Pat" not in detail
        assert digests_sent(app) == {(kit.id, WEDNESDAY)}  # sam's claim went with the failure

        inbox.refuse = set()
        retried = app.test_cli_runner().invoke(send_reminders_command, args=["--day", WEDNESDAY.isoformat()])

    assert retried.exit_code == 0 and "sent 1, already sent 1, failed 0" in retried.output
    assert sorted(inbox.messages()) == sorted([sam.email, kit.email])


def test_the_nightly_sweep_brings_every_live_enquiry_up_to_date(app, make_patient):
    _enquiries_from_before_the_rules(app, make_patient(), 3)
    with app.app_context():
        schedule.tick(datetime(2027, 6, 2, 3, tzinfo=ZONE).astimezone(UTC), only="followups.sweep")
        schedule.tick(datetime(2027, 6, 3, 3, tzinfo=ZONE).astimezone(UTC), only="followups.sweep")

    assert [detail for _due, _outcome, detail in scheduled_runs(app, "followups.sweep")] == [
        "Went through 3 live enquiries; 3 follow-ups made.", "Went through 3 live enquiries; 0 follow-ups made."]
    assert schedule.SCHEDULE["followups.sweep"].describe() == "Every day at 02:30"


# Two workers: each takes one of the two messages below and waits for the other before it ticks.
_together = threading.Barrier(2)
_ticked: list[list[str]] = []


@queue.task("test.digest_tick")
def _tick_at(now: datetime) -> None:
    _together.wait(timeout=20)
    _ticked.append(schedule.tick(now, only="followups.digest"))


@pytest.fixture
def queue_app(database_uri, tmp_path) -> Iterator:
    """The app on the test's database with a SQLite file for the queue."""
    made = make_test_app(database_uri, TASK_QUEUE_URL=f"sqlite:///{tmp_path}/queue.db")
    yield made
    with made.app_context():
        db.engine.dispose()


def test_two_workers_at_the_same_moment_send_each_digest_once(app, staff, queue_app):
    _ticked.clear()
    _together.reset()
    with smtp_server(queue_app) as inbox:
        _tick_at(MORNING)  # two messages in the queue's storage, before any worker listens
        _tick_at(MORNING)
        with queue_worker(queue_app), queue_worker(queue_app):  # two workers, one thread each
            deadline = clock.monotonic() + 30
            while len(_ticked) < 2 and clock.monotonic() < deadline:
                clock.sleep(0.05)

    assert sorted(_ticked) == [[], ["followups.digest"]]  # both ticked; one ran the job
    assert sorted(inbox.messages()) == sorted(person.email for person in staff.values())  # one each
    assert [outcome for _due, outcome, _detail in scheduled_runs(app, "followups.digest")] == [RunOutcome.OK]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DigestSent)) == 2

"""flask send-reminders: each active user's morning e-mail of what is overdue and due (run by cron)."""

import logging
from collections import Counter

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from tracker.clock import clinic_today, format_date
from tracker.db import utcnow
from tracker.extensions import db
from tracker.followups import digest

logger = logging.getLogger("tracker.mail")


def _deliver(mailer: digest.Mailer, one: digest.Digest) -> str:
    """Claim one digest, then send it: "sent", "claimed" (a run alongside this one had it) or "failed"."""
    msg = digest.message(one)  # before the claim: a message that cannot be made leaves no claim behind
    try:
        digest.claim(one)
        db.session.commit()  # before the send: a run alongside now skips them (a crash mid-send loses, never doubles)
    except IntegrityError:
        db.session.rollback()
        return "claimed"
    try:
        mailer.send(msg)
    except digest.SEND_ERRORS as error:
        logger.error("Reminder e-mail to user %s not sent: %s", one.user_id, digest.failure_reason(error),
                     extra={"fields": {"user_id": one.user_id}})
        digest.release(one)
        db.session.commit()  # the next run tries them again
        return "failed"
    return "sent"


@click.command("send-reminders")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The clinic day to remind about (YYYY-MM-DD; default today).")
@with_appcontext
def send_reminders_command(dry_run: bool, day) -> None:
    """E-mail each active user with something due their digest for the day, once; exit 1 if any failed."""
    day = day.date() if day else clinic_today()
    already = digest.sent_on(day)
    waiting = [d for d in digest.build(day, utcnow()) if d.user_id not in already]
    if dry_run:
        for one in waiting:
            click.echo(digest.preview(digest.message(one)) + "\n" + "-" * 72)
        click.echo(f"Reminders for {format_date(day)} (dry run): would send {len(waiting)}, "
                   f"already sent {len(already)}")
        return
    with digest.Mailer(current_app.config) as mailer:
        outcomes = Counter(_deliver(mailer, one) for one in waiting)
    click.echo(f"Reminders for {format_date(day)}: sent {outcomes['sent']}, "
               f"already sent {len(already) + outcomes['claimed']}, failed {outcomes['failed']}")
    if outcomes["failed"]:
        raise click.exceptions.Exit(1)

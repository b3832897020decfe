"""flask send-reminders: the morning digest by hand (the scheduled job "followups.digest" sends it each day)."""

import click
from flask.cli import with_appcontext

from tracker.clock import clinic_today, format_date
from tracker.db import utcnow
from tracker.followups import digest


@click.command("send-reminders")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The clinic day to remind about (YYYY-MM-DD; default today).")
@with_appcontext
def send_reminders_command(dry_run: bool, day) -> None:
    """E-mail each active user with something due their digest for the day, once; exit 1 if any failed."""
    day = day.date() if day else clinic_today()
    if dry_run:
        already = digest.sent_on(day)
        waiting = [d for d in digest.build(day, utcnow()) if d.user_id not in already]
        for one in waiting:
            click.echo(digest.preview(digest.message(one)) + "\n" + "-" * 72)
        click.echo(f"Reminders for {format_date(day)} (dry run): would send {len(waiting)}, "
                   f"already sent {len(already)}")
        return
    outcomes = digest.send_all(day, utcnow())
    click.echo(f"Reminders for {format_date(day)}: sent {outcomes['sent']}, already sent {outcomes['already']}, "
               f"failed {outcomes['failed']}")
    if outcomes["failed"]:
        raise click.exceptions.Exit(1)

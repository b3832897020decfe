"""flask seed-demo: one account per role with fresh passwords, printed once, and optionally demo enquiries."""

import time

import click
from flask.cli import with_appcontext

from tracker.demo import services
from tracker.extensions import db


@click.command("seed-demo")
@click.option("--enquiries", type=click.IntRange(min=1), default=None,
              help="Also add this many made-up enquiries, with their patients and history.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="The same seed (and --today) gives the same data.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day the 18 months of data end (YYYY-MM-DD; default today): fix it to get the same data later.")
@click.option("--force", is_flag=True, help="Add demo enquiries even though the database already holds data.")
@with_appcontext
def seed_demo_command(enquiries: int | None, seed: int, today, force: bool) -> None:
    """Create or refresh the demo accounts and print their sign-in details; --enquiries adds demo data."""
    if enquiries and not force and (found := services.real_data_found()):
        raise click.ClickException(
            f"This database already holds data: {'; '.join(found)}. Demo enquiries belong in a database of "
            "their own. Add them anyway with --force (also needed to add more to a database seeded before)."
        )
    accounts = services.refresh_demo_accounts()
    db.session.commit()
    click.echo("Demo accounts (passwords are new each run):")
    click.echo("\n".join(f"  {role.value:<11} {email:<26} {password}" for role, email, password in accounts))
    if not enquiries:
        return
    started = time.perf_counter()
    rows = services.load_demo_data(enquiries, seed, today.date() if today else None)
    db.session.commit()
    services.refresh_statistics()
    db.session.commit()
    click.echo(f"Added {rows['enquiries']} demo enquiries from {rows['patients']} patients (seed {seed}) "
               f"in {time.perf_counter() - started:.1f} s.")

"""flask seed-demo: one account per role with fresh passwords, printed once."""

import secrets

import click
from flask.cli import with_appcontext

from tracker.auth import services
from tracker.extensions import db
from tracker.permissions import Role

DEMO_NAMES = {
    Role.RECEPTION: "Rita Reception",
    Role.SPECIALIST: "Dr Sam Specialist",
    Role.MANAGER: "Morgan Manager",
    Role.ADMIN: "Alex Admin",
}


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create or refresh the demo accounts and print their sign-in details."""
    lines = []
    for role, name in DEMO_NAMES.items():
        email = f"{role.value}@demo.example"
        password = secrets.token_urlsafe(12)
        user = services.find_by_email(email)
        if user is None:
            services.create_user(email, name, role, password)
        else:
            services.set_password(user, password)
        lines.append(f"  {role.value:<11} {email:<26} {password}")
    db.session.commit()
    click.echo("Demo accounts (passwords are new each run):")
    click.echo("\n".join(lines))

"""flask create-user: add an account from the command line."""

import sys

import click
from flask.cli import with_appcontext

from tracker.auth import services
from tracker.auth.passwords import password_problem
from tracker.extensions import db
from tracker.permissions import Role


def _check_email(email: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from error


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name as colleagues see it.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Create an account; the password is prompted for, or read from standard input."""
    email = _check_email(email)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if problem := password_problem(password):
        raise click.ClickException(problem)
    try:
        user = services.create_user(email, name, Role(role), password)
    except services.EmailTaken as error:
        raise click.ClickException(f"{email}: {error}") from error
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}).")



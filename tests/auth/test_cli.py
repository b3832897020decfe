"""flask create-user adds accounts from the command line."""

from sqlalchemy import select

from tracker.auth.models import User
from tracker.auth.passwords import verify_password
from tracker.extensions import db

GOOD_PASSWORD = "plum-orchard-lantern-42"


def _user(app, email):
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_create_user_reads_the_password_from_stdin(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "Nurse@Clinic.example", "--name", "Nia Nurse", "--role", "specialist", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = _user(app, "nurse@clinic.example")
    assert user.role.value == "specialist" and user.full_name == "Nia Nurse"
    with app.app_context():
        assert verify_password(user.password_hash, GOOD_PASSWORD)


def test_create_user_prompts_twice_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "desk@clinic.example", "--name", "Desk", "--role", "reception"],
        input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert _user(app, "desk@clinic.example") is not None


def test_create_user_refuses_weak_passwords_bad_roles_and_duplicates(app, make_user):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-user", "a@clinic.example", "--name", "A", "--role", "admin",
                               "--password-stdin"], input="password\n")
    assert weak.exit_code != 0 and "at least 12" in weak.output
    role = runner.invoke(args=["create-user", "a@clinic.example", "--name", "A", "--role", "owner",
                               "--password-stdin"], input=GOOD_PASSWORD)
    assert role.exit_code != 0 and "owner" in role.output
    taken = make_user(email="taken@clinic.example")
    dup = runner.invoke(args=["create-user", taken.email.upper(), "--name", "B", "--role", "admin",
                              "--password-stdin"], input=GOOD_PASSWORD)
    assert dup.exit_code != 0 and "already" in dup.output
    assert _user(app, "a@clinic.example") is None


def test_seed_demo_creates_one_account_per_role_and_prints_passwords(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for role in ("reception", "specialist", "manager", "admin"):
        assert f"{role}@demo.example" in result.output
        assert _user(app, f"{role}@demo.example").role.value == role

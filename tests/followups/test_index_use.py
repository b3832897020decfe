"""My day, the navigation's count, the calendar week and the feed read follow-ups through their indexes.

The plans are SQLite's, on a demo database of a few thousand follow-ups: each statement touching follow_ups
must SEARCH it through an index (assignee, status, due) rather than SCAN the table.
"""

import re

import pytest
from sqlalchemy import event, select, text

from tests.conftest import make_test_app, migrate_to_head, sign_in
from tracker.auth.models import User
from tracker.calendar import feeds
from tracker.extensions import db

FULL_SCAN = re.compile(r"\bSCAN follow_ups\b(?! USING)")


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    uri = f"sqlite:///{tmp_path_factory.mktemp('indexes') / 'demo.db'}"
    migrate_to_head(uri)
    app = make_test_app(uri)
    result = app.test_cli_runner().invoke(args=["seed-demo", "--enquiries", "1500", "--seed", "5"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


def _statements(app, url: str, user: User, table: str = "follow_ups") -> list[tuple[str, tuple]]:
    """The statements reading `table` while the page is served, with their parameters."""
    seen: list[tuple[str, tuple]] = []

    def before(_conn, _cursor, statement, parameters, *_args):
        if table in statement and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    client = app.test_client()
    sign_in(client, user)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return seen


def _plan(app, statement: str, parameters) -> str:
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return "\n".join(row[-1] for row in rows)


def _user(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


@pytest.mark.parametrize(("page", "email"), [
    ("/follow-ups", "reception@demo.example"),
    ("/follow-ups?person=all", "manager@demo.example"),
    ("/calendar", "reception@demo.example"),
    ("/calendar?who=team", "reception@demo.example"),
    ("/", "specialist@demo.example"),  # the navigation's overdue count
])
def test_pages_read_follow_ups_through_an_index_never_a_table_scan(demo_app, page, email):
    statements = _statements(demo_app, page, _user(demo_app, email))
    assert statements, f"{page} read no follow-ups"
    for statement, parameters in statements:
        plan = _plan(demo_app, statement, parameters)
        assert "follow_ups" in plan and not FULL_SCAN.search(plan), f"{page}:\n{statement}\n{plan}"


def test_the_feed_reads_follow_ups_through_an_index_never_a_table_scan(demo_app):
    specialist = _user(demo_app, "specialist@demo.example")
    with demo_app.app_context():
        token = feeds.create_feed(db.session.get(User, specialist.id))
        db.session.commit()
    statements = _statements(demo_app, f"/calendar/{token}.ics", specialist)
    assert statements
    for statement, parameters in statements:
        plan = _plan(demo_app, statement, parameters)
        assert not FULL_SCAN.search(plan), f"{statement}\n{plan}"


def test_the_no_open_follow_up_filter_reads_its_own_index_and_never_the_follow_ups(demo_app):
    reception = _user(demo_app, "reception@demo.example")
    url = "/enquiries?no_followup=y"
    # Only the navigation's overdue count reads follow-ups, as on the unfiltered list.
    assert len(_statements(demo_app, url, reception)) == len(_statements(demo_app, "/enquiries", reception)) == 1
    plans = [_plan(demo_app, *each) for each in _statements(demo_app, url, reception, "next_follow_up_at")]
    assert plans and all("ix_enquiries_next_follow_up_at_stage" in plan for plan in plans), plans


def test_the_demo_holds_enough_follow_ups_for_the_plans_to_mean_something(demo_app):
    with demo_app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM follow_ups")).scalar() > 3000

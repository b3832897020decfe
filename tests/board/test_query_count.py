"""The board runs the same few SQL statements with 5 enquiries as with 200, whatever the filters."""

import pytest

from tests.conftest import count_queries, sign_in
from tracker.enquiries.models import Channel, Concern
from tracker.enquiries.stages import OPEN_STAGES, Stage

# The list's budget (tests/enquiries/test_query_budget.py): ten, and one for the navigation's overdue count.
MAX_QUERIES = 11
URLS = ["/pipeline/board", "/pipeline/board?channel=web_form", "/pipeline/board?assignee=me",
        "/pipeline/board?concern=rolling", "/pipeline/board?treatment=3&uncontacted=y",
        "/pipeline/board?no_followup=y", "/pipeline/board?received_from=2000-01-01&reached=consulted"]


def _fill(place, user_id: int, n: int) -> None:
    """`n` enquiries spread over every stage, channel and assignee, some with concerns."""
    stages = [*OPEN_STAGES, Stage.LOST, Stage.COMPLETED]
    for i in range(n):
        place(stages[i % len(stages)], channel=Channel.WEB_FORM if i % 2 else Channel.PHONE,
              assigned_to_id=user_id if i % 3 else None, concerns=[Concern.ROLLING] if i % 4 == 0 else [])


def _counts(app, client) -> dict[str, int]:
    """Statements each board address runs, measured on its second load (the first warms any caches)."""
    counts = {}
    for url in URLS:
        assert client.get(url).status_code == 200, url
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200, url
        counts[url] = len(statements)
    return counts


@pytest.mark.parametrize("role", ["reception", "manager"])
def test_board_runs_the_same_bounded_number_of_queries_with_5_and_200_enquiries(app, client, make_user, place, role):
    user = make_user(role)
    sign_in(client, user)
    _fill(place, user.id, 5)
    small = _counts(app, client)
    _fill(place, user.id, 195)
    large = _counts(app, client)
    assert small == large
    assert max(large.values()) <= MAX_QUERIES, large


def test_the_cards_of_every_column_are_read_in_one_statement(app, client, login_as, place):
    login_as("reception")
    for stage in OPEN_STAGES:
        place(stage, 2)
    with count_queries(app) as statements:
        client.get("/pipeline/board")
    assert sum("UNION ALL" in s and "stage_changes" in s for s in statements) == 1

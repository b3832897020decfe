"""The board: a column per open stage with its count and cards, filtered as the list, capped with a 'more' link."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from tests.board.conftest import column_counts, column_names
from tests.builders import set_next_step
from tracker.board.queries import CARDS_PER_COLUMN, Card, Column
from tracker.clock import clinic_today
from tracker.db import utcnow
from tracker.enquiries.models import Channel, Enquiry
from tracker.enquiries.queries import Tally
from tracker.enquiries.stages import OPEN_STAGES, Stage
from tracker.extensions import db


def _more_link(page: str, stage: str) -> str | None:
    """The address of a column's "more" link, or None when it has none."""
    marker = f'data-testid="more-{stage}"'
    if marker not in page:
        return None
    return page.split(marker, 1)[1].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")


def test_board_has_a_column_per_open_stage_in_order_with_counts_and_no_closed_columns(client, login_as, place):
    login_as("reception")
    place(Stage.NEW, 2, first_name="Nia")
    place(Stage.CONTACTED, 1, first_name="Cora")
    place(Stage.IN_TREATMENT, 3, first_name="Ivo")
    place(Stage.LOST, 1, first_name="Lou")
    place(Stage.COMPLETED, 1, first_name="Cam")
    page = client.get("/pipeline/board").get_data(as_text=True)
    order = [page.index(f'data-testid="column-{s.value}"') for s in OPEN_STAGES]
    assert order == sorted(order)
    assert 'data-testid="column-completed"' not in page
    assert column_counts(page) == {"new": "2", "contacted": "1", "consultation_booked": "0", "consulted": "0",
                                   "plan_proposed": "0", "treatment_booked": "0", "in_treatment": "3"}
    assert column_names(page, "new") == ["Nia1 Board", "Nia2 Board"]  # newest received first
    assert column_names(page, "contacted") == ["Cora Board"]
    assert "Lou Board" not in page and "Cam Board" not in page
    assert "No enquiries here." in page.split('data-testid="column-consulted"', 1)[1].split("</section>", 1)[0]


def test_card_shows_name_linked_age_in_stage_next_follow_up_and_assignee(app, client, login_as, place, make_user):
    user = login_as("reception", full_name="Rita Desk")
    [booked] = place(Stage.CONSULTATION_BOOKED, days_in_stage=3, first_name="Bea", assigned_to_id=user.id)
    [contacted] = place(Stage.CONTACTED, days_in_stage=5, first_name="Col")
    with app.app_context():
        yesterday = clinic_today() - timedelta(days=1)
    set_next_step(app, booked, yesterday)
    set_next_step(app, contacted, None)
    page = client.get("/pipeline/board").get_data(as_text=True)
    card = page.split(f'data-testid="card-{booked}"', 1)[1].split("</li>", 1)[0]
    assert f'href="/enquiries/{booked}">Bea Board</a>' in card
    assert "3 days in stage" in card
    assert "Next follow-up" in card and "overdue" in card
    assert "Rita Desk" in card
    other = page.split(f'data-testid="card-{contacted}"', 1)[1].split("</li>", 1)[0]
    assert "5 days in stage" in other
    assert "No next step" in other and "overdue" not in other
    assert "Unassigned" in other


def test_age_in_stage_counts_from_the_last_move_into_the_current_stage(app, client, login_as, place):
    from tracker.enquiries.models import StageChange

    login_as("reception")
    [enquiry_id] = place(Stage.CONTACTED, days_in_stage=10)
    with app.app_context():  # back to contacted 2 days ago, after a consultation was cancelled
        db.session.add(StageChange(enquiry_id=enquiry_id, from_stage=Stage.CONTACTED,
                                   to_stage=Stage.CONSULTATION_BOOKED, at=utcnow() - timedelta(days=4)))
        db.session.add(StageChange(enquiry_id=enquiry_id, from_stage=Stage.CONSULTATION_BOOKED,
                                   to_stage=Stage.CONTACTED, at=utcnow() - timedelta(days=2)))
        db.session.commit()
    page = client.get("/pipeline/board").get_data(as_text=True)
    assert "2 days in stage" in page.split(f'data-testid="card-{enquiry_id}"', 1)[1].split("</li>", 1)[0]


def test_filters_narrow_every_column_and_their_counts(client, login_as, place):
    user = login_as("reception")
    place(Stage.NEW, 2, first_name="Web", channel=Channel.WEB_FORM)
    place(Stage.NEW, 1, first_name="Tel", channel=Channel.PHONE)
    place(Stage.CONTACTED, 1, first_name="Mine", assigned_to_id=user.id, channel=Channel.WEB_FORM)
    place(Stage.CONTACTED, 1, first_name="Theirs", channel=Channel.WEB_FORM)
    page = client.get("/pipeline/board?channel=web_form").get_data(as_text=True)
    assert column_names(page, "new") == ["Web1 Board", "Web2 Board"]
    assert column_counts(page)["new"] == "2" and column_counts(page)["contacted"] == "2"
    page = client.get("/pipeline/board?channel=web_form&assignee=me").get_data(as_text=True)
    assert column_names(page, "new") == [] and column_names(page, "contacted") == ["Mine Board"]
    assert column_counts(page)["contacted"] == "1"
    # The stage filter means nothing here: every open stage is still a column.
    page = client.get("/pipeline/board?stage=lost").get_data(as_text=True)
    assert column_counts(page)["new"] == "3"


def test_column_stops_at_the_cap_with_a_more_link_to_the_list_with_the_same_filters(client, login_as, place):
    login_as("reception")
    ids = place(Stage.CONTACTED, CARDS_PER_COLUMN + 3, first_name="Many", channel=Channel.EMAIL)
    place(Stage.NEW, 2, channel=Channel.EMAIL)
    page = client.get("/pipeline/board?channel=email&sort=name").get_data(as_text=True)
    assert column_counts(page)["contacted"] == str(CARDS_PER_COLUMN + 3)
    shown = column_names(page, "contacted")
    assert shown == [f"Many{i} Board" for i in range(1, CARDS_PER_COLUMN + 1)]  # the newest 20
    assert "More in contacted (3)" in page
    link = urlsplit(_more_link(page, "contacted"))
    assert link.path == "/enquiries"
    assert parse_qs(link.query) == {"stage": ["contacted"], "channel": ["email"]}
    assert _more_link(page, "new") is None
    # The list at that link continues where the column stopped.
    listed = client.get(_more_link(page, "contacted")).get_data(as_text=True)
    assert f'href="/enquiries/{ids[CARDS_PER_COLUMN]}"' in listed


def test_manager_sees_the_board_without_move_controls(client, login_as, place):
    login_as("manager")
    place(Stage.NEW, 1)
    page = client.get("/pipeline/board").get_data(as_text=True)
    assert "Pat Board" in page
    assert "data-move-form" not in page and "/move" not in page and "board.js" not in page


def test_reception_sees_a_move_form_on_each_card_offering_only_its_manual_moves(client, login_as, place):
    login_as("reception")
    [new] = place(Stage.NEW)
    [booked] = place(Stage.CONSULTATION_BOOKED)
    page = client.get("/pipeline/board").get_data(as_text=True)

    def offered(enquiry_id: int) -> list[str]:
        card = page.split(f'data-testid="card-{enquiry_id}"', 1)[1].split("</li>", 1)[0]
        select = card.split('name="to_stage"', 1)[1].split("</select>", 1)[0]
        return re.findall(r'<option value="([a-z_]+)"', select)

    assert offered(new) == ["contacted", "lost"]
    assert offered(booked) == ["lost"]  # the booking owns consulted and contacted
    assert f'action="/pipeline/board/{new}/move"' in page
    assert 'name="lost_reason_id"' in page and "board.js" in page


def test_archived_enquiries_are_not_on_the_board(app, client, login_as, place):
    login_as("reception")
    [archived] = place(Stage.NEW, first_name="Gone")
    with app.app_context():
        db.session.get(Enquiry, archived).archived_at = utcnow()
        db.session.commit()
    page = client.get("/pipeline/board").get_data(as_text=True)
    assert "Gone Board" not in page and column_counts(page)["new"] == "0"


def test_signed_out_visitor_is_sent_to_sign_in(client, make_user):
    make_user("reception")  # with no account at all, every page asks for the first-run setup instead
    response = client.get("/pipeline/board")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_more_link_counts_what_the_column_leaves_out_and_keeps_a_capped_count_open_ended():
    cards = [Card(enquiry=None, entered_at=None)] * CARDS_PER_COLUMN
    assert str(Column(Stage.NEW, Tally(23), cards).rest) == "3"
    assert str(Column(Stage.NEW, Tally(500, more=True), cards).rest) == "480+"
    assert str(Column(Stage.NEW, Tally(2), cards[:2]).rest) == "0"

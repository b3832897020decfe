"""Property: whatever `week` and `who` (or feed token) a browser or script sends, the calendar never fails."""

from hypothesis import example, given
from hypothesis import strategies as st

from tests.properties import ANY_TEXT, PROPERTY

WEEK = st.one_of(ANY_TEXT, st.dates().map(str), st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
                 st.integers().map(str))
WHO = st.one_of(ANY_TEXT, st.sampled_from(["me", "team", "", "0", "1", "2", "99999999999"]),
                st.integers().map(str))


def test_arbitrary_week_and_who_never_give_a_server_error(client, login_as, make_user):
    login_as("reception")
    make_user("specialist")

    @PROPERTY
    @given(week=WEEK, who=WHO, extra=st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=2))
    @example(week="0001-01-01", who="team", extra={})
    @example(week="9999-12-31", who="1", extra={})
    @example(week="2200-12-31", who="me", extra={})
    @example(week="\x00", who="\ud7ff", extra={"who": "x"})
    def check(week, who, extra):
        response = client.get("/calendar", query_string={**extra, "week": week, "who": who})
        assert response.status_code == 200, response.status_code
        body = response.get_data(as_text=True)
        assert 'data-testid="calendar-heading"' in body  # a week was shown: the asked one, or this week instead

    check()


def test_arbitrary_feed_tokens_are_404_never_a_server_error(client, make_user):
    make_user("reception")

    @PROPERTY
    @given(token=st.one_of(ANY_TEXT, st.text("ABCxyz019_-", min_size=20, max_size=100)))
    def check(token):
        response = client.get("/calendar/" + token.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
                              + ".ics")
        # 308: a decoded %2F next to a slash makes "//", which the router merges by redirecting (no view runs).
        assert response.status_code in (308, 404, 429), response.status_code

    check()

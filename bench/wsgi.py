"""The production application for gunicorn, plus /bench/floor: a request that touches neither database nor template."""

from tracker import create_app
from tracker.permissions import public

app = create_app("production")


@public
def floor():
    """A few bytes of plain text, open without signing in: the cost of the server and the app's request hooks."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


app.add_url_rule("/bench/floor", "bench_floor", floor)

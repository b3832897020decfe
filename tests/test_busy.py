"""No database connection free for the pool's whole timeout: 503 with Retry-After and a page that needs no database."""

from tests.conftest import make_test_app, sign_in
from tracker.extensions import db


def test_a_request_finding_every_connection_in_use_gets_503_busy_not_500(database_uri, make_user):
    user = make_user("manager")
    app = make_test_app(database_uri, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0,
                                                                 "pool_timeout": 0.2})
    client = app.test_client()
    sign_in(client, user)
    with app.app_context():
        engine = db.engine
    try:
        with engine.connect():  # the only connection, held elsewhere
            response = client.get("/enquiries/export.csv")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        page = response.get_data(as_text=True)
        assert "The tracker is busy" in page and "nothing of yours was done" in page
        assert client.get("/enquiries/export.csv").status_code == 200  # free again: served
    finally:
        engine.dispose()

"""What guards the staged uploads: the size cap before anything reads the body, expired files purged on every
visit, a second click on Import importing nothing, and tokens kept out of the access log."""

import json
import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text, update
from werkzeug.formparser import MultiPartParser

from tests.builders import table_counts
from tests.conftest import PG_URL
from tests.imports.conftest import csv_bytes, person, upload
from tests.imports.test_views import GUESS, _import, _uploads
from tests.pages import redirect_token
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.imports import services
from tracker.imports.models import ImportUpload
from tracker.web import JsonFormatter


def test_an_oversized_upload_is_refused_before_the_csrf_check_reads_its_body(app, client, login_as, monkeypatch):
    from tracker.imports import views

    parsed = []
    real_parse = MultiPartParser.parse
    monkeypatch.setattr(MultiPartParser, "parse", lambda self, *a, **k: parsed.append(1) or real_parse(self, *a, **k))
    monkeypatch.setattr(views, "REQUEST_CAP", 10_000)
    login_as("manager")
    response = upload(client, csv_bytes([person(n) for n in range(200)]))
    assert response.status_code == 413 and "larger than 50 MB" in response.get_data(as_text=True)
    assert parsed == [] and _uploads(app) == 0
    assert upload(client, csv_bytes([person(1)])).status_code == 302 and parsed == [1]  # a small one is read


def _age(app, token: str) -> None:
    with app.app_context():
        db.session.execute(update(ImportUpload).where(ImportUpload.token == token)
                           .values(created_at=utcnow() - timedelta(days=1, minutes=1)))
        db.session.commit()


@pytest.mark.parametrize("page", ["/admin/import", "/admin/import/{fresh}", "/admin/import/{old}"])
def test_expired_uploads_are_removed_by_a_visit_to_an_import_page(app, client, login_as, page):
    login_as("manager")
    old, fresh = (redirect_token(upload(client, csv_bytes([person(n)]))) for n in (1, 2))
    _age(app, old)
    client.get(page.format(old=old, fresh=fresh))
    with app.app_context():
        assert db.session.scalars(select(ImportUpload.token)).all() == [fresh]


@pytest.mark.parametrize("meanwhile", [
    delete(ImportUpload),  # the first click imported every row: the upload is gone
    update(ImportUpload).values(file_name=services.REJECTED + "enquiries.csv"),  # it now holds rejected rows
])
def test_a_run_on_an_upload_another_run_took_meanwhile_imports_nothing(app, make_user, meanwhile):
    user = make_user("manager")
    with app.app_context():
        token = services.store_upload("enquiries.csv", csv_bytes([person(1)]), by_id=user.id).token
        db.session.commit()
        stale = services.get_upload(token, user.id)
        db.session.execute(meanwhile, execution_options={"synchronize_session": False})
        with pytest.raises(services.AlreadyRun):
            services.run_upload(stale, GUESS, skip_invalid=False, by_id=user.id)
        db.session.rollback()
    assert table_counts(app)["enquiries"] == 0


def test_a_second_click_on_import_says_the_file_was_imported(app, client, login_as, monkeypatch):
    login_as("manager")
    token = redirect_token(upload(client, csv_bytes([person(1)])))
    assert _import(client, token, GUESS).status_code == 302
    real_get = services.get_upload

    def read_before_the_first_click_committed(token, user_id):
        found = real_get(token, user_id)
        db.session.execute(delete(ImportUpload).where(ImportUpload.id == found.id),
                           execution_options={"synchronize_session": False})
        return found

    second = redirect_token(upload(client, csv_bytes([person(1)])))
    monkeypatch.setattr(services, "get_upload", read_before_the_first_click_committed)
    response = _import(client, second, GUESS)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)  # the second job's page
    assert "already been imported" in page and 'href="/admin/import">Go back and put it right' in page
    assert table_counts(app)["enquiries"] == 1


def test_no_import_step_writes_the_upload_token_to_the_access_log(app, client, login_as, caplog):
    login_as("manager")
    token = redirect_token(upload(client, csv_bytes([person(1), person(2, DOB="tomorrow")])))
    caplog.set_level(logging.INFO, logger="tracker.access")
    caplog.clear()
    query = "&".join(f"{k}={v}" for k, v in GUESS.items())
    assert client.get(f"/admin/import/{token}?preview=1&{query}").status_code == 200
    assert client.get(f"/admin/import/{token}/values?{query}").status_code == 200
    assert _import(client, token, GUESS, skip_invalid="y").status_code == 302
    assert client.get(f"/admin/import/{token}/rejected.csv").status_code == 200
    access = [r for r in caplog.records if r.name == "tracker.access"]
    assert all(token not in r.getMessage() + repr(vars(r)) for r in caplog.records)
    assert [json.loads(JsonFormatter().format(r))["path"] for r in access] == [
        "/admin/import/<redacted>", "/admin/import/<redacted>/values", "/admin/import/<redacted>/run",
        "/admin/import/<redacted>/rejected.csv"]


if PG_URL:
    def _wait_for_a_blocked_transaction(app) -> None:
        """Until another session waits on a row or transaction lock (the second run behind the first)."""
        deadline = time.monotonic() + 30
        with app.app_context(), db.engine.connect() as connection:
            while time.monotonic() < deadline:
                if connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                           "AND datname = current_database()")).scalar():
                    return
                connection.rollback()
                time.sleep(0.02)
        raise AssertionError("the second run never waited for the first")

    def test_two_clicks_on_import_at_once_import_the_rows_once_on_postgresql(app, make_user):
        user = make_user("manager")
        rows = [person(n) for n in range(1, 4)]
        with app.app_context():
            token = services.store_upload("enquiries.csv", csv_bytes(rows), by_id=user.id).token
            db.session.commit()
        read, outcome = threading.Event(), []

        def second_click():
            with app.app_context():
                stale = services.get_upload(token, user.id)  # read before the first click commits
                read.set()
                try:
                    services.run_upload(stale, GUESS, skip_invalid=False, by_id=user.id)
                    outcome.append("imported")
                except Exception as error:  # the outcome, whatever it is, is what the test checks
                    outcome.append(type(error).__name__)
                finally:
                    db.session.rollback()

        with app.app_context():
            first = services.get_upload(token, user.id)
            services.run_upload(first, GUESS, skip_invalid=False, by_id=user.id)
            db.session.flush()
            thread = threading.Thread(target=second_click)
            thread.start()
            assert read.wait(30)
            _wait_for_a_blocked_transaction(app)
            db.session.commit()
        thread.join(30)
        assert outcome == ["AlreadyRun"]
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Enquiry)) == len(rows)

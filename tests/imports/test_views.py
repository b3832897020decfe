"""The web flow: upload, map and preview, import, result and rejected rows; who may use it; bad files."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.builders import table_counts
from tests.conftest import count_queries, sign_in
from tests.imports.conftest import HEADER, csv_bytes, person, upload
from tests.pages import redirect_token
from tracker.clock import clinic_today
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.imports.models import ImportUpload


def _uploads(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ImportUpload))


def test_upload_then_mapping_page_shows_the_guessed_columns(app, client, login_as):
    login_as("manager")
    token = redirect_token(upload(client, csv_bytes([person(1)])))
    page = client.get(f"/admin/import/{token}").get_data(as_text=True)
    assert re.search(r'<select[^>]*name="phone"[^>]*>.*?<option selected value="Phone number">', page, re.S)
    assert re.search(r'<select[^>]*name="received_at"[^>]*>.*?<option selected value="Enquiry date">', page, re.S)


def test_preview_shows_first_rows_with_their_errors_and_totals_for_the_whole_file(app, client, login_as):
    login_as("manager")
    rows = [person(n) for n in range(1, 30)] + [person(30, **{"E-mail": "nope"})]
    rows[2] = person(3, Status="Booked")
    token = redirect_token(upload(client, csv_bytes(rows)))
    page = client.get(f"/admin/import/{token}?preview=1&full_name=Name&received_at=Enquiry+date&stage=Status"
                      "&email=E-mail").get_data(as_text=True)
    totals = re.sub(r"\s+", " ", page[page.index('data-testid="totals"'):page.index("</dl>")])
    assert "Rows read</dt><dd class=\"col-sm-9\">30" in totals and "Invalid</dt><dd class=\"col-sm-9\">2" in totals
    assert page.count("<tr class=") == 20
    assert "Status: &#34;Booked&#34; is not one of New, Contacted, Lost" in page


def test_mapping_override_changes_what_is_read(app, client, login_as):
    login_as("manager")
    token = redirect_token(upload(client, csv_bytes([person(1, Message="07700 900999")])))
    page = client.get(f"/admin/import/{token}?preview=1&full_name=Name&received_at=Enquiry+date"
                      "&phone=Message").get_data(as_text=True)
    assert "07700 900999" in page and "Valid" in page
    page = client.get(f"/admin/import/{token}?preview=1&full_name=Name&received_at=Name").get_data(as_text=True)
    assert "chosen twice" in page


def _import(client, token: str, mapping: dict, **extra):
    return client.post(f"/admin/import/{token}/run", data={**mapping, "confirm": "y", **extra})


GUESS = {"full_name": "Name", "phone": "Phone number", "email": "E-mail", "date_of_birth": "DOB",
         "received_at": "Enquiry date", "source": "How did you hear about us?", "concerns": "Concern",
         "treatments": "Treatment", "caller_words": "Message", "stage": "Status", "lost_reason": "Reason",
         "marketing_consent": "Marketing"}


def test_import_all_or_nothing_refuses_and_keeps_the_upload(app, client, login_as):
    login_as("manager")
    token = redirect_token(upload(client, csv_bytes([person(1), person(2, DOB="tomorrow")])))
    before = table_counts(app)
    response = _import(client, token, GUESS)
    assert response.status_code == 302
    assert table_counts(app) == {**before, "jobs": before["jobs"] + 1}  # nothing imported; the failed job says why
    page = client.get(response.headers["Location"]).get_data(True)  # the job's page: failed, and why
    assert "Nothing was imported: 1 row(s) are invalid" in page
    back = re.search(r'href="([^"]+)">Go back and put it right', page)[1].replace("&amp;", "&")
    assert back.startswith(f"/admin/import/{token}?") and client.get(back).status_code == 200  # the upload is kept


def test_import_skipping_invalid_rows_then_download_the_rejected_rows(app, client, login_as):
    login_as("manager")
    formula = person(2, Name="=cmd|' /C calc'!A0", DOB="tomorrow")
    token = redirect_token(upload(client, csv_bytes([person(1), formula, person(3)])))
    response = _import(client, token, GUESS, skip_invalid="y")
    assert response.status_code == 302
    result = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Imported 2 enquiries. 1 invalid row(s) were left out: download them below." in result
    link = re.search(r'href="(/admin/import/[^"]+/rejected\.csv)"', result)[1]
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert 'filename="enquiries-rejected.csv"' in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [*HEADER, "Reasons"] and len(rows) == 2
    assert rows[1][0] == "'" + formula["Name"] and "Date of birth" in rows[1][-1]
    assert client.get(f"/admin/import/{token}").status_code == 404  # the upload itself is gone


def test_import_without_rejections_removes_the_upload(app, client, login_as):
    login_as("admin")
    token = redirect_token(upload(client, csv_bytes([person(1)])))
    assert _import(client, token, GUESS).status_code == 302
    assert _uploads(app) == 0


def test_imported_enquiries_appear_in_the_list_with_their_stage(app, client, login_as):
    login_as("manager")
    with app.app_context():
        recent = {"Enquiry date": f"{clinic_today() - timedelta(days=2):%d/%m/%Y} 10:30"}  # work, not history
    token = redirect_token(upload(client, csv_bytes([person(1, **recent), person(2, Status="Contacted", **recent)])))
    _import(client, token, GUESS)
    sign_in(client, login_as("reception"))
    page = client.get("/enquiries?stage=contacted").get_data(as_text=True)
    assert "Pat Person2" in page and "Pat Person1" not in page
    assert "Pat Person1" in client.get("/enquiries?stage=new").get_data(as_text=True)
    assert "Pat Person2" in client.get("/search?q=erson2").get_data(as_text=True)  # the name index has them too
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Enquiry.next_follow_up_at.is_(None))) == 0


def test_import_needs_the_confirm_tick(app, client, login_as):
    login_as("manager")
    token = redirect_token(upload(client, csv_bytes([person(1)])))
    response = client.post(f"/admin/import/{token}/run", data=GUESS)
    assert "Tick to confirm" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert table_counts(app)["enquiries"] == 0


@pytest.mark.parametrize("role", ["reception", "specialist"])
def test_roles_without_import_run_get_403(client, login_as, role):
    login_as(role)
    assert client.get("/admin/import").status_code == 403
    assert upload(client, csv_bytes([person(1)])).status_code == 403


def test_a_token_is_only_for_its_uploader(app, client, login_as, make_user):
    login_as("manager")
    token = redirect_token(upload(client, csv_bytes([person(1)])))
    sign_in(client, make_user("admin"))
    assert client.get(f"/admin/import/{token}").status_code == 404
    assert _import(client, token, GUESS).status_code == 404


def test_uploads_older_than_a_day_are_removed_when_a_new_one_is_stored(app, client, login_as):
    login_as("manager")
    old = redirect_token(upload(client, csv_bytes([person(1)])))
    with app.app_context():
        db.session.execute(update(ImportUpload).values(created_at=utcnow() - timedelta(days=1, minutes=1)))
        db.session.commit()
    assert client.get(f"/admin/import/{old}").status_code == 404
    redirect_token(upload(client, csv_bytes([person(2)])))
    assert _uploads(app) == 1


@pytest.mark.parametrize(("content", "message"), [
    ("Name,Date\nJosé,01/01/2025\n".encode("latin-1"), "save as"),
    ("Name,Date\nAnn,01/01/2025\n".encode("utf-16"), "UTF-16"),
    (bytes(range(256)) * 8, "binary"),
    (b"Ann,07700900123,01/01/2025\n", "looks like data"),
    (b"Name,Date,name\nAnn,01/01/2025,x\n", "Two columns"),
    (b"Name,Date\n", "no rows under them"),
    (b"Name,Date\n" + b"\n" * 1_000_000, "no rows under them"),
    (b'Name,Date\n"Ann,01/01/2025\n', "cannot be read"),
])
def test_bad_files_are_refused_at_upload_with_a_clear_error_and_nothing_stored(app, client, login_as, content,
                                                                               message):
    login_as("manager")
    before = table_counts(app)
    response = upload(client, content)
    assert response.status_code == 400
    assert message.lower() in response.get_data(as_text=True).lower()
    assert table_counts(app) == before


def test_a_file_over_the_size_cap_is_refused_clearly(app, client, login_as, monkeypatch):
    from tracker.imports import views

    monkeypatch.setattr(views, "REQUEST_CAP", 10_000)
    login_as("manager")
    response = upload(client, csv_bytes([person(n) for n in range(200)]))
    assert response.status_code == 413 and "larger than 50 MB" in response.get_data(as_text=True)
    assert _uploads(app) == 0


def test_a_non_csv_file_name_is_still_read_by_its_content(app, client, login_as):
    login_as("manager")
    assert upload(client, csv_bytes([person(1)]), name="exports/spring export.txt").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ImportUpload.file_name)) == "spring export.txt"


def test_preview_page_query_count_does_not_grow_with_the_rows_or_the_data(app, client, login_as, make_enquiry):
    login_as("manager")
    small = redirect_token(upload(client, csv_bytes([person(1)])))
    large = redirect_token(upload(client, csv_bytes([person(n) for n in range(1, 400)])))
    query = "?preview=1&" + "&".join(f"{k}={v}" for k, v in GUESS.items())
    client.get(f"/admin/import/{small}{query}")  # the first page a process renders also reads the clinic's name

    def statements(token: str) -> int:
        with count_queries(app) as seen:
            assert client.get(f"/admin/import/{token}{query}").status_code == 200
        return len(seen)

    few = statements(small)
    assert statements(large) == few
    for _ in range(5):
        make_enquiry()
    assert statements(large) == few

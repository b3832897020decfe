"""Bad input on the import: random bytes and CSV-ish text never cause a 500, and store nothing unless imported."""

from hypothesis import example, given
from hypothesis import strategies as st

from tests.builders import table_counts
from tests.imports.conftest import csv_bytes, person, upload
from tests.properties import ANY_CHAR, ANY_TEXT, PROPERTY
from tracker.extensions import db
from tracker.imports import mapping, parse, services

_CELL = st.one_of(st.text(ANY_CHAR, max_size=20), st.sampled_from(
    ["", '"', '""', "=1+1", "07700 900123", "31/02/2025", "2025-01-01 10:00", "Lost", "a@b.co", "\r", "\n", ";"]))
_CSVISH = st.lists(st.lists(_CELL, max_size=6), max_size=8).map(
    lambda rows: "\n".join(",".join(row) for row in rows))
_FILES = st.one_of(st.binary(max_size=2000), _CSVISH.map(lambda t: t.encode("utf-8", "surrogatepass")),
                   _CSVISH.map(lambda t: ("Name,Enquiry date\n" + t).encode("utf-8")),
                   st.binary(max_size=200).map(lambda b: csv_bytes([person(1)]) + b))


def test_parser_and_dry_run_answer_any_bytes_with_a_result_or_a_file_error(app):
    @PROPERTY
    @given(content=_FILES)
    @example(content=b"\xef\xbb\xbf")
    @example(content=b'Name,Enquiry date\n"')
    def check(content):
        with app.app_context():
            try:
                parse.check_encoding(content)
                layout = parse.read_layout(content)
                chosen = mapping.guess(layout.headers) | {"full_name": layout.headers[0]}
                chosen = {k: v for k, v in chosen.items() if k == "full_name" or v != layout.headers[0]}
                if len(layout.headers) > 1:
                    chosen["received_at"] = layout.headers[1]
                services.process(content, "x.csv", chosen, preview_rows=20)
            except (parse.FileError, services.MappingError):
                pass
            finally:
                db.session.rollback()

    check()


def test_upload_and_preview_of_any_file_never_answer_500_and_store_nothing_but_the_upload(app, client, login_as):
    login_as("manager")

    @PROPERTY
    @given(content=_FILES, name=ANY_TEXT)
    @example(content=b"Name,Date\n" + b"\n" * 10_000, name="blank.csv")
    def check(content, name):
        before = table_counts(app)
        response = upload(client, content, name=name or "x.csv")
        assert response.status_code in (302, 400), response.status_code
        after = table_counts(app)
        if response.status_code == 400:
            assert after == before
            return
        assert {k: v - before[k] for k, v in after.items() if v != before[k]} == {"import_uploads": 1}
        page = client.get(response.headers["Location"] + "?preview=1&full_name=x&received_at=y")
        assert page.status_code == 200
        guessed = client.get(response.headers["Location"])
        assert guessed.status_code == 200

    check()


def test_run_with_any_mapping_values_never_answers_500(app, client, login_as):
    login_as("manager")
    token = upload(client, csv_bytes([person(1)])).headers["Location"].rsplit("/", 1)[-1]

    @PROPERTY
    @given(values=st.dictionaries(st.sampled_from([f.key for f in mapping.FIELDS] + ["confirm", "skip_invalid"]),
                                  ANY_TEXT, max_size=6))
    def check(values):
        before = table_counts(app)
        response = client.post(f"/admin/import/{token}/run", data=values)
        assert response.status_code == 302
        after = table_counts(app)
        # Nothing imported; at most the job that was asked for, which says why it failed.
        assert {name for name in after if after[name] != before[name]} <= {"jobs"}
        if after["jobs"] != before["jobs"]:
            page = client.get(response.headers["Location"])
            assert page.status_code == 200 and "Failed" in page.get_data(as_text=True)

    check()

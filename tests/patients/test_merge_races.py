"""Two merges sharing a record, at the same moment, on PostgreSQL: the second waits for the first and is refused
cleanly, so no record is merged into one that is itself merged and no enquiry is left on an archived record.

Each request is held just before its first check until the other gets there too, so both have read the two records
as live before either merges: without the row locks, READ COMMITTED lets both commit (the merge loop the page
would then redirect round for ever). Defined only for a PostgreSQL run: SQLite's BEGIN IMMEDIATE already makes the
second request wait before it reads anything.
"""


from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from tests.conftest import PG_URL, pause_before_first, race_posts
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.patients import merge as merging
from tracker.patients.models import Patient


def _merge_post(first: int, second: int, keep: int) -> tuple[str, dict]:
    return f"/patients/{first}/merge/{second}", {"keep": str(keep), "first_version": "1", "second_version": "1"}


def _state(app) -> tuple[dict[int, int | None], list[int]]:
    """Each patient's merged_into_id, and the patients the enquiries are on."""
    with app.app_context():
        merged = dict(db.session.execute(select(Patient.id, Patient.merged_into_id)).tuples().all())
        on = list(db.session.scalars(select(Enquiry.patient_id).order_by(Enquiry.id)))
        return merged, on


def _same_person(make_patient) -> int:
    """A record with nothing the other lacks: merging it into another updates the kept row not at all."""
    return make_patient(first_name="Ada", last_name="Lovelace", phone="+447700900001", email="ada@example.org")


if PG_URL:
    def test_two_merges_of_one_pair_in_opposite_directions_merge_once(app, make_user, make_patient,
                                                                      make_enquiry, monkeypatch):
        a, b = _same_person(make_patient), _same_person(make_patient)
        make_enquiry(patient_id=a)
        make_enquiry(patient_id=b)
        pause_before_first(monkeypatch, merging, "refusal", seconds=5)
        responses = race_posts(app, [(make_user("reception"), *_merge_post(a, b, keep=a)),
                                (make_user("reception"), *_merge_post(a, b, keep=b))])
        locations = sorted(r.headers["Location"] for r in responses)
        assert [r.status_code for r in responses] == [302, 302]
        merged, on = _state(app)
        kept = a if merged[b] == a else b
        assert merged == {kept: None, (b if kept == a else a): kept}  # one merge, no loop
        assert locations == sorted(["/patients/duplicates", f"/patients/{kept}"])
        assert on == [kept, kept]

    def test_a_record_merged_away_while_it_is_kept_by_another_merge_leaves_nothing_behind(
            app, make_user, make_patient, make_enquiry, monkeypatch):
        a, b, c = (_same_person(make_patient) for _ in range(3))
        for patient_id in (a, b, c):
            make_enquiry(patient_id=patient_id)
        pause_before_first(monkeypatch, merging, "refusal", seconds=5)
        responses = race_posts(app, [(make_user("reception"), *_merge_post(a, b, keep=b)),  # A into B ...
                                (make_user("reception"), *_merge_post(b, c, keep=c))])  # ... while B goes into C
        # Whichever came second is refused: B merged meanwhile (a warning), or B changed, having gained A (a 409).
        assert all(r.status_code in (302, 409) for r in responses)
        merged, on = _state(app)
        live = {p for p, into in merged.items() if into is None}
        assert merged[a] is not None or merged[b] is not None
        assert all(into in live for into in merged.values() if into is not None)  # every link is one step
        assert set(on) <= live  # no enquiry on an archived record

    def test_a_merge_checks_the_records_only_once_it_holds_both_rows(app, make_patient, monkeypatch):
        keep, other = _same_person(make_patient), _same_person(make_patient)
        locked_when_checked = []

        def checked(*args):
            with db.engine.connect() as elsewhere:  # another request trying to take the rows now
                for patient_id in (keep, other):
                    try:
                        elsewhere.execute(text("SELECT id FROM patients WHERE id = :id FOR UPDATE NOWAIT"),
                                          {"id": patient_id})
                    except OperationalError:
                        locked_when_checked.append(patient_id)
                    elsewhere.rollback()
            return None  # no refusal: these two can be merged

        monkeypatch.setattr(merging, "refusal", checked)
        with app.app_context():
            merging.merge(db.session.get(Patient, keep), db.session.get(Patient, other), by_id=None)
            db.session.rollback()
        assert locked_when_checked == [keep, other]

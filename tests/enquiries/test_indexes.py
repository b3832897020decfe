"""Every column the enquiry list filters or sorts on, and every column search reads, leads an index."""

import pytest
from sqlalchemy import inspect, text

from tests.conftest import PG_URL
from tracker.enquiries import queries
from tracker.enquiries.models import Concern
from tracker.extensions import db
from tracker.patients import services as patients

FILTERED_OR_SEARCHED = [
    ("enquiries", "stage"), ("enquiries", "channel"), ("enquiries", "source_id"), ("enquiries", "assigned_to_id"),
    ("enquiries", "received_at"), ("enquiries", "first_contacted_at"),
    ("enquiries", "patient_id"), ("enquiry_concerns", "concern"), ("enquiry_treatments", "treatment_id"),
    ("patients", "name_key"), ("patients", "last_name_key"), ("patients", "phone"), ("patients", "phone_alt"),
    ("patients", "email"), ("stage_changes", "enquiry_id"), ("contact_attempts", "enquiry_id"),
    ("enquiry_notes", "enquiry_id"), ("appointments", "enquiry_id"), ("appointments", "practitioner_id"),
]


@pytest.mark.parametrize(("table", "column"), FILTERED_OR_SEARCHED, ids=lambda v: v)
def test_column_leads_an_index_in_the_migrated_database(app, table, column):
    with app.app_context():
        inspector = inspect(db.engine)
        leading = {ix["column_names"][0] for ix in inspector.get_indexes(table)}
        leading.add(inspector.get_pk_constraint(table)["constrained_columns"][0])
    assert column in leading


def _plan(app, build) -> str:
    """The database's plan for a statement. PostgreSQL is told to avoid full scans where any index can serve,
    so on its empty test tables the plan still shows whether an index is usable at all."""
    with app.app_context():
        stmt = build()
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if PG_URL:
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            return "\n".join(row[0] for row in db.session.execute(text("EXPLAIN " + sql)))
        return "\n".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))


def _reads_patients_through_an_index(plan: str) -> bool:
    if PG_URL:
        return "Seq Scan on patients" not in plan and "Index" in plan
    return "USING INDEX" in plan and "SCAN patients\n" not in plan + "\n"


SEARCHES = ["smith", "john smi", "07700 900123", "+44 7700", "someone@example.com"]


@pytest.mark.parametrize("typed", SEARCHES)
def test_search_reads_patients_through_an_index_never_a_full_scan(app, typed):
    plan = _plan(app, lambda: patients.search_statement(typed).limit(51))
    assert _reads_patients_through_an_index(plan), plan


@pytest.mark.parametrize("filters", [queries.ListFilters(concern=Concern.BOXCAR),
                                     queries.ListFilters(treatment_id=1), queries.ListFilters(uncontacted=True)],
                         ids=["concern", "treatment", "uncontacted"])
def test_list_filters_on_other_tables_use_their_index(app, filters):
    plan = _plan(app, lambda: queries.list_statement(filters).limit(25))
    used = ("ix_enquiry_concerns_concern", "ix_enquiry_treatments_treatment_id", "ix_enquiries_first_contacted_at",
            "ix_enquiries_received_at", "pk_enquiry_concerns", "pk_enquiry_treatments")
    assert any(name in plan for name in used), plan
    assert "ix_enquiries_archived_at" not in plan

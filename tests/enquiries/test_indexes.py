"""Every column the enquiry list filters or sorts on, and every column search reads, leads an index."""

import re

import pytest
from sqlalchemy import inspect, text

from tests.conftest import PG_URL
from tracker.enquiries import queries
from tracker.enquiries.models import Concern
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.patients import services as patients

FILTERED_OR_SEARCHED = [
    ("enquiries", "stage"), ("enquiries", "channel"), ("enquiries", "source_id"), ("enquiries", "assigned_to_id"),
    ("enquiries", "received_at"), ("enquiries", "first_contacted_at"),
    ("enquiries", "patient_id"), ("enquiry_concerns", "concern"), ("enquiry_treatments", "treatment_id"),
    ("patients", "name_key"), ("patients", "last_name_key"), ("patients", "phone"), ("patients", "phone_alt"),
    ("patients", "phone_reversed"), ("patients", "phone_alt_reversed"),
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


SEARCHES = ["smith", "john smi", "connor", "anna smit", "07700 900123", "+44 7700", "900123", "someone@example.com"]


@pytest.mark.parametrize("typed", SEARCHES)
def test_search_reads_patients_through_an_index_never_a_full_scan(app, typed):
    plan = _plan(app, lambda: patients.search_statement(typed).limit(51))
    assert _reads_patients_through_an_index(plan), plan


@pytest.mark.parametrize("few", [False, True], ids=["many", "few"])
@pytest.mark.parametrize("filters", [queries.ListFilters(concern=Concern.BOXCAR),
                                     queries.ListFilters(treatment_id=1), queries.ListFilters(uncontacted=True),
                                     queries.ListFilters(assignee="none")],
                         ids=["concern", "treatment", "uncontacted", "nobody"])
def test_a_list_page_chooses_its_ids_through_an_index_never_a_full_scan(app, filters, few):
    """Many matches: walk the received_at index in list order and stop after a page (no sort of the ids).
    Few: read them through the filter's own index, never the whole table."""
    plan = _plan(app, lambda: queries.page_statement(filters, "newest", 0, 25, few=few))
    if PG_URL:  # on empty tables PostgreSQL may pick any index of enquiries; what matters is no full scan
        assert "Seq Scan on enquiries" not in plan, plan
    else:
        choosing_ids = plan.split("SCAN anon_1")[0]
        assert not re.search(r"^SCAN enquiries$", choosing_ids, re.M), plan
        if few:
            assert not re.search(r"^SCAN enquiries", choosing_ids, re.M), plan
        else:
            assert "SCAN enquiries USING INDEX ix_enquiries_received_at" in choosing_ids, plan
            assert "TEMP B-TREE" not in choosing_ids, plan
    assert "ix_enquiries_archived_at" not in plan


@pytest.mark.parametrize("filters", [queries.ListFilters(concern=Concern.BOXCAR), queries.ListFilters(treatment_id=1)],
                         ids=["concern", "treatment"])
def test_concern_and_treatment_counts_read_the_link_tables_stage_index(app, filters):
    plan = _plan(app, lambda: queries._stage_rows(filters, Stage.NEW).limit(501))
    if PG_URL:
        assert "Seq Scan on enquiry_" not in plan, plan
    else:
        assert "_stage" in plan and not re.search(r"^SCAN enquiry_", plan, re.M), plan

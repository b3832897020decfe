"""A report row for a retired source or treatment links to exactly its enquiries (the list still offers them)."""

from sqlalchemy import select

from tests.reports.conftest import list_total
from tracker.catalogue.models import Treatment
from tracker.clock import clinic_today
from tracker.db import utcnow
from tracker.enquiries import services
from tracker.enquiries.models import Channel
from tracker.extensions import db
from tracker.patients.models import Patient
from tracker.reports.dashboard import dashboard
from tracker.reports.filters import ReportFilters, preset_range
from tracker.settings.models import Option, OptionKind


def test_rows_for_a_retired_source_and_treatment_link_to_exactly_their_enquiries(app, client, login_as,
                                                                                   make_patient):
    login_as("manager")
    patients = [make_patient(f"Pat{n}") for n in range(3)]
    with app.app_context():
        sources = db.session.scalars(select(Option).where(Option.kind == OptionKind.SOURCE).limit(2)).all()
        source, other = sources
        treatment = db.session.scalars(select(Treatment)).first()
        for patient_id, (where_from, asked) in zip(patients, [(source, [treatment]), (source, []), (other, [])],
                                                   strict=True):
            patient = db.session.get(Patient, patient_id)
            details = services.EnquiryDetails(channel=Channel.PHONE, received_at=utcnow(),
                                              source=where_from, treatments=asked)
            services.log_enquiry(patient, details, by_id=None)
        source.active, treatment.active = False, False
        db.session.commit()
        board = dashboard(ReportFilters(*preset_range("30d", clinic_today())), utcnow())
        source_row = next(row for row in board.by_source if row.label == source.label)
        treatment_row = next(row for row in board.by_treatment if row.label == treatment.name)
    assert (source_row.received.n, treatment_row.received.n) == (2, 1)
    assert list_total(client, source_row.received.args) == 2
    assert list_total(client, treatment_row.received.args) == 1

"""Rows the page URLs are built from, picked deterministically from the seeded database."""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select

from tracker.auth import services as accounts
from tracker.catalogue.models import Treatment
from tracker.consultations.models import Assessment
from tracker.demo.services import DEMO_DOMAIN
from tracker.enquiries.models import Enquiry
from tracker.enquiries.stages import Stage
from tracker.enquiries.views_list import PER_PAGE
from tracker.extensions import db
from tracker.patients.models import Patient
from tracker.permissions import Role
from tracker.plans.models import PlanStatus, TreatmentPlan
from tracker.settings.models import Option, OptionKind

_SURNAME_BATCH = 500  # newest patients looked through for a surname long enough to search inside


@dataclass(frozen=True)
class Samples:
    """What the URLs in bench/pages.py need: ids, search texts and a date window that exist in the data."""

    enquiry_id: int
    patient_id: int
    phone: str  # E.164, e.g. +447700900123
    email: str
    surname: str  # at least 6 letters, so [1:5] is inside it
    source_id: int
    treatment_id: int
    window_from: date
    window_to: date
    last_page: int  # of /enquiries?stage=all
    assessment_id: int | None = None  # None: the data holds none, and the pages showing one are skipped
    plan_id: int | None = None
    feed_token: str | None = None  # the calendar feed of the specialist the harness signs in as


def _live_enquiries():
    return (select(Enquiry).join(Patient, Enquiry.patient_id == Patient.id)
            .where(Enquiry.archived_at.is_(None), Patient.archived_at.is_(None)))


def _newest_live(model, *preferred):
    """The id of the newest row of `model` on a live enquiry and patient, one matching `preferred` if any does."""
    stmt = (select(model.id).join(Enquiry, model.enquiry_id == Enquiry.id)
            .join(Patient, Enquiry.patient_id == Patient.id)
            .where(Enquiry.archived_at.is_(None), Patient.archived_at.is_(None)).order_by(model.id.desc()).limit(1))
    return (db.session.scalar(stmt.where(*preferred)) if preferred else None) or db.session.scalar(stmt)


def find_samples(app: Flask) -> Samples:
    """The newest live enquiry that has moved on from "new" (so it has history), its patient, and the rest."""
    with app.app_context():
        enquiry = (db.session.scalar(_live_enquiries().where(Enquiry.stage != Stage.NEW)
                                     .order_by(Enquiry.id.desc()).limit(1))
                   or db.session.scalar(_live_enquiries().order_by(Enquiry.id.desc()).limit(1)))
        patient = db.session.get(Patient, enquiry.patient_id)
        live = select(Patient).where(Patient.archived_at.is_(None)).order_by(Patient.id.desc())
        phone = patient.phone or db.session.scalar(live.where(Patient.phone.is_not(None)).limit(1)).phone
        email = patient.email or db.session.scalar(live.where(Patient.email.is_not(None)).limit(1)).email
        names = db.session.scalars(select(Patient.last_name).where(Patient.archived_at.is_(None))
                                   .order_by(Patient.id.desc()).limit(_SURNAME_BATCH))
        surname = next((n for n in names if len(n) >= 6 and n.isalpha()), patient.last_name)
        source_id = db.session.scalar(select(func.min(Option.id)).where(Option.kind == OptionKind.SOURCE))
        treatment_id = db.session.scalar(select(func.min(Treatment.id)))
        newest = db.session.scalar(select(func.max(Enquiry.received_at))).date()
        window_from = newest - timedelta(days=182)  # three months ending three months before the newest
        total = db.session.scalar(select(func.count()).select_from(Enquiry).where(Enquiry.archived_at.is_(None)))
        # The newest assessment, and the newest accepted plan (it shows its sessions too), else any plan.
        assessment_id = _newest_live(Assessment)
        plan_id = _newest_live(TreatmentPlan, TreatmentPlan.status == PlanStatus.ACCEPTED)
        feed_token = _feed_token(f"{Role.SPECIALIST.value}@{DEMO_DOMAIN}")
        return Samples(enquiry.id, patient.id, phone, email, surname, source_id, treatment_id,
                       window_from, window_from + timedelta(days=91), max(1, math.ceil(total / PER_PAGE)),
                       assessment_id, plan_id, feed_token)


def _feed_token(email: str) -> str | None:
    """A new calendar feed token for the demo account (committed), or None while the app has no feeds."""
    try:
        from tracker.calendar.feeds import create_feed
    except ImportError:
        return None
    user = accounts.find_by_email(email)
    if user is None:
        return None
    token = create_feed(user)
    db.session.commit()
    return token

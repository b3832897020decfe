"""An enquiry that arrives by itself (public form, intake API): a new patient, the enquiry, and its possible match."""

from dataclasses import dataclass, field

from sqlalchemy import select

from tracker.catalogue.models import Treatment
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import Channel, Concern, Enquiry, MatchStrength
from tracker.extensions import db
from tracker.patients import services as patients
from tracker.patients.models import ConsentMethod, ContactMethod
from tracker.patients.phones import normalise_phone
from tracker.settings.models import Option, OptionKind


@dataclass
class IntakeDetails:
    """A validated enquiry from the person themselves."""

    first_name: str
    last_name: str
    phone: str | None = None  # E.164
    email: str | None = None  # normalised
    preferred_contact: ContactMethod = ContactMethod.ANY
    preferred_times: str | None = None
    concerns: list[Concern] = field(default_factory=list)
    treatments: list[Treatment] = field(default_factory=list)
    message: str | None = None
    source: Option | None = None
    marketing_consent: bool = False


def offered_sources() -> list[Option]:
    """The sources a person may pick: the clinic's active ones, in its order."""
    return list(db.session.scalars(select(Option).where(Option.kind == OptionKind.SOURCE, Option.active)
                                   .order_by(Option.position, Option.label)))


def offered_treatments() -> list[Treatment]:
    """The treatments a person may say they are interested in: the catalogue's active ones."""
    return list(db.session.scalars(select(Treatment).where(Treatment.active).order_by(Treatment.position)))


def details_from(form, *, sources: list[Option], treatments: list[Treatment]) -> IntakeDetails:
    """IntakeDetails from a validated IntakeForm (its choices were set from these sources and treatments)."""
    phone = (form.phone.data or "").strip()
    email = (form.email.data or "").strip()
    by_label = {s.label: s for s in sources}
    by_code = {t.code: t for t in treatments}
    return IntakeDetails(
        first_name=form.first_name.data.strip(), last_name=form.last_name.data.strip(),
        phone=normalise_phone(phone) if phone else None,
        email=patients.normalise_email(email) if email else None,
        preferred_contact=ContactMethod(form.preferred_contact.data or ContactMethod.ANY.value),
        preferred_times=(form.preferred_times.data or "").strip() or None,
        concerns=[Concern(c) for c in form.concerns.data or ()],
        treatments=[by_code[code] for code in form.treatments.data or ()],
        message=(form.message.data or "").strip() or None,
        source=by_label.get(form.source.data or ""),
        marketing_consent=bool(form.marketing_consent.data),
    )


def submit(details: IntakeDetails, *, channel: Channel, received_at) -> Enquiry:
    """Log an enquiry for a new patient record, flagged with its likeliest existing match for reception to confirm.

    Never attached to an existing patient silently: the person typed these details themselves, so reception
    decides whether they are someone the clinic already knows (tracker.patients merges the two if so).
    """
    matches = patients.find_matches(phones=[details.phone] if details.phone else [], email=details.email,
                                    first_name=details.first_name, last_name=details.last_name)
    patient = patients.create_patient(patients.PatientDetails(
        first_name=details.first_name, last_name=details.last_name, phone=details.phone, email=details.email,
        preferred_contact=details.preferred_contact, preferred_times=details.preferred_times,
        marketing_consent=details.marketing_consent,
        marketing_consent_method=ConsentMethod.WEB_FORM if details.marketing_consent else None))
    enquiry = enquiries.log_enquiry(patient, enquiries.EnquiryDetails(
        channel=channel, received_at=received_at, source=details.source, concerns=details.concerns,
        caller_words=details.message, treatments=details.treatments), by_id=None)
    if matches:
        best = matches[0]  # strong matches first
        enquiry.match_patient_id = best.patient.id
        enquiry.match_strength = MatchStrength.STRONG if best.strong else MatchStrength.WEAK
        enquiry.match_reason = best.reason[:120]
    return enquiry

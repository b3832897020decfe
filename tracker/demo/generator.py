"""Builds the demo data set: patients and their enquiries in order of arrival, as rows for Core inserts."""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from tracker.demo.chance import Weighted, choice
from tracker.demo.followup_rows import strip_working_keys
from tracker.demo.followups import FollowUps, Marks
from tracker.demo.funnel import Funnel
from tracker.demo.hours import Calendar, Diary
from tracker.demo.names import People
from tracker.demo.refs import Refs, by_label
from tracker.enquiries import milestones
from tracker.enquiries.models import Channel, Concern
from tracker.enquiries.stages import Stage
from tracker.followups.models import FollowUpStatus
from tracker.patients.models import ConsentMethod, ContactMethod
from tracker.patients.phones import reversed_digits

# Phone most, then the web form, social media, e-mail, walk-ins, referrals and the rest.
CHANNELS = Weighted({Channel.PHONE: 38, Channel.WEB_FORM: 24, Channel.SOCIAL: 14, Channel.EMAIL: 10,
                     Channel.WALK_IN: 6, Channel.REFERRAL: 5, Channel.OTHER: 3})
SOURCES = {  # labels the migration seeds; None: nobody asked
    Channel.PHONE: {"Search engine": 35, "Friend or patient referral": 15, "Instagram": 10, "Facebook": 10,
                    "GP or dermatologist referral": 5, "Other": 5, None: 20},
    Channel.WEB_FORM: {"Search engine": 60, "Instagram": 10, "Facebook": 10, "TikTok": 5, "Other": 5, None: 10},
    Channel.SOCIAL: {"Instagram": 55, "Facebook": 20, "TikTok": 25},
    Channel.EMAIL: {"Search engine": 40, "Friend or patient referral": 20, "Other": 10, None: 30},
    Channel.WALK_IN: {"Friend or patient referral": 30, "Event": 10, "Other": 20, None: 40},
    Channel.REFERRAL: {"GP or dermatologist referral": 60, "Friend or patient referral": 40},
    Channel.OTHER: {"Event": 40, "Other": 40, None: 20},
}
EMAIL_CHANNELS = frozenset({Channel.WEB_FORM, Channel.EMAIL, Channel.SOCIAL})
CONCERNS = Weighted({Concern.MIXED: 24, Concern.ROLLING: 22, Concern.BOXCAR: 18, Concern.ICE_PICK: 14,
                     Concern.PIGMENTATION: 12, Concern.ACTIVE_ACNE: 8, Concern.OTHER: 2})
CONCERN_COUNT = Weighted({1: 65, 2: 25, 3: 10})
TREATMENT_WEIGHTS = {"microneedling": 20, "rf_microneedling": 15, "laser_co2": 15, "chemical_peel": 12,
                     "non_ablative_laser": 10, "subcision": 8, "tca_cross": 8, "dermal_filler": 6,
                     "punch_excision": 3, "dermabrasion": 3}  # codes the clinic added later: 5 each
TREATMENT_COUNT = Weighted({0: 40, 1: 40, 2: 20})
VISITS = Weighted({1: 85, 2: 11, 3: 3, 4: 1})  # enquiries per patient: about 15% come back
PREFERRED = Weighted({ContactMethod.ANY: 45, ContactMethod.PHONE: 25, ContactMethod.SMS: 20,
                      ContactMethod.EMAIL: 10})
CONSENT_BY_CHANNEL = {Channel.PHONE: ConsentMethod.VERBAL, Channel.WALK_IN: ConsentMethod.WRITTEN,
                      Channel.WEB_FORM: ConsentMethod.WEB_FORM, Channel.EMAIL: ConsentMethod.EMAIL}
PREFERRED_TIMES = ("Evenings after 5", "Mornings", "Lunchtime", "Not Mondays", "Saturdays", "Any time")
PHRASES = {Concern.ICE_PICK: "Deep ice-pick scars", Concern.BOXCAR: "Boxcar scarring",
           Concern.ROLLING: "Rolling scars", Concern.MIXED: "Mixed acne scarring",
           Concern.ACTIVE_ACNE: "Still getting breakouts", Concern.PIGMENTATION: "Red and brown marks after spots",
           Concern.OTHER: "Scarring"}
AREAS = ("cheeks", "temples", "forehead", "chin", "jawline", "back", "cheeks and chin")
ASKS = ("How much is {t}?", "Would {t} help?", "Asked about {t} and the downtime.", "Saw the clinic on Instagram.",
        "A friend recommended us.", "Had peels elsewhere, no change.", "Wedding in the summer.",
        "Can only come on Saturdays.", "Wants a price list by e-mail.")


@dataclass
class Rows:
    """The rows of one batch, per table, in the order they must be inserted."""

    patients: list[dict] = field(default_factory=list)
    enquiries: list[dict] = field(default_factory=list)
    enquiry_concerns: list[dict] = field(default_factory=list)
    enquiry_treatments: list[dict] = field(default_factory=list)
    stage_changes: list[dict] = field(default_factory=list)
    contact_attempts: list[dict] = field(default_factory=list)
    treatment_plans: list[dict] = field(default_factory=list)
    plan_items: list[dict] = field(default_factory=list)
    appointments: list[dict] = field(default_factory=list)
    assessments: list[dict] = field(default_factory=list)
    scar_findings: list[dict] = field(default_factory=list)
    follow_ups: list[dict] = field(default_factory=list)
    follow_up_reschedules: list[dict] = field(default_factory=list)


class Ids:
    """Hands out primary keys from each table's next free id, so children can point at parents before insert."""

    def __init__(self, first: dict[str, int]):
        self.next = dict(first)

    def take(self, table: str) -> int:
        """The next id of a table."""
        value = self.next[table]
        self.next[table] = value + 1
        return value


class DemoData:
    """Generates `count` enquiries from one seed, reproducibly for a given seed, clinic setup and day."""

    def __init__(self, seed: int, calendar: Calendar, refs: Refs, first_ids: dict[str, int]):
        self.rng = rng = random.Random(seed)  # noqa: S311 (made-up data, not secrets)
        self.cal, self.refs, self.ids = calendar, refs, Ids(first_ids)
        self.people = People(rng)
        self.funnel = Funnel(rng, calendar, Diary(calendar, len(refs.specialists), rng), refs, Rows(), self.ids)
        self.follow_ups = FollowUps(seed, calendar, refs, self.ids)
        self.sources = {channel: by_label(weights, refs.sources) for channel, weights in SOURCES.items()}
        self.returning_source = by_label({"Returning patient": 1}, refs.sources)
        # None stands in for an empty catalogue: nothing to ask about.
        self.treatments = Weighted({id_: TREATMENT_WEIGHTS.get(code, 5) for code, id_ in refs.treatments.items()}
                                   or {None: 1})
        self.email_only: set[int] = set()
        self.patients = 0

    def batches(self, count: int, size: int = 5_000) -> Iterator[Rows]:
        """The rows, `size` enquiries at a time, oldest first; each patient comes with their first enquiry."""
        rng = self.rng
        arrivals = sorted(self.cal.received(rng) for _ in range(count))
        owners = self._owners(count)
        patient_ids: dict[int, int] = {}
        for start in range(0, count, size):
            rows = self.funnel.rows = Rows()
            for received, owner in zip(arrivals[start:start + size], owners[start:start + size], strict=True):
                channel = CHANNELS.pick(rng)
                patient_id = patient_ids.get(owner)
                returning = patient_id is not None
                if not returning:
                    patient_id = patient_ids[owner] = self._patient(rows, received, channel)
                self._enquiry(rows, patient_id, received, channel, returning)
            strip_working_keys(rows.follow_ups)
            yield rows

    def _owners(self, count: int) -> list[int]:
        """Which patient makes each enquiry, in arrival order: most once, some several times."""
        owners: list[int] = []
        patient = 0
        while len(owners) < count:
            owners.extend([patient] * VISITS.pick(self.rng))
            patient += 1
        del owners[count:]
        self.rng.shuffle(owners)
        return owners

    def _patient(self, rows: Rows, received: int, channel: Channel) -> int:
        """A new patient, first seen through an enquiry on `channel`; their id."""
        rng, people = self.rng, self.people
        patient_id = self.ids.take("patients")
        self.patients += 1
        first, last = people.name()
        email_only = channel in EMAIL_CHANNELS and rng.random() < 0.25
        email = people.email(first, last) if email_only or channel in EMAIL_CHANNELS or rng.random() < 0.45 else None
        phone = None if email_only else people.mobile() if rng.random() < 0.85 else people.landline()
        preferred = ContactMethod.EMAIL if email_only else PREFERRED.pick(rng)
        if preferred is ContactMethod.EMAIL and email is None:
            preferred = ContactMethod.ANY
        consent = rng.random() < 0.35
        at = self.cal.stored(received)
        born = None
        if rng.random() < 0.6:
            age = timedelta(days=int(rng.triangular(18, 60, 27) * 365.25))
            born = self.cal.stored_day(self.cal.day(received) - age)
        if email_only:
            self.email_only.add(patient_id)
        phone_alt = people.landline() if phone and rng.random() < 0.08 else None
        rows.patients.append({
            "id": patient_id, "first_name": first, "last_name": last,
            "name_key": people.key(f"{first} {last}"), "last_name_key": people.key(last),
            "date_of_birth": born, "phone": phone, "phone_alt": phone_alt,
            "phone_reversed": reversed_digits(phone), "phone_alt_reversed": reversed_digits(phone_alt),
            "email": email, "preferred_contact": preferred,
            "preferred_times": choice(rng, PREFERRED_TIMES) if rng.random() < 0.2 else None,
            "marketing_consent": consent, "marketing_consent_at": at if consent else None,
            "marketing_consent_method": CONSENT_BY_CHANNEL.get(channel, ConsentMethod.VERBAL) if consent else None,
            "created_at": at, "updated_at": at, "version": 1,
        })
        return patient_id

    def _enquiry(self, rows: Rows, patient_id: int, received: int, channel: Channel, returning: bool) -> None:
        """An enquiry with its concerns, treatments asked about and history."""
        rng, refs = self.rng, self.refs
        enquiry_id = self.ids.take("enquiries")
        logged_by = choice(rng, refs.reception)
        source = self.returning_source if returning and rng.random() < 0.6 else self.sources[channel]
        concerns = sorted({CONCERNS.pick(rng) for _ in range(CONCERN_COUNT.pick(rng))})
        treatments = sorted({self.treatments.pick(rng) for _ in range(TREATMENT_COUNT.pick(rng))} - {None})
        at = self.cal.stored(received)
        enquiry = {
            "id": enquiry_id, "patient_id": patient_id, "channel": channel, "source_id": source.pick(rng),
            "caller_words": self._words(concerns, treatments) if rng.random() < 0.55 else None,
            "received_at": at, "logged_by_id": logged_by,
            "assigned_to_id": logged_by if rng.random() < 0.7 else choice(rng, refs.reception),
            "stage": Stage.NEW, "first_contacted_at": None, "first_contact_open_seconds": None,
            "lost_from_stage": None, "lost_reason_id": None, **dict.fromkeys(milestones.MILESTONES),
            "lost_note": None, "created_at": at, "updated_at": at, "version": 1, "next_follow_up_at": None,
        }
        rows.enquiries.append(enquiry)
        marks = Marks.of(rows)
        last = self.funnel.follow(enquiry, received, patient_id in self.email_only, concerns)
        first_follow_up = len(rows.follow_ups)
        self.follow_ups.write(rows, enquiry, received, marks)
        # What the rules keep on the enquiry: when its soonest open follow-up falls overdue (None: no next step).
        enquiry["next_follow_up_at"] = min((row["overdue_at"] for row in rows.follow_ups[first_follow_up:]
                                            if row["status"] is FollowUpStatus.OPEN), default=None)
        enquiry["updated_at"] = self.cal.stored(last)
        stage = enquiry["stage"]  # where the funnel left it; the link rows carry it
        rows.enquiry_concerns.extend({"enquiry_id": enquiry_id, "concern": c, "stage": stage} for c in concerns)
        rows.enquiry_treatments.extend({"enquiry_id": enquiry_id, "treatment_id": t, "stage": stage}
                                       for t in treatments)

    def _words(self, concerns: list[Concern], treatments: list[int]) -> str:
        """What the caller said, in reception's shorthand."""
        rng = self.rng
        name = self.refs.treatment_names[treatments[0]] if treatments else "treatment"
        return f"{PHRASES[choice(rng, concerns)]} on {choice(rng, AREAS)}. {choice(rng, ASKS).format(t=name)}"

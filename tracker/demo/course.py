"""Treatment plans for the demo, and their courses of sessions, as the plans feature would have written them.

A plan is proposed by the specialist who saw the patient, with one to three catalogue treatments
suited to the scars found (ablative ones seldom for skin types IV–VI, never within 6 months of
isotretinoin), at the catalogue's sessions, interval and price, each item keeping its treatment's
reflection period. Its course is booked all at once with that specialist: the first session on or
after the reflection date, each next one an interval on, items one after another, never over
another booking in the diary.
"""

import random
from typing import NamedTuple

from tracker.bookings.models import AppointmentKind, AppointmentStatus
from tracker.catalogue.models import TreatmentCategory
from tracker.consultations.models import ScarType
from tracker.demo.chance import Weighted, between, choice
from tracker.demo.clinical import Seen
from tracker.demo.hours import DAY, Calendar, Diary
from tracker.demo.refs import Offered, Refs
from tracker.plans.models import PlanStatus

# First-line treatments per scar type (domain notes: Jacob 2001, Fabbrocini 2010), by catalogue code.
SUITS = {
    ScarType.ICE_PICK: {"tca_cross": 6, "punch_excision": 3},
    ScarType.BOXCAR: {"rf_microneedling": 4, "laser_co2": 4, "non_ablative_laser": 3, "microneedling": 3,
                      "punch_excision": 1, "dermabrasion": 1},
    ScarType.ROLLING: {"subcision": 5, "dermal_filler": 3, "microneedling": 3, "rf_microneedling": 3},
    ScarType.HYPERTROPHIC: {},  # not resurfacing; treated elsewhere
    ScarType.MACULAR: {"chemical_peel": 4, "non_ablative_laser": 3},
}
KNOWN = frozenset(code for weights in SUITS.values() for code in weights)
ADDED_BY_CLINIC = 0.5  # the weight of a treatment the clinic added to the catalogue itself
ITEMS = Weighted({1: 55, 2: 35, 3: 10})
# Combination plans start with release and focal treatments, then fillers, collagen induction, resurfacing.
ORDER = {TreatmentCategory.RELEASE: 0, TreatmentCategory.FOCAL: 1, TreatmentCategory.FILLER: 2,
         TreatmentCategory.COLLAGEN_INDUCTION: 3, TreatmentCategory.RESURFACING: 4, TreatmentCategory.OTHER: 5}
FIRST_PHASE = (TreatmentCategory.RELEASE, TreatmentCategory.FOCAL)
MINUTES = {TreatmentCategory.RELEASE: 45, TreatmentCategory.FOCAL: 30, TreatmentCategory.FILLER: 30,
           TreatmentCategory.COLLAGEN_INDUCTION: 45, TreatmentCategory.RESURFACING: 60, TreatmentCategory.OTHER: 45}
PLAN_NOTES = ("Subcision first; resurfacing once any bruising has settled.", "Test patch at the first session.",
              "Start after the summer holiday, as the patient asked.", "Review progress after the second session.")
SESSION_NOTES = {
    TreatmentCategory.RESURFACING: ("Settings as per protocol; tolerated well.", "Mild erythema afterwards, expected.",
                                    "Topical anaesthetic 45 minutes before; no problems."),
    TreatmentCategory.COLLAGEN_INDUCTION: ("Needle depth 1.5 mm on cheeks, 1.0 mm on temples.",
                                           "Pinpoint bleeding as expected; aftercare explained."),
    TreatmentCategory.FOCAL: ("TCA applied to each scar; frosting seen.", "Wound care explained; no complications."),
    TreatmentCategory.RELEASE: ("Subcision under local anaesthetic; some bruising expected.",),
    TreatmentCategory.FILLER: ("Hyaluronic acid filler; 1 ml used.",),
    TreatmentCategory.OTHER: ("Tolerated well.",),
}
NOTED = 0.6  # sessions done with notes


class Plan(NamedTuple):
    """A demo plan's row and its items' rows (with the treatments they are of), in course order."""

    row: dict
    items: list[tuple[dict, Offered]]
    proposed: int  # the moment the information was given

    @property
    def sessions(self) -> int:
        return sum(item["sessions"] for item, _treatment in self.items)

    @property
    def reflection_ends(self) -> int:
        """Midnight starting the first day a session may be on: information date + the longest reflection period."""
        return (self.proposed // DAY + max(item["reflection_days"] for item, _treatment in self.items)) * DAY


class Session(NamedTuple):
    """A treatment session's appointment row, its start (a demo moment) and length in seconds."""

    row: dict
    start: int
    seconds: int
    category: TreatmentCategory


class Courses:
    """Writes plans, their items and their sessions into `rows`, booking the sessions in the shared diary."""

    def __init__(self, rng: random.Random, calendar: Calendar, diary: Diary, refs: Refs, rows, ids):
        self.rng, self.cal, self.diary, self.refs, self.rows, self.ids = rng, calendar, diary, refs, rows, ids
        self.index = {user_id: index for index, user_id in enumerate(refs.specialists)}
        self._choices: dict[tuple, Weighted] = {}

    def propose(self, enquiry_id: int, specialist: int, consulted: int, moment: int, seen: Seen) -> Plan:
        """Plan 1, drafted after the consultation ended at `consulted` and proposed at `moment` (information given)."""
        rng, cal = self.rng, self.cal
        drafted = max(consulted, moment - between(rng, 5, 20) * 60)
        created = cal.stored(drafted)
        row = {
            "id": self.ids.take("treatment_plans"), "enquiry_id": enquiry_id, "number": 1, "revision": 1,
            "supersedes_id": None, "status": PlanStatus.PROPOSED, "practitioner_id": specialist,
            "created_by_id": specialist, "notes": choice(rng, PLAN_NOTES) if rng.random() < 0.2 else None,
            "info_given_on": cal.stored_day(cal.day(moment)), "proposed_at": cal.stored(moment),
            "decided_on": None, "decline_reason_id": None, "decline_note": None, "consent_by_id": None,
            "consent_on": None, "consent_recorded_at": None, "created_at": created, "updated_at": cal.stored(moment),
            "version": 1,
        }
        self.rows.treatment_plans.append(row)
        treatments = sorted(self._treatments(seen), key=lambda t: ORDER.get(t.category, len(ORDER)))
        first_phase = any(t.category in FIRST_PHASE for t in treatments)
        items = []
        for position, treatment in enumerate(treatments, start=1):
            item = {
                "id": self.ids.take("plan_items"), "plan_id": row["id"], "treatment_id": treatment.id,
                "phase": 2 if first_phase and treatment.category not in FIRST_PHASE else 1, "position": position,
                "areas": seen.areas, "other_areas": None, "sessions": treatment.sessions,
                "interval_weeks": treatment.interval_weeks, "price_pence": treatment.price_pence,
                "reflection_days": treatment.reflection_days, "notes": None, "archived_at": None,
                "created_at": created, "updated_at": created, "version": 1,
            }
            self.rows.plan_items.append(item)
            items.append((item, treatment))
        return Plan(row, items, moment)

    def _treatments(self, seen: Seen) -> list[Offered]:
        """One to three different active treatments, chosen as the specialist would for these findings."""
        key = (tuple(seen.present), seen.predominant, seen.darker, seen.ablative_deferred)
        weighted = self._choices.get(key)
        if weighted is None:
            weighted = self._choices[key] = self._weights(seen)
        rng, chosen = self.rng, []
        wanted = min(ITEMS.pick(rng), len(weighted.values))
        for _ in range(10 * wanted):
            treatment = weighted.pick(rng)
            if treatment not in chosen:
                chosen.append(treatment)
                if len(chosen) == wanted:
                    break
        return chosen

    def _weights(self, seen: Seen) -> Weighted:
        """How likely each offered treatment is for these findings (all alike if none suits)."""
        weights = {}
        for treatment in self.refs.offered:
            weight = sum(SUITS[t].get(treatment.code, 0) * (2 if t is seen.predominant else 1) for t in seen.present)
            if treatment.code not in KNOWN:
                weight = ADDED_BY_CLINIC
            if treatment.ablative and seen.ablative_deferred:
                weight = 0
            elif treatment.ablative and seen.darker:
                weight *= 0.05  # hyperpigmentation risk: non-ablative options first
            weights[treatment] = weight
        if not any(weights.values()):
            weights = dict.fromkeys(self.refs.offered, 1)
        return Weighted(weights)

    def decline(self, plan: Plan, moment: int, reason: int) -> None:
        """The patient declined on the day they were lost, for the same reason."""
        plan.row.update(status=PlanStatus.DECLINED, decided_on=self.cal.stored_day(self.cal.day(moment)),
                        decline_reason_id=reason, updated_at=self.cal.stored(moment))

    def accept(self, plan: Plan, proposed: int, booked: int) -> None:
        """Accepted, with consent taken by the practitioner, at least a day after the information and by `booked`."""
        decided = min(self.cal.later(proposed, self.rng, DAY, max(DAY, booked - proposed)), booked)
        day = self.cal.stored_day(self.cal.day(decided))
        at = self.cal.stored(decided)
        plan.row.update(status=PlanStatus.ACCEPTED, decided_on=day, consent_by_id=plan.row["practitioner_id"],
                        consent_on=day, consent_recorded_at=at, updated_at=at)

    def book(self, plan: Plan, booked: int, desk: int) -> list[Session]:
        """The whole course, booked at `booked` by reception, soonest first (shorter if the calendar ends first)."""
        rng, cal = self.rng, self.cal
        practitioner = plan.row["practitioner_id"]
        index = self.index[practitioner]
        earliest = max(booked + between(rng, 7, 28) * DAY, plan.reflection_ends)
        created = cal.stored(booked)
        sessions, previous, gap = [], None, 0
        for item, treatment in plan.items:
            seconds = MINUTES.get(treatment.category, 45) * 60
            for number in range(1, item["sessions"] + 1):
                if previous is not None:
                    earliest = (previous // DAY + gap * 7 + between(rng, 0, 4)) * DAY
                start = self.diary.book_with(index, earliest, seconds)
                if start is None:
                    return sessions
                row = {
                    "id": self.ids.take("appointments"), "enquiry_id": plan.row["enquiry_id"],
                    "kind": AppointmentKind.TREATMENT_SESSION, "practitioner_id": practitioner,
                    "starts_at": cal.stored(start), "ends_at": cal.stored(start + seconds),
                    "status": AppointmentStatus.BOOKED, "booked_by_id": desk, "status_changed_at": None,
                    "status_changed_by_id": None, "cancel_reason": None, "rebooked_to_id": None,
                    "plan_item_id": item["id"], "session_number": number, "performed_by_id": None,
                    "session_notes": None, "created_at": created, "updated_at": created, "version": 1,
                }
                self.rows.appointments.append(row)
                sessions.append(Session(row, start, seconds, treatment.category))
                previous, gap = start, item["interval_weeks"]
        return sessions

    def done(self, session: Session, end: int) -> None:
        """The session took place, performed by the plan's practitioner, who recorded it as it ended."""
        rng, row = self.rng, session.row
        at = self.cal.stored(end)
        notes = None
        if rng.random() < NOTED:
            notes = choice(rng, SESSION_NOTES.get(session.category, SESSION_NOTES[TreatmentCategory.OTHER]))
        row.update(status=AppointmentStatus.ATTENDED, status_changed_at=at, status_changed_by_id=row["practitioner_id"],
                   performed_by_id=row["practitioner_id"], session_notes=notes, updated_at=at)

    def cancel(self, sessions: list[Session], moment: int, by: int, reason: str) -> None:
        """Sessions called off at `moment`: their slots are free again."""
        at = self.cal.stored(moment)
        for session in sessions:
            row = session.row
            row.update(status=AppointmentStatus.CANCELLED, cancel_reason=reason, status_changed_at=at,
                       status_changed_by_id=by, updated_at=at)
            self.diary.release(self.index[row["practitioner_id"]], session.start, session.seconds)

"""A small clinic whose every report figure the tests work out by hand, built through the real services.

Stages move through tracker.enquiries.services (log_enquiry, stamp_first_contact, move, mark_lost, reopen) with
the times given; the bookings and plans a stage stands for are written as rows, as their services would leave
them (attended consultations, proposed/decided plans). The follow-up rules run on every commit; at the end every
open follow-up is cancelled and the ones the tests count are added by hand, so the Work figures do not depend on
the day the tests run.

Times are UTC; the comments give the clinic's wall clock (Europe/London: BST until 25 Oct 2026 02:00, GMT after;
GMT until 29 Mar 2026 01:00, BST after). Opening hours are the seeded Mon-Fri 09:00-18:00; the target is 2 hours.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from tests.conftest import sign_in
from tracker.bookings.models import Appointment, AppointmentKind, AppointmentStatus
from tracker.catalogue.models import Treatment
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import Channel, Concern, Enquiry
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.followups import services as followups
from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus
from tracker.patients import services as patients
from tracker.patients.services import PatientDetails
from tracker.plans.models import PlanItem, PlanStatus, TreatmentPlan
from tracker.settings.models import Option, OptionKind


def Z(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    """A UTC instant (short, since the data set is written as a table of them)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Clinic:
    """What the data set made: enquiry ids by letter, and the people, options and treatments it used."""

    ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    options: dict[str, int] = field(default_factory=dict)
    treatments: dict[str, int] = field(default_factory=dict)


class _Builder:
    """Writes one enquiry's story through the services, in time order."""

    def __init__(self, clinic: Clinic):
        self.clinic = clinic
        self.phone = iter(range(100, 999))
        self.desk = clinic.users["desk"]

    def enquiry(self, key: str, received: datetime, channel: Channel, *, source: str | None = None,
                treatments: tuple[str, ...] = (), concerns: tuple[Concern, ...] = (),
                assignee: str | None = "desk") -> Enquiry:
        patient = patients.create_patient(PatientDetails(first_name=f"Patient{key}", last_name="Hand",
                                                         phone=f"+447700900{next(self.phone):03d}"))
        details = enquiries.EnquiryDetails(
            channel=channel, received_at=received,
            source=db.session.get(Option, self.clinic.options[source]) if source else None,
            concerns=list(concerns), treatments=[db.session.get(Treatment, self.clinic.treatments[t])
                                                 for t in treatments],
            assigned_to_id=self.clinic.users[assignee] if assignee else None)
        # Logged by the desk, except an unassigned one (a web form: nobody logged it, nobody owns it yet).
        enquiry = enquiries.log_enquiry(patient, details, by_id=self.desk if assignee else None)
        db.session.flush()
        self.clinic.ids[key] = enquiry.id
        return enquiry

    def contact(self, enquiry: Enquiry, at: datetime) -> None:
        enquiries.stamp_first_contact(enquiry, at, by_id=self.desk)

    def move(self, enquiry: Enquiry, stage: Stage, at: datetime) -> None:
        enquiries.move(enquiry, stage, by_id=self.desk, at=at)

    def lose(self, enquiry: Enquiry, reason: str, at: datetime) -> None:
        change = enquiries.mark_lost(enquiry, db.session.get(Option, self.clinic.options[reason]), by_id=self.desk)
        change.at = at

    def reopen(self, enquiry: Enquiry, at: datetime) -> None:
        enquiries.reopen(enquiry, by_id=self.desk).at = at

    def attended(self, enquiry: Enquiry, specialist: str, at: datetime) -> None:
        """A consultation that took place: booked, then marked attended (the move to consulted is separate)."""
        db.session.add(Appointment(enquiry_id=enquiry.id, kind=AppointmentKind.CONSULTATION,
                                   practitioner_id=self.clinic.users[specialist], starts_at=at,
                                   ends_at=at + timedelta(minutes=30), status=AppointmentStatus.ATTENDED,
                                   booked_by_id=self.desk, status_changed_at=at, status_changed_by_id=self.desk))

    def plan(self, enquiry: Enquiry, number: int, status: PlanStatus, items: list[tuple[str, int, int]], *,
             proposed: datetime | None, decided: date | None = None, revision: int = 1,
             supersedes: TreatmentPlan | None = None, removed: list[tuple[str, int, int]] = ()) -> TreatmentPlan:
        """A plan with items (treatment, sessions, price per session in pence); `removed` items are archived."""
        plan = TreatmentPlan(enquiry_id=enquiry.id, number=number, revision=revision, status=status,
                             practitioner_id=self.clinic.users["sam"], created_by_id=self.clinic.users["sam"],
                             info_given_on=proposed.date() if proposed else None, proposed_at=proposed,
                             decided_on=decided, supersedes_id=supersedes.id if supersedes else None)
        db.session.add(plan)
        db.session.flush()
        for archived, rows in ((None, items), (proposed or Z(1, 1), removed)):
            for treatment, sessions, price in rows:
                db.session.add(PlanItem(plan_id=plan.id, treatment_id=self.clinic.treatments[treatment],
                                        sessions=sessions, interval_weeks=4, price_pence=price, reflection_days=14,
                                        archived_at=archived))
        db.session.flush()
        return plan


def _people(make_user) -> Clinic:
    clinic = Clinic()
    for key, role, name in (("desk", "reception", "Desk Person"), ("alice", "reception", "Alice Adams"),
                            ("bea", "reception", "Bea Brown"), ("sam", "specialist", "Sam Stone"),
                            ("tia", "specialist", "Tia Tran")):
        clinic.users[key] = make_user(role, full_name=name).id
        clinic.names[key] = name
    return clinic


def _lists(clinic: Clinic) -> None:
    for option in db.session.scalars(select(Option).where(Option.kind.in_((OptionKind.SOURCE,
                                                                           OptionKind.LOST_REASON)))):
        clinic.options[option.label] = option.id
    for code, key in (("laser_co2", "T1"), ("microneedling", "T2")):
        treatment = db.session.scalar(select(Treatment).where(Treatment.code == code))
        clinic.treatments[key] = treatment.id
        clinic.names[key] = treatment.name


def build_clinic(app, make_user) -> Clinic:
    """The hand-computed data set (see the module docstring, and the expected figures in the tests)."""
    clinic = _people(make_user)
    with app.app_context():
        _lists(clinic)
        b = _Builder(clinic)
        T = PlanStatus

        # A: Thu 1 Oct 10:00 BST; contacted 11:00 (1 open h); the whole way to completed.
        a = b.enquiry("A", Z(10, 1, 9), Channel.PHONE, source="Instagram", treatments=("T1",), assignee="alice")
        b.contact(a, Z(10, 1, 10))
        b.move(a, Stage.CONSULTATION_BOOKED, Z(10, 5, 9))
        b.attended(a, "sam", Z(10, 8, 9))
        b.move(a, Stage.CONSULTED, Z(10, 8, 9))
        b.move(a, Stage.PLAN_PROPOSED, Z(10, 10, 9))
        b.plan(a, 1, T.ACCEPTED, [("T1", 3, 25000)], proposed=Z(10, 10, 9), decided=date(2026, 10, 15))
        b.move(a, Stage.TREATMENT_BOOKED, Z(10, 15, 9))
        b.move(a, Stage.IN_TREATMENT, Z(10, 20, 9))
        b.move(a, Stage.COMPLETED, Z(10, 22, 9))
        db.session.commit()

        # B: Mon 5 Oct 09:30 BST; skips contacted: booked at 12:00 BST (first contact then: 2.5 open h, late);
        # consulted with Tia, then lost (Price).
        e = b.enquiry("B", Z(10, 5, 8, 30), Channel.WEB_FORM, source="Search engine", treatments=("T2",),
                      assignee="bea")
        enquiries.note_first_contact(e, Z(10, 5, 11))  # as booking a consultation stamps it
        b.move(e, Stage.CONSULTATION_BOOKED, Z(10, 5, 11))
        b.attended(e, "tia", Z(10, 12, 9))
        b.move(e, Stage.CONSULTED, Z(10, 12, 9))
        b.lose(e, "Price", Z(10, 14, 9))
        db.session.commit()

        # C: Tue 6 Oct 14:00 BST; contacted 15:00 (1 h); lost (No reply), reopened, moved on to a proposed plan.
        c = b.enquiry("C", Z(10, 6, 13), Channel.PHONE, treatments=("T1", "T2"), concerns=(Concern.BOXCAR,),
                      assignee="alice")
        b.contact(c, Z(10, 6, 14))
        b.lose(c, "No reply", Z(10, 9, 9))
        b.reopen(c, Z(10, 12, 9))
        b.move(c, Stage.CONSULTATION_BOOKED, Z(10, 13, 9))
        b.attended(c, "sam", Z(10, 16, 9))
        b.move(c, Stage.CONSULTED, Z(10, 16, 9))
        b.move(c, Stage.PLAN_PROPOSED, Z(10, 19, 9))
        b.plan(c, 1, T.PROPOSED, [("T2", 2, 15000), ("T1", 1, 40000)], proposed=Z(10, 19, 9),
               removed=[("T2", 5, 10000)])
        db.session.commit()

        # D: Wed 7 Oct 09:00 BST; contacted Thu 09:00 (9 open h, late); consulted (Sam), booked again, consulted
        # again (Tia); plan 1 proposed 21 Oct, revised 23 Oct (v1 superseded), v2 declined 28 Oct: back to consulted.
        d = b.enquiry("D", Z(10, 7, 8), Channel.EMAIL, source="Instagram", treatments=("T2",), assignee="bea")
        b.contact(d, Z(10, 8, 8))
        b.move(d, Stage.CONSULTATION_BOOKED, Z(10, 9, 8))
        b.attended(d, "sam", Z(10, 12, 8))
        b.move(d, Stage.CONSULTED, Z(10, 12, 8))
        b.move(d, Stage.CONSULTATION_BOOKED, Z(10, 14, 8))
        b.attended(d, "tia", Z(10, 19, 8))
        b.move(d, Stage.CONSULTED, Z(10, 19, 8))
        b.move(d, Stage.PLAN_PROPOSED, Z(10, 21, 8))
        first = b.plan(d, 1, T.SUPERSEDED, [("T2", 4, 10000)], proposed=Z(10, 21, 8))
        b.plan(d, 1, T.DECLINED, [("T2", 3, 10000)], proposed=Z(10, 23, 8), decided=date(2026, 10, 28),
               revision=2, supersedes=first)
        b.move(d, Stage.CONSULTED, Z(10, 28, 8))
        db.session.commit()

        # E: Fri 23 Oct 17:00 BST; contacted Mon 26 Oct 10:00 GMT, after the clocks went back:
        # 66 calendar hours (65 on the wall clock), 2 open hours (Fri 17-18, Mon 9-10): within the target.
        e5 = b.enquiry("E", Z(10, 23, 16), Channel.PHONE, source="Search engine", treatments=("T1",),
                       assignee="alice")
        b.contact(e5, Z(10, 26, 10))
        db.session.commit()

        # F: Sun 25 Oct 00:30 BST (Sat 24 Oct 23:30 UTC): a clinic day the 25th; unassigned, never contacted.
        b.enquiry("F", Z(10, 24, 23, 30), Channel.SOCIAL, assignee=None)
        db.session.commit()

        # G: Sat 24 Oct 23:30 BST (22:30 UTC); contacted Mon 26 Oct 09:30 GMT: 35 calendar h, 0.5 open h;
        # booked, then lost from consultation booked with no reason recorded (as imported records can be).
        g = b.enquiry("G", Z(10, 24, 22, 30), Channel.PHONE, assignee="bea")
        b.contact(g, Z(10, 26, 9, 30))
        b.move(g, Stage.CONSULTATION_BOOKED, Z(10, 27, 10))
        b.lose(g, "Other", Z(10, 28, 10))
        g.lost_reason_id = None
        db.session.commit()

        # H: Mon 26 Oct 08:00 GMT; contacted 13:00 (5 calendar h, 4 open h: late); consulted (Tia), plan proposed
        # 30 Oct, accepted 2 Nov, treatment booked 2 Nov, first session 9 Nov.
        h = b.enquiry("H", Z(10, 26, 8), Channel.REFERRAL, source="Instagram", treatments=("T1",), assignee="bea")
        b.contact(h, Z(10, 26, 13))
        b.move(h, Stage.CONSULTATION_BOOKED, Z(10, 27, 9))
        b.attended(h, "tia", Z(10, 29, 9))
        b.move(h, Stage.CONSULTED, Z(10, 29, 9))
        b.move(h, Stage.PLAN_PROPOSED, Z(10, 30, 9))
        b.plan(h, 1, T.ACCEPTED, [("T1", 2, 30000)], proposed=Z(10, 30, 9), decided=date(2026, 11, 2))
        b.plan(h, 2, T.DRAFT, [("T2", 1, 50000)], proposed=None)
        b.move(h, Stage.TREATMENT_BOOKED, Z(11, 2, 9))
        b.move(h, Stage.IN_TREATMENT, Z(11, 9, 9))
        db.session.commit()

        # I: Sat 31 Oct 23:30 GMT and J: Sun 1 Nov 00:30 GMT, an hour apart on either side of the month's end.
        b.enquiry("I", Z(10, 31, 23, 30), Channel.WEB_FORM, assignee="alice")
        j = b.enquiry("J", Z(11, 1, 0, 30), Channel.WEB_FORM, assignee="alice")
        b.contact(j, Z(11, 2, 9, 15))  # 32.75 calendar h, 0.25 open h
        db.session.commit()

        # K: received 15 Oct and taken a long way (consulted with Sam, a plan accepted), then archived: in no figure.
        k = b.enquiry("K", Z(10, 15, 9), Channel.PHONE, source="Instagram", treatments=("T1",), assignee="alice")
        b.contact(k, Z(10, 15, 9, 30))
        b.move(k, Stage.CONSULTATION_BOOKED, Z(10, 15, 10))
        b.attended(k, "sam", Z(10, 15, 11))
        b.move(k, Stage.CONSULTED, Z(10, 15, 11))
        b.move(k, Stage.PLAN_PROPOSED, Z(10, 15, 12))
        b.plan(k, 1, T.ACCEPTED, [("T1", 1, 99900)], proposed=Z(10, 15, 12), decided=date(2026, 10, 16))
        db.session.commit()
        enquiries.archive(k, version=k.version)
        db.session.commit()

        # L: Mon 28 Sep 10:00 BST, before October; booked Thu 1 Oct 10:00 BST, lost (Price) 3 Oct.
        lt = b.enquiry("L", Z(9, 28, 9), Channel.PHONE, source="Instagram", assignee="alice")
        b.contact(lt, Z(9, 28, 9, 30))
        b.move(lt, Stage.CONSULTATION_BOOKED, Z(10, 1, 9))
        b.lose(lt, "Price", Z(10, 3, 9))
        db.session.commit()

        # March 2026, around the clocks going forward (29 Mar 01:00 GMT -> 02:00 BST).
        m1 = b.enquiry("M1", Z(3, 28, 23, 30), Channel.PHONE, assignee="alice")  # Sat 28 Mar 23:30 GMT
        b.contact(m1, Z(3, 30, 8, 30))  # Mon 30 Mar 09:30 BST: 33 calendar h, 0.5 open h
        b.enquiry("M2", Z(3, 29, 0, 30), Channel.SOCIAL, assignee=None)  # Sun 29 Mar 00:30 GMT
        m3 = b.enquiry("M3", Z(3, 29, 23, 30), Channel.EMAIL, assignee="bea")  # Mon 30 Mar 00:30 BST
        b.contact(m3, Z(3, 30, 16))  # Mon 17:00 BST: 16.5 calendar h, 8 open h
        m4 = b.enquiry("M4", Z(3, 27, 17, 30), Channel.PHONE, assignee="alice")  # Fri 27 Mar 17:30 GMT
        b.contact(m4, Z(3, 30, 8, 45))  # Mon 09:45 BST: 63.25 calendar h, 0.5 + 0.75 = 1.25 open h
        db.session.commit()

        _hand_made_follow_ups(clinic)
    return clinic


def _hand_made_follow_ups(clinic: Clinic) -> None:
    """Cancel what the rules made (it depends on the day the tests run), then add the follow-ups counted."""
    for follow_up in db.session.scalars(select(FollowUp).where(FollowUp.status == FollowUpStatus.OPEN)).all():
        followups.cancel(follow_up, reason="Replaced by the test's own follow-ups", version=follow_up.version,
                         by_id=None)
    db.session.commit()
    u = clinic.users
    for key, due, assignee in (("C", date(2026, 11, 2), u["alice"]), ("C", date(2026, 11, 3), u["alice"]),
                               ("D", date(2026, 11, 5), u["alice"]), ("D", date(2026, 11, 5), u["bea"]),
                               ("E", date(2026, 11, 10), None),  # the reception team's
                               ("F", date(2031, 1, 10), u["bea"]),  # not due for years: a next step, not overdue
                               ("M1", date(2026, 4, 1), u["bea"])):
        enquiry = db.session.get(Enquiry, clinic.ids[key])
        followups.add(enquiry, followups.Details(kind=FollowUpKind.CALL_BACK, due_on=due, assigned_to_id=assignee),
                      by_id=u["desk"])
    db.session.commit()


@pytest.fixture
def clinic(app, make_user) -> Clinic:
    """The hand-computed data set, committed."""
    return build_clinic(app, make_user)


@pytest.fixture
def manager(client, make_user):
    """The test client signed in as a manager (who may see reports and every enquiry)."""
    user = make_user("manager", full_name="Mia Manager")
    sign_in(client, user)
    return user


def list_total(client, args: dict[str, str]) -> int:
    """The exact total the enquiry list shows for these arguments (its id="list-total" element)."""
    import re

    response = client.get(f"/enquiries?{urlencode(args)}")
    assert response.status_code == 200, (args, response.status_code)
    found = re.search(r'id="list-total"[^>]*data-total="(\d+)"|data-total="(\d+)"[^>]*id="list-total"',
                      response.get_data(as_text=True))
    assert found, f"no list-total on /enquiries?{urlencode(args)}"
    return int(found.group(1) or found.group(2))

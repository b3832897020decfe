"""The pipeline report's numbers against the hand-made clinic of conftest.py, every figure worked out by hand.

The enquiries (letters as in conftest.py; clinic wall-clock times):
  A  Thu 1 Oct   phone     Instagram      T1     alice  new→contacted→booked→consulted(Sam)→plan→treatment→completed
  B  Mon 5 Oct   web form  Search engine  T2     bea    new→booked (skips contacted)→consulted(Tia)→lost (Price)
  C  Tue 6 Oct   phone     -              T1+T2  alice  contacted→lost (No reply)→reopened→booked→consulted(Sam)→plan
  D  Wed 7 Oct   e-mail    Instagram      T2     bea    contacted→booked→consulted(Sam)→booked→consulted(Tia)→plan
                                                        →consulted (plan v2 declined)
  E  Fri 23 Oct  phone     Search engine  T1     alice  contacted Mon 26 Oct, after the clocks went back
  F  Sun 25 Oct 00:30 BST  social  -      -      nobody new (Sat 24 Oct in UTC)
  G  Sat 24 Oct 23:30 BST  phone   -      -      bea    contacted→booked→lost (no reason recorded)
  H  Mon 26 Oct  referral  Instagram      T1     bea    contacted→booked→consulted(Tia)→plan→treatment 2 Nov→in it
  I  Sat 31 Oct 23:30 GMT  web form              alice  new
  J  Sun 1 Nov 00:30 GMT   web form              alice  contacted
  K  Thu 15 Oct  archived: counted nowhere, though it has an attended consultation and an accepted plan
  L  Mon 28 Sep  phone     Instagram             alice  contacted→booked 1 Oct→lost (Price) 3 Oct
  M1 Sat 28 Mar 23:30 GMT phone alice; M2 Sun 29 Mar 00:30 GMT social nobody; M3 Mon 30 Mar 00:30 BST e-mail bea;
  M4 Fri 27 Mar 17:30 GMT phone alice
"""

from datetime import date

import pytest

from tests.reports.conftest import list_total
from tracker.db import utcnow
from tracker.enquiries.models import Channel, Concern
from tracker.enquiries.stages import Stage
from tracker.reports.dashboard import dashboard
from tracker.reports.filters import ReportFilters

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
DECEMBER = (date(2026, 12, 1), date(2026, 12, 31))
FUNNEL_LABELS = ["Received", "Contacted", "Consultation booked", "Consulted", "Plan proposed", "Treatment booked",
                 "In treatment", "Completed"]


def board(app, days: tuple[date, date], **filters):
    with app.app_context():
        return dashboard(ReportFilters(*days, **filters), utcnow())


def funnel(d) -> list[int]:
    assert [step.label for step in d.funnel] == FUNNEL_LABELS
    assert [step.stage for step in d.funnel] == [None, *[s for s in Stage if s not in (Stage.NEW, Stage.LOST)]]
    return [step.count.n for step in d.funnel]


def rows(found) -> list[tuple[str, int]]:
    return [(row.label, row.count.n) for row in found]


def dims(found) -> list[tuple[str, int, int, int]]:
    return [(r.label, r.received.n, r.consulted.n, r.treatment_booked.n) for r in found]


def trend(d) -> list[tuple]:
    return [(r.label, r.start, r.end, r.received.n, r.consultations.n, r.treatments.n) for r in d.trend.rows]


def test_october_funnel_counts_every_stage_reached_once(app, clinic):
    d = board(app, OCTOBER)
    # Received in October (clinic days 1-31): A B C D E F G H I = 9. Not J (1 Nov 00:30), L (September), K (archived).
    assert d.received.n == 9 and not d.empty
    assert funnel(d) == [
        9,
        7,  # contacted: A C D E G H, and B which skipped it to booked; not F, I (new)
        6,  # consultation booked: A B C D G H (E only contacted)
        5,  # consulted: A B C D H (G lost from booked); D consulted twice counts once; B lost since, still counts
        4,  # plan proposed: A C D H (D's plan was declined since: still counts)
        2,  # treatment booked: A H (H's on 2 Nov, after the range: reaching is not limited to the range)
        2,  # in treatment: A H
        1]  # completed: A
    steps = {step.label: step for step in d.funnel}
    assert steps["Received"].step_rate is None and steps["Received"].overall_rate == 1
    assert steps["Contacted"].step_rate == pytest.approx(7 / 9)
    assert steps["Consultation booked"].step_rate == pytest.approx(6 / 7)
    assert steps["Consulted"].step_rate == pytest.approx(5 / 6)
    assert steps["Plan proposed"].step_rate == pytest.approx(4 / 5)
    assert steps["Treatment booked"].step_rate == pytest.approx(2 / 4)
    assert steps["In treatment"].step_rate == pytest.approx(1)
    assert steps["Completed"].step_rate == pytest.approx(1 / 2)
    assert steps["Consulted"].overall_rate == pytest.approx(5 / 9)
    assert steps["Completed"].overall_rate == pytest.approx(1 / 9)


def test_october_speed_of_first_contact_in_calendar_and_opening_hours(app, clinic):
    s = board(app, OCTOBER).speed
    assert s.target_hours == 2
    # Contacted: A B C D E G H = 7; not: F I = 2.
    assert (s.contacted.n, s.not_contacted.n) == (7, 2)
    # Opening hours (Mon-Fri 09-18) from received to first contact:
    #   A 1 (10:00→11:00), B 2.5 (09:30→12:00), C 1 (14:00→15:00), D 9 (Wed 09:00→Thu 09:00),
    #   E 2 (Fri 17-18 + Mon 09-10 GMT: exactly the target, so within), G 0.5 (weekend closed; Mon 09:00-09:30),
    #   H 4 (Mon 09:00→13:00; 08:00-09:00 was before opening).
    # Within the target (<= 2): A C E G = 4; late: B D H = 3; share of received 4/9.
    assert (s.within_target.n, s.late.n) == (4, 3)
    assert s.within_share == pytest.approx(4 / 9)
    # Calendar hours, sorted: A 1, C 1, B 2.5, H 5, D 24, G 35, E 66 (Fri 16:00Z → Mon 10:00Z across the change).
    # Median: position 0.5*6 = 3 → 5. p90: position 0.9*6 = 5.4 → 35 + 0.4*(66-35) = 47.4.
    assert s.median_hours == pytest.approx(5)
    assert s.p90_hours == pytest.approx(47.4)
    # Opening hours, sorted: 0.5 1 1 2 2.5 4 9. Median 2; p90 at 5.4 → 4 + 0.4*(9-4) = 6.
    assert s.median_open_hours == pytest.approx(2)
    assert s.p90_open_hours == pytest.approx(6)


def test_october_median_days_between_steps(app, clinic):
    intervals = {i.label: (i.count.n, i.median_days) for i in board(app, OCTOBER).intervals}
    assert list(intervals) == ["Enquiry to consultation", "Consultation to plan", "Plan to decision",
                               "Treatment booked to first session"]
    # Received → first consulted: A 7 d, B 7 d 0.5 h, C 9 d 20 h, D 5 d, H 3 d 1 h → sorted middle: A, 7 days.
    n, median = intervals["Enquiry to consultation"]
    assert n == 5 and median == pytest.approx(7)
    # First consulted → first plan proposed: A 2, C 3, D 9 (from its first consultation, 12 Oct), H 1 → 2.5.
    n, median = intervals["Consultation to plan"]
    assert n == 4 and median == pytest.approx(2.5)
    # Plan proposed → first move out of it: A 5 (booked), D 7 (back to consulted), H 3 (2 Nov); C undecided → 5.
    n, median = intervals["Plan to decision"]
    assert n == 3 and median == pytest.approx(5)
    # Treatment booked → in treatment: A 5, H 7 → 6.
    n, median = intervals["Treatment booked to first session"]
    assert n == 2 and median == pytest.approx(6)


def test_october_lost_by_reason_and_by_stage(app, clinic):
    d = board(app, OCTOBER)
    # Lost now: B (Price, from consulted), G (no reason, from consultation booked). C was lost and reopened: not lost.
    # L is lost (Price) but received in September. Ties sort by label.
    assert rows(d.lost_by_reason) == [("No reason given", 1), ("Price", 1)]
    assert rows(d.lost_by_stage) == [("Consultation booked", 1), ("Consulted", 1)]


def test_october_conversion_by_channel_source_specialist_and_treatment(app, clinic):
    d = board(app, OCTOBER)
    # (label, received, consulted, treatment booked); most received first, then by label.
    # Phone A C E G: consulted A C, booked A. Web form B I: consulted B. Then one each, by label.
    assert dims(d.by_channel) == [("Phone", 4, 2, 1), ("Web form", 2, 1, 0), ("E-mail", 1, 1, 0),
                                  ("Referral", 1, 1, 1), ("Social media", 1, 0, 0)]
    assert [r.rate for r in d.by_channel] == pytest.approx([1 / 4, 0, 0, 1, 0])
    # Instagram A D H (booked A H); Search engine B E (consulted B). C F G I have no source: no row.
    assert dims(d.by_source) == [("Instagram", 3, 3, 2), ("Search engine", 2, 1, 0)]
    # Attended consultations: Sam A C D (K archived); Tia B D H. D is in both rows.
    assert dims(d.by_specialist) == [("Sam Stone", 3, 3, 1), ("Tia Tran", 3, 3, 1)]
    # T1 asked about by A C E H; T2 by B C D (C in both).
    assert dims(d.by_treatment) == [(clinic.names["T1"], 4, 3, 2), (clinic.names["T2"], 3, 3, 0)]
    assert [r.rate for r in d.by_treatment] == pytest.approx([2 / 4, 0])


def test_october_trend_by_week_clips_the_first_week_and_counts_bookings_whatever_the_receipt(app, clinic):
    d = board(app, OCTOBER)
    assert d.trend.period == "week"  # 31 days
    # Consultations: moves into consultation booked in the week, by any enquiry passing the filters, once each:
    #   w/c 28/09 L (received in September, booked 1 Oct); w/c 05/10 A B D; w/c 12/10 C, D again (a second booking);
    #   w/c 26/10 G H. Treatments: A on 15 Oct (H's on 2 Nov is after the range).
    assert trend(d) == [
        ("w/c 28/09/2026", date(2026, 10, 1), date(2026, 10, 4), 1, 1, 0),  # A
        ("w/c 05/10/2026", date(2026, 10, 5), date(2026, 10, 11), 3, 3, 0),  # B C D
        ("w/c 12/10/2026", date(2026, 10, 12), date(2026, 10, 18), 0, 2, 1),  # (K archived)
        ("w/c 19/10/2026", date(2026, 10, 19), date(2026, 10, 25), 3, 0, 0),  # E G F (F: 25th in the clinic)
        ("w/c 26/10/2026", date(2026, 10, 26), date(2026, 10, 31), 2, 2, 0)]  # H I


def test_trend_by_month_over_a_long_range_clips_the_first_and_last_month(app, clinic):
    d = board(app, (date(2026, 9, 15), date(2027, 1, 10)))  # 118 days: months
    assert d.trend.period == "month"
    # Consultations in October: L A B C D G H = 7 enquiries (D's two bookings count once).
    assert trend(d) == [
        ("Sep 2026", date(2026, 9, 15), date(2026, 9, 30), 1, 0, 0),  # L
        ("Oct 2026", date(2026, 10, 1), date(2026, 10, 31), 9, 7, 1),  # A
        ("Nov 2026", date(2026, 11, 1), date(2026, 11, 30), 1, 0, 1),  # J; H booked its treatment 2 Nov
        ("Dec 2026", date(2026, 12, 1), date(2026, 12, 31), 0, 0, 0),
        ("Jan 2027", date(2027, 1, 1), date(2027, 1, 10), 0, 0, 0)]
    assert d.received.n == 11  # L, the nine of October, J


def test_a_quarter_is_still_shown_week_by_week(app, clinic):
    d = board(app, (date(2026, 9, 1), date(2026, 12, 2)))  # 93 days
    assert d.trend.period == "week"
    assert d.trend.rows[0].label == "w/c 31/08/2026" and d.trend.rows[0].start == date(2026, 9, 1)
    assert d.trend.rows[-1].label == "w/c 30/11/2026" and d.trend.rows[-1].end == date(2026, 12, 2)
    assert board(app, (date(2026, 9, 1), date(2026, 12, 3))).trend.period == "month"  # 94 days


def test_work_now_is_by_assignee_and_ignores_the_range(app, clinic):
    for days in (OCTOBER, DECEMBER):
        d = board(app, days)
        # Open follow-ups overdue now: C (Alice, twice: one enquiry), D (Alice and Bea), E (the team), M1 (Bea).
        # F's is due in 2031. Ties sort by name, the team's row by its label.
        assert rows(d.overdue_by_assignee) == [("Alice Adams", 2), ("Bea Brown", 2), ("Reception team", 1)]
        # Open, live enquiries: C D E F H I J M1 M2 M3 M4; with an open follow-up: C D E F M1 → H I J M2 M3 M4 = 6.
        assert d.no_next_step.n == 6


def test_october_value_of_plans_proposed_accepted_and_declined(app, clinic):
    value = {v.label: (v.enquiries.n, v.pence) for v in board(app, OCTOBER).value}
    assert list(value) == ["Proposed", "Accepted", "Declined"]
    # Proposed in October, not superseded or draft: A 3x£250, C 2x£150 + 1x£400 (its removed item not counted),
    # D v2 3x£100 (v1 superseded), H 2x£300 (accepted in November, proposed in October); H's draft not.
    assert value["Proposed"] == (4, 75000 + 70000 + 30000 + 60000)
    assert value["Accepted"] == (1, 75000)  # A, 15 Oct (K archived; H decided 2 Nov)
    assert value["Declined"] == (1, 30000)  # D v2, 28 Oct


def test_november_holds_only_what_happened_in_november(app, clinic):
    d = board(app, NOVEMBER)
    assert funnel(d) == [1, 1, 0, 0, 0, 0, 0, 0]  # J, contacted
    s = d.speed
    assert (s.contacted.n, s.within_target.n, s.late.n, s.not_contacted.n) == (1, 1, 0, 0)
    # J: Sun 00:30 → Mon 09:15: 32.75 calendar hours, 0.25 opening hours; one value is its own percentiles.
    assert (s.median_hours, s.p90_hours) == (pytest.approx(32.75), pytest.approx(32.75))
    assert (s.median_open_hours, s.p90_open_hours) == (pytest.approx(0.25), pytest.approx(0.25))
    assert all(i.count.n == 0 and i.median_days is None for i in d.intervals)
    value = {v.label: (v.enquiries.n, v.pence) for v in d.value}
    assert value == {"Proposed": (0, 0), "Accepted": (1, 60000), "Declined": (0, 0)}  # H accepted 2 Nov
    assert trend(d) == [
        ("w/c 26/10/2026", date(2026, 11, 1), date(2026, 11, 1), 1, 0, 0),  # J
        ("w/c 02/11/2026", date(2026, 11, 2), date(2026, 11, 8), 0, 0, 1),  # H's treatment booked
        ("w/c 09/11/2026", date(2026, 11, 9), date(2026, 11, 15), 0, 0, 0),
        ("w/c 16/11/2026", date(2026, 11, 16), date(2026, 11, 22), 0, 0, 0),
        ("w/c 23/11/2026", date(2026, 11, 23), date(2026, 11, 29), 0, 0, 0),
        ("w/c 30/11/2026", date(2026, 11, 30), date(2026, 11, 30), 0, 0, 0)]


@pytest.mark.parametrize("day, channel", [
    (date(2026, 10, 31), "Web form"),  # I, 23:30 GMT: the last hour of October
    (date(2026, 11, 1), "Web form"),  # J, 00:30 GMT: the first hour of November
    (date(2026, 10, 24), "Phone"),  # G, 23:30 BST (22:30 UTC)
    (date(2026, 10, 25), "Social media"),  # F, 00:30 BST: 24 Oct in UTC, the 25th at the clinic (a 25-hour day)
    (date(2026, 10, 26), "Referral"),  # H, the Monday after
    (date(2026, 3, 30), "E-mail"),  # M3, 00:30 BST: 29 Mar in UTC, the 30th at the clinic
])
def test_a_day_is_the_clinics_day_around_month_ends_and_clock_changes(app, clinic, day, channel):
    d = board(app, (day, day))
    assert d.received.n == 1
    assert dims(d.by_channel)[0][:2] == (channel, 1)


def test_days_on_either_side_of_the_clocks_going_forward(app, clinic):
    d = board(app, (date(2026, 3, 28), date(2026, 3, 29)))
    assert d.received.n == 2  # M1 (Sat 23:30 GMT), M2 (Sun 00:30 GMT); not M3 (29 Mar 23:30 UTC = 30 Mar BST)
    assert dims(d.by_channel) == [("Phone", 1, 0, 0), ("Social media", 1, 0, 0)]
    d = board(app, (date(2026, 3, 27), date(2026, 3, 30)))
    s = d.speed
    # M4 Fri 17:30 GMT → Mon 09:45 BST: 63.25 calendar h (the Sunday lost an hour), open 0.5 + 0.75 = 1.25.
    # M1 33 calendar, 0.5 open. M3 16.5 calendar, 8 open. M2 not contacted.
    assert (d.received.n, s.contacted.n, s.within_target.n, s.late.n, s.not_contacted.n) == (4, 3, 2, 1, 1)
    assert s.within_share == pytest.approx(2 / 4)
    # Calendar sorted 16.5 33 63.25: median 33; p90 at 0.9*2 = 1.8 → 33 + 0.8*(63.25-33) = 57.2.
    assert (s.median_hours, s.p90_hours) == (pytest.approx(33), pytest.approx(57.2))
    # Open sorted 0.5 1.25 8: median 1.25; p90 → 1.25 + 0.8*(8-1.25) = 6.65.
    assert (s.median_open_hours, s.p90_open_hours) == (pytest.approx(1.25), pytest.approx(6.65))
    assert trend(d) == [("w/c 23/03/2026", date(2026, 3, 27), date(2026, 3, 29), 3, 0, 0),  # M4 M1 M2
                        ("w/c 30/03/2026", date(2026, 3, 30), date(2026, 3, 30), 1, 0, 0)]  # M3


def test_october_by_phone_only(app, clinic):
    d = board(app, OCTOBER, channel=Channel.PHONE)
    # A C E G.
    assert funnel(d) == [4, 4, 3, 2, 2, 1, 1, 1]
    s = d.speed
    # Open hours A 1, C 1, E 2, G 0.5: all within. Calendar 1 1 35 66: median (1+35)/2 = 18; p90 at 2.7 → 56.7.
    assert (s.within_target.n, s.late.n, s.within_share) == (4, 0, 1)
    assert (s.median_hours, s.p90_hours) == (pytest.approx(18), pytest.approx(56.7))
    assert (s.median_open_hours, s.p90_open_hours) == (pytest.approx(1), pytest.approx(1.7))
    assert rows(d.lost_by_reason) == [("No reason given", 1)]
    # Work, phone enquiries only: C (Alice), E (team), M1 (Bea); open ones without a next step: M4.
    assert rows(d.overdue_by_assignee) == [("Alice Adams", 1), ("Bea Brown", 1), ("Reception team", 1)]
    assert d.no_next_step.n == 1
    value = {v.label: (v.enquiries.n, v.pence) for v in d.value}
    assert value == {"Proposed": (2, 145000), "Accepted": (1, 75000), "Declined": (0, 0)}  # A and C
    # Consultations booked by phone enquiries: L (1 Oct), A, C, G.
    assert [(r.received.n, r.consultations.n, r.treatments.n) for r in d.trend.rows] == [
        (1, 1, 0), (1, 1, 0), (0, 1, 1), (2, 0, 0), (0, 1, 0)]


def test_october_by_specialist_treatment_assignee_source_and_concern(app, clinic):
    ids = clinic.users
    d = board(app, OCTOBER, specialist_id=ids["sam"])
    assert funnel(d) == [3, 3, 3, 3, 3, 1, 1, 1]  # A C D
    assert dims(d.by_specialist) == [("Sam Stone", 3, 3, 1)]  # only the filtered specialist's row
    d = board(app, OCTOBER, treatment_id=clinic.treatments["T2"])
    assert funnel(d)[:4] == [3, 3, 3, 3]  # B C D
    assert rows(d.lost_by_stage) == [("Consulted", 1)]  # B
    assert {v.label: (v.enquiries.n, v.pence) for v in d.value} == {
        "Proposed": (2, 100000), "Accepted": (0, 0), "Declined": (1, 30000)}  # C, D v2: whole plans
    d = board(app, OCTOBER, assignee="none")
    assert (d.received.n, d.speed.not_contacted.n) == (1, 1)  # F
    assert (d.overdue_by_assignee, d.no_next_step.n) == ([], 1)  # F has a next step (due 2031); M2 has none
    assert board(app, OCTOBER, assignee=str(ids["alice"])).received.n == 4  # A C E I
    assert board(app, OCTOBER, source_id=clinic.options["Instagram"]).received.n == 3  # A D H
    assert board(app, OCTOBER, concern=Concern.BOXCAR).received.n == 1  # C


def _every_count_is_zero(d) -> None:
    assert d.received.n == 0 and d.empty
    assert all(step.count.n == 0 and step.step_rate is None and step.overall_rate is None for step in d.funnel)
    s = d.speed
    assert (s.contacted.n, s.not_contacted.n, s.within_target.n, s.late.n) == (0, 0, 0, 0)
    assert (s.within_share, s.median_hours, s.p90_hours, s.median_open_hours, s.p90_open_hours) == (None,) * 5
    assert all(i.count.n == 0 and i.median_days is None for i in d.intervals)
    assert (d.lost_by_reason, d.lost_by_stage) == ([], [])
    assert (d.by_channel, d.by_source, d.by_specialist, d.by_treatment) == ([], [], [], [])
    assert all(r.received.n == r.consultations.n == r.treatments.n == 0 for r in d.trend.rows)
    assert [(v.label, v.enquiries.n, v.pence) for v in d.value] == [("Proposed", 0, 0), ("Accepted", 0, 0),
                                                                     ("Declined", 0, 0)]


def test_a_range_with_no_enquiries_is_all_zeros_and_nones(app, clinic):
    d = board(app, DECEMBER)
    _every_count_is_zero(d)
    assert [r.label for r in d.trend.rows] == ["w/c 30/11/2026", "w/c 07/12/2026", "w/c 14/12/2026",
                                               "w/c 21/12/2026", "w/c 28/12/2026"]
    assert d.no_next_step.n == 6  # the work outstanding is now's, whatever the range


def test_an_empty_clinic_reports_nothing_without_error(app):
    d = board(app, OCTOBER)
    _every_count_is_zero(d)
    assert (d.overdue_by_assignee, d.no_next_step.n) == ([], 0)


def test_the_page_for_an_empty_range_says_no_enquiries(client, clinic, manager):
    response = client.get("/reports/pipeline?preset=custom&start=2026-12-01&end=2026-12-31")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No enquiries" in page and 'data-testid="no-enquiries"' in page


def test_the_page_for_october_shows_the_numbers(client, clinic, manager):
    response = client.get("/reports/pipeline?preset=custom&start=2026-10-01&end=2026-10-31")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="no-enquiries"' not in page
    assert 'data-count="9"' in page  # received, linked to its list


def test_an_overdue_aftercare_check_on_a_completed_enquiry_counts_as_overdue_work(app, clinic, client, login_as):
    from tracker.extensions import db
    from tracker.followups.models import FollowUp, FollowUpKind, FollowUpStatus, Priority
    from tracker.followups.services import overdue_instant

    with app.app_context():
        # An aftercare check outlives its enquiry (rules.RULES): A is completed, its check overdue, Alice's.
        # Written as the aftercare rule writes it (by_rules: the rules do not look at it again).
        follow_up = FollowUp(enquiry_id=clinic.ids["A"], kind=FollowUpKind.AFTERCARE, due_on=date(2026, 11, 4),
                             overdue_at=overdue_instant(date(2026, 11, 4), None), assigned_to_id=clinic.users["alice"],
                             status=FollowUpStatus.OPEN, priority=Priority.NORMAL, rule="aftercare",
                             rule_key="session-0")
        follow_up.by_rules = True
        db.session.add(follow_up)
        db.session.commit()
    # Work is every live enquiry with an overdue open follow-up: aftercare and reviews are work after the course.
    overdue = board(app, OCTOBER).overdue_by_assignee
    assert rows(overdue)[0] == ("Alice Adams", 3)
    login_as("manager")
    assert list_total(client, overdue[0].count.args) == 3

"""The home page counts what is waiting: uncontacted enquiries, the user's own, today's consultations."""

import re
from datetime import timedelta

from tests.builders import read_enquiry
from tracker.bookings.models import Appointment, AppointmentKind
from tracker.clock import clinic_today, local_day_start
from tracker.extensions import db


def _summary(client) -> dict[str, int]:
    page = client.get("/").get_data(as_text=True)
    return {k: int(v) for k, v in re.findall(r'data-testid="summary-([a-z]+)">(\d+)<', page)}


def test_home_counts_uncontacted_mine_and_todays_consultations(app, client, login_as, make_user, make_enquiry):
    me = login_as("reception")
    other = make_user("reception")
    specialist = make_user("specialist")
    mine, theirs = make_enquiry(by_id=me.id), make_enquiry(by_id=other.id)
    make_enquiry(by_id=me.id)
    client.post(f"/enquiries/{mine}/contact", data={"outcome": "reached"})
    archived = make_enquiry(by_id=me.id)
    client.post(f"/enquiries/{archived}/archive", data={"version": read_enquiry(app, archived).version})
    with app.app_context():
        midday = local_day_start(clinic_today()) + timedelta(hours=12)
        for day in (0, 1):  # today and tomorrow
            starts = midday + timedelta(days=day)
            db.session.add(Appointment(enquiry_id=theirs, kind=AppointmentKind.CONSULTATION, starts_at=starts,
                                       practitioner_id=specialist.id, ends_at=starts + timedelta(minutes=30)))
        db.session.commit()
    summary = _summary(client)
    assert {k: summary[k] for k in ("uncontacted", "mine", "consultations")} == {"uncontacted": 2, "mine": 2,
                                                                                  "consultations": 1}


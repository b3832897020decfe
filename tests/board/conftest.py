"""Builders for the board tests: enquiries placed at a stage with the move that put them there."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest

from tracker.db import utcnow
from tracker.enquiries import services as enquiries
from tracker.enquiries.models import Channel, StageChange
from tracker.enquiries.stages import Stage
from tracker.extensions import db
from tracker.patients import services as patients


@pytest.fixture
def place(app) -> Callable:
    """Builder: `n` enquiries at a stage, in one commit; returns their ids, newest received first.

    Each moved into its stage `days_in_stage` days ago (a StageChange, as the services write), received
    an hour apart before that; `first_name` is numbered when n > 1.
    """
    counter = iter(range(1, 100_000))

    def build(stage: Stage = Stage.NEW, n: int = 1, *, first_name: str = "Pat", last_name: str = "Board",
              by_id: int | None = None, assigned_to_id: int | None = None, channel: Channel = Channel.PHONE,
              days_in_stage: float = 0.0, **details) -> list[int]:
        ids = []
        with app.app_context():
            for i in range(n):
                number = next(counter)
                name = f"{first_name}{i + 1}" if n > 1 else first_name
                patient = patients.create_patient(patients.PatientDetails(
                    first_name=name, last_name=last_name, phone=f"+447700900{number % 1000:03d}"))
                entered = utcnow() - timedelta(days=days_in_stage)
                received = entered - timedelta(hours=i + 1)
                enquiry = enquiries.log_enquiry(patient, enquiries.EnquiryDetails(
                    channel=channel, received_at=received, **details), by_id=by_id)
                enquiry.assigned_to_id = assigned_to_id
                if stage is not Stage.NEW:
                    db.session.add(StageChange(enquiry_id=enquiry.id, from_stage=Stage.NEW, to_stage=stage,
                                               at=entered, by_id=by_id))
                    enquiry.stage = stage
                    enquiry.first_contacted_at = entered
                    enquiry.lost_from_stage = Stage.NEW if stage is Stage.LOST else None
                ids.append(enquiry.id)
            db.session.commit()
        return ids

    return build


def column_names(page: str, stage: str) -> list[str]:
    """The patient names on one column's cards, top to bottom."""
    column = page.split(f'data-testid="column-{stage}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'href="/enquiries/\d+">([^<]+)</a>', column)


def column_counts(page: str) -> dict[str, str]:
    """Each column's count as shown ("12", "500+")."""
    return dict(re.findall(r'data-testid="count-([a-z_]+)">([0-9,+]+)<', page))

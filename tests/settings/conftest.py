"""Readers for the settings rows, shared by the behaviour and bad-input tests."""

from collections.abc import Callable

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.settings.models import ClinicSettings, Option, OptionKind

KINDS = list(OptionKind)


def option_row(app, option_id: int) -> dict:
    """Everything stored for one entry, to compare before and after a request."""
    with app.app_context():
        option = db.session.get(Option, option_id)
        return {c.key: getattr(option, c.key) for c in Option.__table__.columns}


def settings_row(app) -> dict:
    with app.app_context():
        settings = db.session.get(ClinicSettings, 1)
        return {c.key: getattr(settings, c.key) for c in ClinicSettings.__table__.columns}


def labels(app, kind: OptionKind) -> list[str]:
    """Every label of a list, retired ones included, in id order."""
    with app.app_context():
        return list(db.session.scalars(select(Option.label).where(Option.kind == kind).order_by(Option.id)))


@pytest.fixture
def make_option(app) -> Callable:
    """Builder: an entry at the end of a list, committed; returns its row as a dict."""
    from tracker.settings import services

    def build(kind: OptionKind = OptionKind.SOURCE, label: str = "Leaflet", active: bool = True) -> dict:
        with app.app_context():
            option = services.add_option(kind, label)
            option.active = active
            db.session.commit()
            option_id = option.id
        return option_row(app, option_id)

    return build

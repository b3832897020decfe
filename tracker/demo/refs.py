"""The clinic's own rows the demo data points at: staff, sources, lost reasons, treatments, settings."""

from dataclasses import dataclass, field
from typing import NamedTuple

import click
from sqlalchemy import select

from tracker.catalogue.models import Treatment, TreatmentCategory
from tracker.demo.chance import Weighted
from tracker.extensions import db
from tracker.settings.models import ClinicSettings, OpeningHours, Option, OptionKind


def by_label(weights: dict[str | None, float], ids: dict[str, int]) -> Weighted:
    """Weights over option labels, as option ids (None stays None).

    A label the clinic has renamed or retired gives its share to every active option alike.
    """
    mapped: dict[int | None, float] = {}
    missing = 0.0
    for label, weight in weights.items():
        if label is None or label in ids:
            key = None if label is None else ids[label]
            mapped[key] = mapped.get(key, 0.0) + weight
        else:
            missing += weight
    for key in ids.values() if missing else ():
        mapped[key] = mapped.get(key, 0.0) + missing / len(ids)
    return Weighted(mapped or {None: 1.0})


class Offered(NamedTuple):
    """A treatment the catalogue offers, with the defaults a plan item starts from."""

    id: int
    code: str
    category: TreatmentCategory
    sessions: int
    interval_weeks: int
    price_pence: int
    reflection_days: int
    ablative: bool


@dataclass(frozen=True)
class Refs:
    """Ids the generated rows refer to, read once before generating."""

    reception: list[int]
    specialists: list[int]
    sources: dict[str, int]  # label → id, active sources
    lost_reasons: dict[str, int]  # label → id, active lost reasons
    treatments: dict[str, int]  # code → id, active treatments
    treatment_names: dict[int, str]
    consultation_seconds: int
    offered: tuple[Offered, ...] = ()  # active treatments, in catalogue order
    # For the follow-ups: the clinic's week as the settings say (weekday → opens, closes in seconds after
    # midnight), the first-contact target, and each treatment's aftercare check (label, from and to days after a
    # session) and review months.
    opening: dict[int, tuple[int, int]] = field(default_factory=dict)
    first_contact_hours: int = 2
    aftercare: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    review_months: dict[int, tuple[int, ...]] = field(default_factory=dict)


def _options(kind: OptionKind) -> dict[str, int]:
    """Label → id of the active options of a list."""
    stmt = select(Option.label, Option.id).where(Option.kind == kind, Option.active.is_(True)).order_by(Option.id)
    return dict(db.session.execute(stmt).tuples().all())


def load_refs(reception: list[int], specialists: list[int]) -> Refs:
    """Read the lists and settings the migration seeded (as an administrator may since have edited them)."""
    lost_reasons = _options(OptionKind.LOST_REASON)
    if not lost_reasons:
        raise click.ClickException("There are no active lost reasons (Settings → Lost reasons); add one first.")
    treatments = db.session.execute(select(
        Treatment.code, Treatment.id, Treatment.name, Treatment.category, Treatment.default_sessions,
        Treatment.default_interval_weeks, Treatment.price_pence, Treatment.reflection_days, Treatment.ablative,
    ).where(Treatment.active.is_(True)).order_by(Treatment.position, Treatment.id))
    rows = treatments.tuples().all()
    follow_up = db.session.execute(select(Treatment.id, Treatment.aftercare_label, Treatment.aftercare_from_days,
                                          Treatment.aftercare_to_days, Treatment.review_months)
                                   .where(Treatment.active.is_(True))).tuples().all()
    settings = db.session.get(ClinicSettings, 1)
    minutes = settings.consultation_minutes if settings else 30
    return Refs(
        reception=reception,
        specialists=specialists,
        sources=_options(OptionKind.SOURCE),
        lost_reasons=lost_reasons,
        treatments={code: id_ for code, id_, *_ in rows},
        treatment_names={id_: name for _code, id_, name, *_ in rows},
        consultation_seconds=max(1, minutes) * 60,
        offered=tuple(Offered(id_, code, category, sessions, weeks, pence, days, ablative)
                      for code, id_, _name, category, sessions, weeks, pence, days, ablative in rows),
        opening=_opening(),
        first_contact_hours=settings.first_contact_hours if settings else 2,
        aftercare={id_: (label, low, low if high is None else high) for id_, label, low, high, _months in follow_up
                   if label and low is not None},
        review_months={id_: tuple(months or ()) for id_, *_aftercare, months in follow_up},
    )


def _seconds(value) -> int:
    return value.hour * 3600 + value.minute * 60


def _opening() -> dict[int, tuple[int, int]]:
    """The days the clinic opens, as the settings say: weekday → (opens, closes) in seconds after midnight."""
    days = db.session.scalars(select(OpeningHours).order_by(OpeningHours.weekday))
    return {day.weekday: (_seconds(day.opens), _seconds(day.closes)) for day in days if day.is_open}

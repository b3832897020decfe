"""SQL the reports share across SQLite and PostgreSQL: time differences, periods, and percentiles from ranks."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Float, case, cast, func, literal, select, union_all

from tracker.extensions import db


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def seconds_between(start, end) -> ColumnElement[float]:
    """Seconds from `start` to `end` (two UTC datetime columns); NULL if either is."""
    if _sqlite():  # stored as ISO text in UTC: julianday reads it
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


def period_of(column, bounds: list[datetime]) -> ColumnElement[int]:
    """The index of the period [bounds[i], bounds[i + 1]) holding `column`; NULL outside them all."""
    whens = [((column >= bounds[0]) & (column < bounds[1]), 0)]
    whens += [(column < bounds[i + 1], i) for i in range(1, len(bounds) - 1)]
    return case(*whens, else_=None) if len(bounds) > 2 else case(whens[0], else_=None)


@dataclass(frozen=True)
class Percentiles:
    """A median and 90th percentile (None: no values)."""

    n: int
    median: float | None
    p90: float | None


QUANTILES = (0.5, 0.9)


def percentiles(metrics: dict[str, object], source) -> dict[str, Percentiles]:
    """The median and 90th percentile of each metric (name → column of `source`), in one statement.

    Linear interpolation between the closest ranks (PostgreSQL's percentile_cont): the values are ranked in
    SQL and only the two ranks around each quantile's position come back, at most four rows per metric.
    """
    parts = [select(literal(name).label("metric"), cast(column, Float).label("value")).select_from(source)
             .where(column.is_not(None)) for name, column in metrics.items()]
    values = union_all(*parts).subquery()
    ranked = select(values.c.metric, values.c.value,
                    func.row_number().over(partition_by=values.c.metric, order_by=values.c.value).label("rank"),
                    func.count().over(partition_by=values.c.metric).label("n")).subquery()
    below = [(ranked.c.n - 1) * round(q * 10) // 10 for q in QUANTILES]  # the 0-based rank at or below
    wanted = [rank for low in below for rank in (low + 1, low + 2)]
    rows = db.session.execute(select(ranked.c.metric, ranked.c.rank, ranked.c.n, ranked.c.value)
                              .where(_any_rank(ranked, wanted))).all()
    found: dict[str, dict[int, float]] = {name: {} for name in metrics}
    counts = dict.fromkeys(metrics, 0)
    for metric, rank, n, value in rows:
        found[metric][rank] = value
        counts[metric] = n
    return {name: Percentiles(counts[name], *(_interpolate(found[name], counts[name], q) for q in QUANTILES))
            for name in metrics}


def _any_rank(ranked, wanted) -> ColumnElement[bool]:
    condition = ranked.c.rank == wanted[0]
    for rank in wanted[1:]:
        condition = condition | (ranked.c.rank == rank)
    return condition


def _interpolate(values: dict[int, float], n: int, q: float) -> float | None:
    """The q-quantile from the values at 1-based ranks around position q * (n - 1)."""
    if n == 0:
        return None
    position = q * (n - 1)
    low = int(position)
    fraction = position - low
    below = values[low + 1]
    return below if fraction == 0 or low + 2 > n else below + fraction * (values[low + 2] - below)

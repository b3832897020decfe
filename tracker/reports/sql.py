"""SQL the reports share across SQLite and PostgreSQL: time differences, periods, and percentiles from ranks.

Report statements are unions of parts of one shape, PART_COLUMNS, so that one statement can compute a
materialised set of rows once and aggregate it several ways.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    String,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from tracker.extensions import db

PART_COLUMNS = ("kind", "key", "label", "a", "b", "c", "value", "value2")


def part(kind: str, key=None, label=None, a=None, b=None, c=None, value=None, value2=None):
    """A select's columns in the shape every part of a report union has (missing ones are NULL)."""
    def typed(column, type_):
        return cast(column, type_) if column is not None else null().cast(type_)

    return (literal(kind).label("kind"), typed(key, String).label("key"), typed(label, String).label("label"),
            typed(a, Integer).label("a"), typed(b, Integer).label("b"), typed(c, Integer).label("c"),
            typed(value, Float).label("value"), typed(value2, Float).label("value2"))


def run(parts) -> dict[str, list]:
    """Run the union of `parts` and group its rows by kind."""
    rows: dict[str, list] = {}
    for row in db.session.execute(union_all(*parts)):
        rows.setdefault(row.kind, []).append(row)
    return rows


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def epoch(column) -> ColumnElement[float]:
    """A UTC datetime column as seconds since 1970 (NULL stays NULL), so that durations are subtractions."""
    if _sqlite():  # stored as ISO text in UTC: julianday reads it
        return (func.julianday(column) - 2440587.5) * 86400.0
    return func.extract("epoch", column)


def period_of(column, bounds: list[datetime]) -> ColumnElement[int]:
    """The index of the period [bounds[i], bounds[i + 1]) holding `column`; NULL outside them all."""
    whens = [((column >= bounds[0]) & (column < bounds[1]), 0)]
    whens += [(column < bounds[i + 1], i) for i in range(1, len(bounds) - 1)]
    return case(*whens, else_=None)


@dataclass(frozen=True)
class Percentiles:
    """A median and 90th percentile (None: no values)."""

    n: int
    median: float | None
    p90: float | None


QUANTILES = (0.5, 0.9)


def percentile_parts(metrics: dict[str, object], source) -> list:
    """Parts that bring back each metric's median and 90th percentile, interpolated between the closest ranks.

    PostgreSQL computes them with percentile_cont (kind "pct": one row per metric). SQLite has no such
    aggregate: there each metric's values are ranked and the (at most four) rows around the quantiles' positions
    come back (kind "rank"); read_percentiles interpolates the same way.
    """
    if not _sqlite():
        median, p90 = QUANTILES
        return [select(*part("pct", literal(name), a=func.count(column),
                             value=func.percentile_cont(median).within_group(column),
                             value2=func.percentile_cont(p90).within_group(column))).select_from(source)
                for name, column in metrics.items()]
    out = []
    for name, column in metrics.items():
        values = select(cast(column, Float).label("value")).select_from(source).where(column.is_not(None)).subquery()
        ranked = select(values.c.value, func.row_number().over(order_by=values.c.value).label("rank"),
                        func.count().over().label("n")).subquery()
        below = [(ranked.c.n - 1) * round(q * 10) // 10 for q in QUANTILES]  # the 0-based rank at or below
        near = or_(*(ranked.c.rank == low + step for low in below for step in (1, 2)))
        out.append(select(*part("rank", literal(name), None, ranked.c.rank, ranked.c.n, None, ranked.c.value))
                   .where(near))
    return out


def read_percentiles(rows: dict, names) -> dict[str, Percentiles]:
    """The median and 90th percentile of each metric, from its "pct" row or its "rank" rows."""
    computed = {row.key: Percentiles(row.a, row.value, row.value2) for row in rows.get("pct", [])}
    if computed:
        return {name: computed.get(name, Percentiles(0, None, None)) for name in names}
    found: dict[str, dict[int, float]] = {name: {} for name in names}
    counts = dict.fromkeys(names, 0)
    for row in rows.get("rank", []):
        found[row.key][row.a] = row.value
        counts[row.key] = row.b
    return {name: Percentiles(counts[name], *(_interpolate(found[name], counts[name], q) for q in QUANTILES))
            for name in names}


def _interpolate(values: dict[int, float], n: int, q: float) -> float | None:
    """The q-quantile from the values at 1-based ranks around position q * (n - 1)."""
    if n == 0:
        return None
    position = q * (n - 1)
    low = int(position)
    fraction = position - low
    below = values[low + 1]
    return below if fraction == 0 or low + 2 > n else below + fraction * (values[low + 2] - below)

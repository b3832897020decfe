"""What My day and the navigation's overdue badge read: open follow-ups by owner and due time, bounded.

Every statement walks the (assigned_to_id, status, overdue_at) index, one range per owner, or the
(status, overdue_at) index for everyone's, and stops after a cap: My day costs the same with a hundred
follow-ups as with three hundred thousand. Rows are chosen by id first, then read with their enquiry,
patient and assignee in the same statement.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from tracker.auth.models import User
from tracker.clock import format_since, local_day_end, local_day_start
from tracker.db import utcnow
from tracker.enquiries.models import Enquiry
from tracker.extensions import db
from tracker.followups.models import FollowUp, FollowUpStatus
from tracker.followups.services import TEAM
from tracker.permissions import Role

SECTION_ROWS = 50  # rows shown per section (a day's work, and more); the heading says "showing 50 of N"
COUNT_CAP = 500  # a section counts this far and then says "500+"
BADGE_CAP = 99  # the navigation badge says "99+" beyond this
PEOPLE_CAP = 500
EVERYONE = "all"
SECTIONS = (("overdue", "Overdue"), ("today", "Due today"), ("week", "Next 7 days"))
MAX_PAGE = -(-COUNT_CAP // SECTION_ROWS)  # a section pages as far as it counts: 10 pages of 50


def sees_everyone(user) -> bool:
    """Managers (whoever reads the reports) see everyone's follow-ups, filterable by person."""
    return user.can("reports.view")


def includes_team(user) -> bool:
    """Reception picks up the team's unassigned follow-ups as well as their own."""
    return user.role is Role.RECEPTION


def own_owners(user) -> tuple[int | None, ...]:
    """The owners of the user's own queue: themselves, and the reception team (None) for reception."""
    return (user.id, None) if includes_team(user) else (user.id,)


@dataclass(frozen=True)
class Scope:
    """Whose follow-ups My day shows: `owners` (None in it: the team), or everyone's when owners is None."""

    person: str  # the Person filter's value: "all", "team", a user id; "" for a user's own queue
    owners: tuple[int | None, ...] | None
    others: bool  # showing other people's: each row names its owner


def people() -> list[User]:
    """The Person filter's users: active ones first, then by name (bounded)."""
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.full_name, User.id)
                                   .limit(PEOPLE_CAP)))


def scope_for(user, person: str | None, staff: list[User] | None) -> Scope:
    """The scope a request asks for: a manager's `person` choice (default everyone), else the user's own."""
    if staff is None:  # not a manager: any person= is ignored
        return Scope("", own_owners(user), others=False)
    if person == TEAM:
        return Scope(TEAM, (None,), others=True)
    if person and person.isascii() and person.isdigit() and any(str(u.id) == person for u in staff):
        return Scope(person, (int(person),), others=True)
    return Scope(EVERYONE, None, others=True)


def _section_conditions(section: str, now: datetime, today: date | None) -> list:
    """A section as a range of overdue_at (what the indexes hold), held to its exact due dates."""
    if section == "overdue":
        return [FollowUp.overdue_at <= now]
    if section == "today":
        return [FollowUp.overdue_at > now, FollowUp.overdue_at <= local_day_end(today), FollowUp.due_on == today]
    first, last = today + timedelta(days=1), today + timedelta(days=7)
    return [FollowUp.overdue_at >= local_day_start(first), FollowUp.overdue_at <= local_day_end(last),
            FollowUp.due_on >= first, FollowUp.due_on <= last]


def _owned(stmt: Select, owner: int | None) -> Select:
    return stmt.where(FollowUp.assigned_to_id.is_(None) if owner is None else FollowUp.assigned_to_id == owner)


def _ranges(owners: tuple[int | None, ...] | None, conditions: list, *columns) -> list[Select]:
    """One statement per owner, each reading one index range."""
    base = select(*columns).where(FollowUp.status == FollowUpStatus.OPEN, *conditions)
    return [base] if owners is None else [_owned(base, owner) for owner in owners]


def _capped_count(part: Select, cap: int):
    """How many rows `part` has, counting no further than cap + 1 (in any order: a count needs none)."""
    return select(func.count()).select_from(part.limit(cap + 1).subquery()).scalar_subquery()


@dataclass(frozen=True)
class Tally:
    """A count that stopped at a cap: shown as "500+" when there are more."""

    n: int
    more: bool = False

    def __str__(self) -> str:
        return f"{self.n:,}{'+' if self.more else ''}"


def _tally(counts: list[int], cap: int) -> Tally:
    """The tally of counts each taken up to cap + 1 rows, itself held to the cap."""
    total = sum(counts)
    return Tally(min(total, cap), more=total > cap)


def overdue_count(owners: tuple[int | None, ...], now: datetime | None = None) -> Tally:
    """How many of these owners' open follow-ups are overdue now, up to BADGE_CAP (one indexed statement)."""
    parts = _ranges(owners, _section_conditions("overdue", now or utcnow(), None), FollowUp.overdue_at)
    counts = db.session.execute(select(*(_capped_count(p, BADGE_CAP) for p in parts))).one()
    return _tally(list(counts), BADGE_CAP)


@dataclass
class Row:
    """One follow-up on My day, with what the page says about it."""

    follow_up: FollowUp
    section: str
    overdue_by: str | None  # "2 days overdue"; None when not overdue
    in_badge: bool  # counted in the signed-in user's navigation badge


@dataclass
class Section:
    """One of My day's sections: its rows (at most SECTION_ROWS) and how many there are in all."""

    key: str
    title: str
    total: Tally
    rows: list[Row] = field(default_factory=list)
    page: int = 1

    @property
    def first(self) -> int:
        """The position of the first row shown (1 on the first page)."""
        return (self.page - 1) * SECTION_ROWS + 1

    @property
    def truncated(self) -> bool:
        return self.total.more or self.total.n > len(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """More rows after this page, within what the section counts (and pages) to."""
        return self.page < MAX_PAGE and (self.total.more or self.total.n > (self.page - 1) * SECTION_ROWS
                                          + len(self.rows))


def page_of(value: str | None) -> int:
    """A section's page number from the query string: 1 when missing or unreadable, at most MAX_PAGE."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 4:
        return 1
    return min(max(int(value), 1), MAX_PAGE)


def _counts(owners: tuple[int | None, ...] | None, conditions: dict[str, list]) -> dict[str, Tally]:
    """Each section's count, up to COUNT_CAP (one statement: a capped count per section and owner)."""
    columns = [_capped_count(part, COUNT_CAP).label(f"{key}_{n}") for key, _ in SECTIONS
               for n, part in enumerate(_ranges(owners, conditions[key], FollowUp.overdue_at))]
    counted = db.session.execute(select(*columns)).one()._mapping
    return {key: _tally([n for name, n in counted.items() if name.startswith(f"{key}_")], COUNT_CAP)
            for key, _ in SECTIONS}


def _first_ids(key: str, owners: tuple[int | None, ...] | None, conditions: list, page: int = 1) -> Select:
    """A page of a section's ids (SECTION_ROWS of them), soonest overdue first: each owner's range stops at the
    page's end (at most COUNT_CAP rows), then they merge and the page is cut from the merge."""
    end = page * SECTION_ROWS
    parts = [part.order_by(FollowUp.overdue_at, FollowUp.id).limit(end).subquery() for part in _ranges(
        owners, conditions, literal(key).label("section"), FollowUp.id.label("id"), FollowUp.overdue_at)]
    merged = parts[0] if len(parts) == 1 else union_all(*(select(part) for part in parts)).subquery()
    first = (select(merged.c.section, merged.c.id).order_by(merged.c.overdue_at, merged.c.id)
             .offset(end - SECTION_ROWS).limit(SECTION_ROWS).subquery())
    return select(first.c.section, first.c.id)


def my_day(scope: Scope, user, now: datetime, today: date, pages: dict[str, int] | None = None) -> list[Section]:
    """Overdue, due today and the next 7 days for a scope, each at its page (`pages`, default the first): two
    statements, whatever the rows."""
    pages = pages or {}
    conditions = {key: _section_conditions(key, now, today) for key, _ in SECTIONS}
    sections = {key: Section(key, title, total, page=pages.get(key, 1)) for (key, title), total in
                zip(SECTIONS, _counts(scope.owners, conditions).values(), strict=True)}
    ids = union_all(*(_first_ids(key, scope.owners, conditions[key], sections[key].page)
                      for key, _ in SECTIONS)).subquery()
    stmt = (select(ids.c.section, FollowUp).join(ids, ids.c.id == FollowUp.id)
            .options(joinedload(FollowUp.enquiry).joinedload(Enquiry.patient), joinedload(FollowUp.assigned_to))
            .order_by(FollowUp.overdue_at, FollowUp.id))
    badge_owners = own_owners(user)
    for key, follow_up in db.session.execute(stmt):
        overdue = key == "overdue"
        lateness = f"{format_since(follow_up.overdue_at, now)} overdue" if overdue else None
        sections[key].rows.append(Row(follow_up, key, lateness, overdue and follow_up.assigned_to_id in badge_owners))
    return list(sections.values())

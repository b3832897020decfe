"""Paging through long lists with a page number taken safely from the query string."""

from collections.abc import Callable

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, false, func, select

from tracker.extensions import db

MAX_PAGE = 100_000  # far past any real list; keeps OFFSET inside a 64-bit integer


def page_number() -> int:
    """The requested page, 1 when missing or unreadable, never beyond MAX_PAGE."""
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE)


def none_of(stmt: Select) -> Select:
    """The statement matching no row: a list whose filter was refused shows nothing, not everything."""
    return stmt.where(false())


def paginate(stmt: Select, per_page: int, total: int | None = None, *, depth: int | None = None) -> Pagination:
    """One page of a query's results, with its total count (counted by a query unless given).

    With a depth, the count stops at depth + 1 rows and the pages at depth rows: `page.more`
    then says there are more than `page.total`, and no page reads past the depth.
    """
    if depth is not None:
        counted = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).limit(depth + 1).subquery()))
        page = paginate_window(
            lambda offset, limit: db.session.scalars(stmt.offset(offset).limit(limit)).unique().all(),
            per_page, min(counted, depth))
        page.more = counted > depth
        return page
    page = db.paginate(stmt, page=page_number(), per_page=per_page, error_out=False, count=total is None)
    if total is not None:
        page.total = total
    page.more = False
    return page


class _WindowPagination(Pagination):
    """A page whose rows a function reads, for statements that place their own LIMIT and OFFSET."""

    def _query_items(self) -> list:
        # Never past the total: a list that stops at a depth shows no row beyond it.
        left = self._query_args["total"] - self._query_offset
        return self._query_args["fetch"](self._query_offset, max(0, min(self.per_page, left)))

    def _query_count(self) -> int:
        return self._query_args["total"]


def paginate_window(fetch: Callable[[int, int], list], per_page: int, total: int) -> Pagination:
    """One page of `total` rows, read by fetch(offset, limit); a page past the end is the last page."""
    number = min(page_number(), max(1, -(-total // per_page)))
    return _WindowPagination(page=number, per_page=per_page, max_per_page=None, error_out=False,
                             fetch=fetch, total=total)

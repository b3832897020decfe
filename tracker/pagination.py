"""Paging through long lists with a page number taken safely from the query string."""

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from tracker.extensions import db

MAX_PAGE = 100_000  # far past any real list; keeps OFFSET inside a 64-bit integer


def page_number() -> int:
    """The requested page, 1 when missing or unreadable, never beyond MAX_PAGE."""
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE)


def paginate(stmt: Select, per_page: int, total: int | None = None) -> Pagination:
    """One page of a query's results, with its total count (counted by a query unless given)."""
    page = db.paginate(stmt, page=page_number(), per_page=per_page, error_out=False, count=total is None)
    if total is not None:
        page.total = total
    return page

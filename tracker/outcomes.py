"""One refusal path for every form: run the service call, then commit, flash and redirect, or say why and re-render."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect
from werkzeug.wrappers import Response

from tracker.errors import ConflictError, ServiceError
from tracker.extensions import db


@dataclass
class Outcome:
    """What a submitted change came to: the redirect once saved (or refused with `back`), else the status to
    draw the form again with; `result` is what the call returned, `error` what refused it."""

    response: Response | None = None
    status: int = 200
    result: Any = None
    error: Exception | None = None


def refused(form, error: Exception, *, fields: dict | Callable | None = None) -> int:
    """Undo the attempt and show why: a conflict above the form (409), a rule beside `form[error.field]` if the
    form has it, else above the form (200); the status. `fields` maps a service's field names to the form's
    (a dict, or a function of the error, called after the rollback)."""
    db.session.rollback()
    if isinstance(error, ConflictError):
        form.form_errors.append(error.message)
        return 409
    name = error.field if fields is None else fields(error) if callable(fields) else fields.get(error.field)
    (form[name].errors if name is not None and name in form else form.form_errors).append(str(error))
    return 200


def _value(given, result):
    return given(result) if callable(given) else given


def submit(form, call: Callable[[], Any], *, done, to, back: str | None = None, alert: str = "danger",
           said: Callable[[Exception], str] = str, fields: dict | Callable | None = None) -> Outcome:
    """Run `call()`. Saved: commit, flash `done` (None: nothing) and redirect to `to`; either may be a function
    of what the call returned, and both are read before the commit (which expires every ORM object).

    Refused: refused(form, error) and an Outcome without a response, so the view draws the form again; with
    `back` (a URL) the rule's message, `said(error)`, is flashed as `alert` and the answer redirects there
    (a ConflictError then goes on to the 409 page).
    """
    try:
        result = call()
    except (ServiceError, ConflictError) as error:
        if back is None:
            return Outcome(status=refused(form, error, fields=fields), error=error)
        if isinstance(error, ConflictError):
            raise
        db.session.rollback()
        flash(said(error), alert)
        return Outcome(redirect(back), error=error)
    message, target = _value(done, result), _value(to, result)
    db.session.commit()
    if message is not None:
        flash(message, "success")
    return Outcome(redirect(target), result=result)

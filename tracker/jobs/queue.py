"""The task queue: one Huey instance whose storage one setting chooses, tasks that run inside the app, and work
handed over only once the transaction that asked for it commits."""

import logging
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tracker.extensions import db

log = logging.getLogger("tracker.jobs")

_HANDED = "jobs_handed_over"  # session.info: the calls to queue when the transaction commits


class QueueUnavailable(RuntimeError):
    """The queue's storage cannot be reached: nothing that needs it is saved (the request answers 503)."""


# The storage is set by init_app from the settings; until then (and in memory:// mode) tasks run where handed over.
queue: Huey = MemoryHuey("tracker", results=False, immediate=True)
_app: list[Flask] = []  # the app the worker's threads run tasks in (the latest bound)


def default_url(app: Flask) -> str:
    """A SQLite file beside a SQLite database (tracker.db → tracker-queue.db), else instance/queue.db."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return f"sqlite:///{database.with_name(database.stem + '-queue.db')}"
    return f"sqlite:///{Path(app.instance_path) / 'queue.db'}"


def _storage(url: str, name: str) -> Huey:
    """A Huey instance of the storage the URL names (only its storage and mode are kept)."""
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        return MemoryHuey(name, results=False, immediate=True)
    if scheme == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, results=False, filename=str(path), timeout=10)
    if scheme in ("redis", "rediss", "unix"):
        return RedisHuey(name, results=False, url=url)
    raise ValueError(f"TASK_QUEUE_URL must start with sqlite:///, redis:// or memory://, not {url!r}")


def init_app(app: Flask) -> None:
    """Point the queue at the storage TASK_QUEUE_URL names (a SQLite file beside the database when unset)."""
    url = app.config.get("TASK_QUEUE_URL") or default_url(app)
    app.config["TASK_QUEUE_URL"] = url
    app.extensions["tracker.queue"] = _storage(url, app.config["TASK_QUEUE_NAME"])
    _bind(app)
    if not event.contains(Session, "after_commit", _send_handed_over):
        event.listen(Session, "after_commit", _send_handed_over)
        event.listen(Session, "after_transaction_end", _forget_handed_over)


def _bind(app: Flask) -> None:
    chosen = app.extensions["tracker.queue"]
    if queue.storage is not chosen.storage:
        queue.name, queue.storage, queue._immediate = chosen.name, chosen.storage, chosen.immediate
    _app[:] = [app]


def bound() -> Huey:
    """The queue, on the current app's storage (one process may hold several apps: the tests do)."""
    if has_app_context():
        _bind(current_app._get_current_object())
    return queue


def in_process() -> bool:
    """memory://: each task runs in the process that hands it over (no worker)."""
    return bound().immediate


def reachable() -> bool:
    """Whether the queue's storage answers."""
    try:
        bound().storage.queue_size()
    except Exception as error:
        log.warning("the task queue does not answer: %s", error)
        return False
    return True


def task(name: str, **options) -> Callable[[Callable], TaskWrapper]:
    """A queue task that runs in an application context of its own (its own database session), named so that a
    message outlives a renamed module."""
    def decorate(fn: Callable) -> TaskWrapper:
        @wraps(fn)
        def in_app(*args, **kwargs):
            app = current_app._get_current_object() if has_app_context() else _app[0]
            with app.app_context():
                return fn(*args, **kwargs)
        return queue.task(name=name, **options)(in_app)
    return decorate


def periodic(name: str, when) -> Callable[[Callable], TaskWrapper]:
    """A task every worker's scheduler starts when `when` (a huey crontab) matches."""
    def decorate(fn: Callable) -> TaskWrapper:
        @wraps(fn)
        def in_app():
            with _app[0].app_context():
                return fn()
        return queue.periodic_task(when, name=name)(in_app)
    return decorate


def hand_over(call: TaskWrapper, *args) -> None:
    """Queue `call(*args)` once the session's transaction commits (never for work that is then rolled back).

    QueueUnavailable at once if the queue does not answer, so the caller's request can say so and save nothing.
    """
    if not in_process() and not reachable():
        raise QueueUnavailable("The task queue cannot be reached.")
    db.session().info.setdefault(_HANDED, []).append((call, args))


def send(call: TaskWrapper, *args) -> bool:
    """Queue a call now; False (logged) if the queue refuses it: the recovery sweep sends it again."""
    bound()
    try:
        call(*args)
    except Exception:
        log.exception("could not queue %s%s", call.name, args)
        return False
    return True


def _send_handed_over(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the real commit is still to come
        return
    for call, args in session.info.pop(_HANDED, []):
        send(call, *args)


def _forget_handed_over(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HANDED, None)

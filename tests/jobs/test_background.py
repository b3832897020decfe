"""Background jobs in memory:// mode: handed over when the request commits, run once, failed plainly."""

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.jobs import background
from tracker.jobs.models import Job, JobStatus

ran: list[int] = []  # the jobs the counting handler ran, in order


@background.handler("test.count")
def _count(job: Job, progress: background.Progress) -> None:
    progress.total_is(job.params["rows"])
    for _ in range(job.params["rows"]):
        progress.advance()
    ran.append(job.id)
    job.message = f"Counted {job.params['rows']} rows."


@background.handler("test.gone")
def _gone(job: Job, _progress: background.Progress) -> None:
    raise background.Gone("The upload was removed before the import ran.")


def _start(app, kind: str, key: str, by_id: int, **params) -> int:
    with app.app_context():
        job = background.start(kind, key, "A test job", by_id=by_id, params=params)
        db.session.commit()  # the job runs now (memory://), in a session of its own
        return job.id


def test_a_job_runs_once_its_request_commits_and_asking_again_makes_no_second_job(app, make_user):
    user = make_user("manager")
    ran.clear()
    first = _start(app, "test.count", "count:1", user.id, rows=3)
    again = _start(app, "test.count", "count:1", user.id, rows=3)
    with app.app_context():
        job = db.session.get(Job, first)
        assert (job.status, job.done, job.total, job.message) == (JobStatus.DONE, 3, 3, "Counted 3 rows.")
        assert db.session.scalar(select(func.count()).select_from(Job)) == 1
    assert again == first
    assert ran == [first]


def test_a_job_rolled_back_with_its_request_never_runs(app, make_user):
    user = make_user("manager")
    ran.clear()
    with app.app_context():
        background.start("test.count", "count:2", "A test job", by_id=user.id, params={"rows": 1})
        db.session.rollback()
        db.session.commit()  # a later commit in the same session hands nothing over
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert ran == []


def test_a_job_whose_input_went_away_fails_with_the_reason(app, make_user):
    user = make_user("manager")
    job_id = _start(app, "test.gone", "gone:1", user.id)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status is JobStatus.FAILED
        assert job.message == "The upload was removed before the import ran."
        assert job.attempts == 1


def test_a_job_for_someone_deactivated_since_is_not_run(app, make_user):
    user = make_user("manager")
    ran.clear()
    with app.app_context():
        db.session.get(type(user), user.id).active = False
        db.session.commit()
    job_id = _start(app, "test.count", "count:3", user.id, rows=1)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status is JobStatus.FAILED and "no longer has an active account" in job.message
    assert ran == []

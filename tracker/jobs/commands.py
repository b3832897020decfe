"""flask worker: runs the queued and scheduled work (make run starts one beside the web server)."""

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.jobs.queue import in_process, queue


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Tasks run at once (default TASK_WORKERS).")
@with_appcontext
def worker_command(threads: int | None) -> None:
    """Run queued tasks and the scheduled jobs until stopped (Ctrl-C or SIGTERM finish the running tasks)."""
    if in_process():
        raise click.UsageError("TASK_QUEUE_URL is memory://: tasks run where they are handed over, not by a worker.")
    huey_log = logging.getLogger("huey")  # the consumer's own lines, in the tracker's format
    huey_log.handlers[:] = logging.getLogger("tracker").handlers
    huey_log.setLevel(logging.INFO)
    huey_log.propagate = False
    url = current_app.config["TASK_QUEUE_URL"]
    click.echo(f"Worker: {threads or current_app.config['TASK_WORKERS']} thread(s), queue {url.split('@')[-1]}")
    # SIGTERM (a service manager's stop, a deploy) lets running tasks finish first; SIGINT (Ctrl-C) stops at once,
    # and what it cut short is run again by the sweep.
    consumer = queue.create_consumer(workers=threads or current_app.config["TASK_WORKERS"], worker_type="thread",
                                     periodic=True, check_worker_health=True, flush_locks=False,
                                     graceful_signal="TERM")
    consumer.run()

"""`make bench`: seed each size, time every page in-process, load gunicorn at the largest size, report."""

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bench import api
from bench.client import sign_in
from bench.databases import ROOT, Seeded, migrate_and_seed, scratch_database
from bench.export import measure_export
from bench.pages import EXPORT, FLOOR, LOAD_ROUTES, PAGES
from bench.report import growth, machine, save, table
from bench.samples import Samples, find_samples
from bench.server import WORKERS, gunicorn
from bench.settings import BenchError, Settings
from bench.timing import bench_app, measure_pages, routed
from tracker.extensions import db


def say(message: str) -> None:
    """Progress, on stderr: stdout holds only the table and the JSON line."""
    print(message, file=sys.stderr, flush=True)


def _load(settings: Settings, seeded: Seeded, samples: Samples, port: int) -> tuple[dict, dict]:
    """Run the load client process against the server; its results and the URLs it loaded."""
    urls = {route: build(samples) for route, (build, _) in LOAD_ROUTES.items()}
    email, password = seeded.accounts["reception"]
    job = {"port": port, "email": email, "password": password, "seconds": settings.load_seconds,
           "concurrency": settings.concurrency,
           "routes": {route: [urls[route], signed_in] for route, (_, signed_in) in LOAD_ROUTES.items()}}
    timeout = 120 + len(urls) * settings.load_seconds * 2
    done = subprocess.run([sys.executable, "-m", "bench.load"], input=json.dumps(job), capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout, check=False)
    if done.returncode != 0:
        raise BenchError(f"the load client failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1]), urls


def _under_gunicorn(settings: Settings, seeded: Seeded, samples: Samples, export_url: str | None,
                    workdir: Path, api_key: str) -> tuple[dict, dict | None, dict]:
    """Throughput of each load route and the floor, the export's time and memory, and the intake API's
    enquiries per second, on one gunicorn."""
    log_path = workdir / "gunicorn.log"
    with gunicorn(seeded.url, log_path) as server:
        say(f"  load: {', '.join(LOAD_ROUTES)} for {settings.load_seconds:g} s each")
        loaded, urls = _load(settings, seeded, samples, server.port)
        export = None
        if export_url:
            say(f"  export: {export_url}")
            role = next(page.role for page in PAGES if page.name == EXPORT)
            export = measure_export(server, export_url, sign_in(server.port, *seeded.accounts[role]))
        requests = api.SMOKE_REQUESTS if settings.smoke else api.REQUESTS
        say(f"  api: {requests} enquiries through POST /api/v1/enquiries")
        intake = api.measure_api(server.port, api_key, requests, settings.concurrency)
    floor = loaded[FLOOR]["rps"]
    throughput = {route: {"rps": row["rps"], "ratio_to_floor": round(row["rps"] / floor, 4) if floor else None,
                          "errors": row["errors"]} for route, row in loaded.items()}
    for route, row in loaded.items():
        if row["errors"]:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-5:])
            say(f"bench: {route} had {row['errors']} non-200 answers {row['error_statuses']}; "
                f"gunicorn log ends:\n{tail}")
    return throughput, export, {"workers": WORKERS, "concurrency": settings.concurrency,
                                "seconds": settings.load_seconds, "urls": urls, "api": intake}


@dataclass
class _Measured:
    """What one size gave: seeding time, page results, their roles and URLs, pages skipped, and the server part."""

    seed_s: float
    pages: dict[str, dict]
    roles: dict[str, str]
    urls: dict[str, str]
    skipped: list[str]
    server: tuple[dict, dict | None, dict] | None = None


def _measure_size(settings: Settings, size: int, workdir: Path, log: TextIO) -> _Measured:
    """Seed a scratch database with `size` enquiries and time its pages; at the largest size, load gunicorn too."""
    with scratch_database(settings, size, workdir) as url:
        say(f"{size:,} enquiries on {settings.database}: migrating and seeding")
        seeded = migrate_and_seed(url, size)
        say(f"  seeded in {seeded.seed_seconds:.1f} s; timing pages, {settings.requests} requests each")
        app = bench_app(url, log)
        try:
            samples = find_samples(app)
            results, skipped = measure_pages(app, samples, seeded.accounts, settings.requests, say)
            api_key = api.make_key(app) if size == max(settings.sizes) else ""
        finally:
            with app.app_context():
                db.engine.dispose()
        measured = [page for page in PAGES if page.name in results]
        done = _Measured(round(seeded.seed_seconds, 2), {p.name: results[p.name].as_json() for p in measured},
                         {p.name: p.role for p in measured}, {p.name: p.url(samples) for p in measured}, skipped)
        if size == max(settings.sizes):
            export_url = next(page.url(samples) for page in PAGES if page.name == EXPORT)
            if not routed(app, export_url):
                export_url = None
            done.server = _under_gunicorn(settings, seeded, samples, export_url, workdir, api_key)
    return done


def run(settings: Settings) -> tuple[dict, str]:
    """Measure every size; the JSON result and the table."""
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as tmp, (Path(tmp) / "app.log").open("a") as log:
        by_size = {size: _measure_size(settings, size, Path(tmp), log) for size in settings.sizes}
    pages: dict[str, dict[str, dict]] = {}
    for size, measured in by_size.items():
        for name, row in measured.pages.items():
            pages.setdefault(name, {})[str(size)] = row
    largest = by_size[max(settings.sizes)]
    throughput, export, load = largest.server
    intake = load.pop("api")
    result = {"api": intake, "sizes": list(settings.sizes), "database": settings.database, "pages": pages,
              "growth": growth(pages, list(settings.sizes)), "throughput": throughput,
              "throughput_size": max(settings.sizes), "seed_s": {str(s): m.seed_s for s, m in by_size.items()},
              "export": export, "machine": machine(settings)}
    urls = {size: measured.urls for size, measured in by_size.items()}
    return result, table(result, largest.roles, urls, largest.skipped, load) + "\n" + api.line(intake)


def main() -> int:
    """Run with the BENCH_* settings; print the table, then the JSON object as the last line of stdout."""
    try:
        settings = Settings.from_env()
        result, text = run(settings)
    except BenchError as exc:
        say(f"bench: {exc}")
        return 1
    say(f"results written to {save(result)}")
    print(text)
    print(json.dumps(result), flush=True)
    return 0

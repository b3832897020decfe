"""The intake API's throughput through gunicorn: enquiries created per second by POST /api/v1/enquiries."""

import http.client
import json
import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from bench.client import HOST
from bench.settings import BenchError

REQUESTS = 200
SMOKE_REQUESTS = 20
TIMEOUT_S = 60


def make_key(app: Flask) -> str:
    """A fresh API key in the benchmark's database (made as the command line would, by nobody in particular)."""
    from tracker.extensions import db
    from tracker.intake import keys

    with app.app_context():
        _, secret = keys.create_key("Benchmark", by_id=None)
        db.session.commit()
    return secret


def _payload(n: int) -> bytes:
    # Each enquiry differs (an exact repeat would be refused with 409) and is a plausible new person.
    return json.dumps({"first_name": "Bench", "last_name": f"Enquirer{n}", "phone": f"07700 9{n % 100_000:05d}",
                       "email": f"bench{n}@example.org", "concerns": ["rolling"],
                       "message": f"Benchmark enquiry {n}"}).encode()


def _post(port: int, secret: str, n: int) -> tuple[int, float]:
    """(status, seconds) of one POST on a fresh connection; status 0 when it failed."""
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
        conn.request("POST", "/api/v1/enquiries", body=_payload(n),
                     headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json",
                              "Idempotency-Key": f"bench-{n}"})
        response = conn.getresponse()
        response.read()
        status = response.status
        conn.close()
    except OSError:
        status = 0
    return status, time.perf_counter() - started


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure_api(port: int, secret: str, requests: int, concurrency: int) -> dict:
    """Send `requests` enquiries over `concurrency` connections at a time; created per second and latencies (ms)."""
    if requests < 1 or concurrency < 1:
        raise BenchError("the API load needs at least one request and one connection")
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        answers = list(pool.map(lambda n: _post(port, secret, n), range(requests)))
    seconds = time.perf_counter() - started
    statuses = Counter(status for status, _ in answers)
    created = statuses.pop(201, 0)
    latencies = [elapsed * 1000 for _, elapsed in answers]
    return {"requests": requests, "created": created, "errors": sum(statuses.values()),
            "error_statuses": {str(k): v for k, v in sorted(statuses.items())}, "concurrency": concurrency,
            "seconds": round(seconds, 3), "rps": round(created / seconds, 1),
            "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(_percentile(latencies, 0.95), 1)}


def line(result: dict) -> str:
    """The API's row for the printed report."""
    errors = f", {result['errors']} errors {result['error_statuses']}" if result["errors"] else ""
    return (f"API POST /api/v1/enquiries: {result['created']} created in {result['seconds']:g} s over "
            f"{result['concurrency']} connections = {result['rps']:g} enquiries/s; "
            f"p50 {result['p50_ms']:g} ms, p95 {result['p95_ms']:g} ms{errors}")

"""`python -m bench` end to end at tiny sizes: every key page measured at both sizes, the server loaded without errors.

On SQLite, or on the suite's PostgreSQL server when TRACKER_TEST_DATABASE_URL is set (the harness makes and
drops scratch databases of its own there).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.enquiries.test_query_budget import BUDGET, MAX_QUERIES  # the same per-page budget as the suite's

ROOT = Path(__file__).resolve().parents[2]
SIZES = ["30", "60"]
# The bench's enquiry is the newest that has moved on from "new": depending on the day the demo data is made, it may
# have an assessment and a plan, so it is held to the budget of an enquiry with clinical records.
BENCH_BUDGET_NAME = {"enquiry": "enquiry clinical"}
KEY_PAGES = {"list", "list stage", "list all stages", "list channel", "list source", "list assigned to me",
             "list unassigned", "list concern", "list treatment", "list dates", "list uncontacted",
             "list by name page 3", "list last page", "search phone", "search partial name", "search name prefix",
             "search email", "enquiry", "patient", "home", "consultations"}


@pytest.fixture(scope="module")
def bench_result(tmp_path_factory) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env.update(BENCH_SIZES=",".join(SIZES), BENCH_SMOKE="1", BENCH_REQUESTS="3", BENCH_LOAD_SECONDS="1",
               BENCH_RESULTS_DIR=str(tmp_path_factory.mktemp("bench-results")))
    if os.environ.get("TRACKER_TEST_DATABASE_URL"):
        env["BENCH_DATABASE_URL"] = os.environ["TRACKER_TEST_DATABASE_URL"]
    done = subprocess.run([sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_bench_prints_one_json_line_measuring_every_key_page_and_loading_the_server_without_errors(bench_result):
    result = bench_result
    assert set(result) >= {"sizes", "database", "pages", "growth", "throughput", "seed_s", "export", "machine"}
    assert result["sizes"] == [30, 60]
    assert result["database"] == ("postgresql" if os.environ.get("TRACKER_TEST_DATABASE_URL") else "sqlite")
    assert set(result["pages"]) >= KEY_PAGES
    for name, by_size in result["pages"].items():
        assert set(by_size) == set(SIZES), name
        for row in by_size.values():
            assert row["p50_ms"] > 0 and row["p95_ms"] >= row["p50_ms"] and row["bytes"] > 0, name
            assert 1 <= row["queries"] <= BUDGET.get(BENCH_BUDGET_NAME.get(name, name), MAX_QUERIES), name
    assert set(result["growth"]) == set(result["pages"])
    assert set(result["seed_s"]) == set(SIZES)
    assert set(result["throughput"]) == {"/enquiries", "/search", "/bench/floor"}
    for route, row in result["throughput"].items():
        assert row["rps"] > 0 and row["errors"] == 0, route
    assert result["throughput"]["/bench/floor"]["ratio_to_floor"] == 1.0
    assert result["machine"]["cpu_count"] >= 1


def test_bench_measures_the_intake_apis_enquiries_per_second_under_gunicorn(bench_result):
    api = bench_result["api"]
    assert api["created"] == api["requests"] == 20  # BENCH_SMOKE's count, every one a new enquiry
    assert api["errors"] == 0, api["error_statuses"]
    assert api["rps"] > 0 and api["p95_ms"] >= api["p50_ms"] > 0

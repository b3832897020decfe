"""The harness's settings, read from BENCH_* environment variables and checked before anything runs."""

import os
from dataclasses import dataclass

DEFAULT_SIZES = (10_000, 100_000)
LARGE_SIZE = 1_000_000
MIN_REQUESTS = 50  # per page, for a p95 that means something
MIN_LOAD_SECONDS = 10.0  # per route under gunicorn


class BenchError(RuntimeError):
    """The harness cannot run, or a measured page did not answer as it should."""


@dataclass(frozen=True)
class Settings:
    """What to measure and where."""

    sizes: tuple[int, ...]
    server_url: str | None  # BENCH_DATABASE_URL: a PostgreSQL server to make scratch databases on; None: SQLite
    requests: int
    load_seconds: float
    concurrency: int
    smoke: bool

    @property
    def database(self) -> str:
        return "sqlite" if self.server_url is None else "postgresql"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        """Read and check the BENCH_* variables; BENCH_SMOKE=1 allows fewer requests and seconds (for tests)."""
        env = os.environ if env is None else env
        smoke = env.get("BENCH_SMOKE", "") == "1"
        try:
            sizes = {int(s) for s in env.get("BENCH_SIZES", "").replace("_", "").split(",") if s.strip()}
            requests = int(env.get("BENCH_REQUESTS", MIN_REQUESTS))
            load_seconds = float(env.get("BENCH_LOAD_SECONDS", MIN_LOAD_SECONDS))
            concurrency = int(env.get("BENCH_CONCURRENCY", 4))
        except ValueError as exc:
            raise BenchError(f"unreadable BENCH_* setting: {exc}") from exc
        sizes = sizes or set(DEFAULT_SIZES)
        if env.get("BENCH_LARGE", "") == "1":
            sizes.add(LARGE_SIZE)
        server_url = env.get("BENCH_DATABASE_URL") or None
        if min(sizes) < 1:
            raise BenchError("BENCH_SIZES must be positive numbers of enquiries, e.g. 10000,100000")
        if server_url and not server_url.startswith(("postgresql", "postgres:")):
            raise BenchError("BENCH_DATABASE_URL must be a postgresql:// URL (SQLite is the default)")
        if not smoke and requests < MIN_REQUESTS:
            raise BenchError(f"BENCH_REQUESTS must be at least {MIN_REQUESTS} (BENCH_SMOKE=1 allows fewer)")
        if not smoke and load_seconds < MIN_LOAD_SECONDS:
            raise BenchError(f"BENCH_LOAD_SECONDS must be at least {MIN_LOAD_SECONDS:g} (BENCH_SMOKE=1 allows less)")
        if requests < 2 or load_seconds <= 0 or concurrency < 1:
            raise BenchError("BENCH_REQUESTS must be 2 or more; BENCH_LOAD_SECONDS and BENCH_CONCURRENCY positive")
        return cls(tuple(sorted(sizes)), server_url, requests, load_seconds, concurrency, smoke)

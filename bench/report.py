"""The results: the machine they came from, a table for people, one JSON object for tools, a copy on disk."""

import json
import os
import platform
import sqlite3
from datetime import datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from bench.settings import Settings

RESULTS_DIR = Path(__file__).resolve().parent / ".results"  # BENCH_RESULTS_DIR overrides


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:", 1)[1].split()[0])
    except (OSError, IndexError, ValueError):
        return None
    return round(kib / 1024**2, 1)


def machine(settings: Settings) -> dict:
    """CPU, memory, Python and database server versions."""
    info = {"cpu_count": os.cpu_count(), "cpu_model": _cpu_model(), "memory_gb": _memory_gb(),
            "python": platform.python_version(), "platform": platform.platform()}
    if settings.server_url is None:
        info["sqlite"] = sqlite3.sqlite_version
    else:
        dsn = make_url(settings.server_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    return info


def growth(pages: dict[str, dict[int, dict]], sizes: list[int]) -> dict[str, float]:
    """p50 at the largest size over p50 at the smallest, for pages measured at both."""
    small, large = str(min(sizes)), str(max(sizes))
    return {name: round(by_size[large]["p50_ms"] / by_size[small]["p50_ms"], 2)
            for name, by_size in pages.items() if small in by_size and large in by_size}


def table(result: dict, roles: dict[str, str], urls: dict[int, dict[str, str]], skipped: list[str], load: dict) -> str:
    """The results as plain text tables."""
    out = [f"Database: {result['database']} ({result['machine'].get(result['database'])}), "
           f"{result['machine']['cpu_count']} CPUs {result['machine']['cpu_model']}, "
           f"Python {result['machine']['python']}"]
    for size in result["sizes"]:
        out += ["", f"{size:,} enquiries (seeded in {result['seed_s'][str(size)]:.1f} s)",
                f"{'page':<22} {'role':<11} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'KB':>8}  URL"]
        for name, by_size in result["pages"].items():
            if (row := by_size.get(str(size))) is not None:
                out.append(f"{name:<22} {roles[name]:<11} {row['p50_ms']:>9.2f} {row['p95_ms']:>9.2f} "
                           f"{row['queries']:>8} {row['bytes'] / 1024:>8.1f}  {urls[size][name]}")
    sizes = result["sizes"]
    out += ["", f"Growth: p50 at {max(sizes):,} / p50 at {min(sizes):,}"]
    out += [f"{name:<22} {ratio:>6.2f}x" for name, ratio in result["growth"].items()]
    out += ["", f"Throughput at {result['throughput_size']:,} enquiries: gunicorn, {load['workers']} workers, "
            f"{load['concurrency']} connections, {load['seconds']:g} s per route",
            f"{'route':<14} {'req/s':>9} {'x floor':>8} {'errors':>7}  URL"]
    for route, row in result["throughput"].items():
        out.append(f"{route:<14} {row['rps']:>9.1f} {row['ratio_to_floor']:>8.3f} {row['errors']:>7}  "
                   f"{load['urls'][route]}")
    export = result["export"]
    out += ["", "Export: none (no export route yet)" if export is None else
            f"Export at {max(sizes):,}: {export['rows']:,} rows in {export['seconds']:.2f} s, "
            f"worker resident memory +{export['peak_rss_mb']:.1f} MB at its peak"]
    if skipped:
        out.append(f"Skipped (no route yet, or no sample in the data): {', '.join(skipped)}")
    return "\n".join(out)


def save(result: dict) -> Path:
    """Write the JSON to bench/.results/<database>-<YYYYmmdd-HHMMSS>.json."""
    folder = Path(os.environ.get("BENCH_RESULTS_DIR") or RESULTS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result['database']}-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path

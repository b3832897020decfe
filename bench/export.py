"""The CSV export timed once through gunicorn, with the growth of the serving worker's resident memory."""

import csv
import http.client
import io
import threading
import time

from bench.client import HOST
from bench.server import Server, memory_kib
from bench.settings import BenchError

SAMPLE_EVERY_S = 0.01


def _rss_peaks(pids: list[int], stop: threading.Event, peaks: dict[int, int]) -> None:
    """Keep the highest VmRSS seen per worker until `stop` is set (VmHWM alone misses growth below an old peak)."""
    while not stop.is_set():
        for pid in pids:
            try:
                peaks[pid] = max(peaks[pid], memory_kib(pid, "VmRSS"))
            except (OSError, BenchError):
                continue
        stop.wait(SAMPLE_EVERY_S)


def measure_export(server: Server, url: str, cookie: str) -> dict:
    """Rows, seconds and the worker's peak resident memory growth (MB) for one download of the export."""
    pids = server.worker_pids()
    before = {pid: memory_kib(pid, "VmRSS") for pid in pids}
    high_before = {pid: memory_kib(pid, "VmHWM") for pid in pids}
    peaks, stop = dict(before), threading.Event()
    sampler = threading.Thread(target=_rss_peaks, args=(pids, stop, peaks), daemon=True)
    sampler.start()
    try:
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, server.port, timeout=600)
        conn.request("GET", url, headers={"Cookie": cookie})
        response = conn.getresponse()
        if response.status != 200:
            raise BenchError(f"export {url} answered {response.status}, not 200")
        rows = sum(1 for _ in csv.reader(io.TextIOWrapper(response, encoding="utf-8-sig", newline=""))) - 1
        seconds = time.perf_counter() - started
        conn.close()
    finally:
        stop.set()
        sampler.join()
    for pid in pids:
        high = memory_kib(pid, "VmHWM")
        if high > high_before[pid]:
            peaks[pid] = max(peaks[pid], high)
    growth_kib = max(peaks[pid] - before[pid] for pid in pids)
    return {"rows": rows, "seconds": round(seconds, 3), "peak_rss_mb": round(growth_kib / 1024, 1)}

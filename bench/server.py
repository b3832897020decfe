"""gunicorn serving bench/wsgi.py on a free local port, and what /proc says about its workers."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.client import HOST
from bench.databases import ROOT, app_env
from bench.settings import BenchError

WORKERS = 2
START_TIMEOUT_S = 60
WORKER_TIMEOUT_S = 300  # a slow export is measured rather than killed at gunicorn's default 30 s


@dataclass(frozen=True)
class Server:
    """A running gunicorn: its port and master process id."""

    port: int
    pid: int

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc/<pid>/stat (field 4 is the parent)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue  # ended meanwhile
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.pid:
                    pids.append(int(entry.name))
        return sorted(pids)


def memory_kib(pid: int, field: str) -> int:
    """A field of /proc/<pid>/status in KiB: VmRSS (resident now) or VmHWM (the highest so far)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise BenchError(f"/proc/{pid}/status has no {field}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        conn.request("GET", "/bench/floor")
        status = conn.getresponse().status
        conn.close()
    except OSError:
        return False
    return status == 200


@contextmanager
def gunicorn(url: str, log_path: Path) -> Iterator[Server]:
    """gunicorn with the production settings on `url`, its log in `log_path`; stopped afterwards, even on failure."""
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"{HOST}:{port}",
               "--timeout", str(WORKER_TIMEOUT_S), "bench.wsgi:app"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=app_env(url), stdout=log, stderr=log)  # noqa: S603
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
                raise BenchError(f"gunicorn did not start on port {port}:\n{tail}")
            time.sleep(0.2)
        yield Server(port, process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()

"""The load client, run as its own process: `python -m bench.load` reads a JSON job on stdin, prints JSON results.

The job: {"port", "email", "password", "seconds", "concurrency", "routes": {name: [url, signed_in]}}. Each route
is loaded in turn for `seconds` by `concurrency` asyncio tasks, each opening a new connection per request
(gunicorn's sync workers close it after every response) and reading the whole answer.
"""

import asyncio
import json
import sys
from collections import Counter

from bench.client import HOST, sign_in

TIMEOUT_S = 60
WARMUP_PER_TASK = 2


def _request_bytes(port: int, url: str, cookie: str | None) -> bytes:
    lines = [f"GET {url} HTTP/1.1", f"Host: {HOST}:{port}", "User-Agent: tracker-bench", "Connection: close"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _get(port: int, raw: bytes) -> int:
    """The status of one request on a fresh connection; 0 when it failed or the answer was unreadable."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), TIMEOUT_S)
        try:
            writer.write(raw)
            answer = await asyncio.wait_for(reader.read(), TIMEOUT_S)  # to EOF: the whole response
        finally:
            writer.close()
    except (OSError, TimeoutError):
        return 0
    parts = answer.split(b" ", 2)
    return int(parts[1]) if answer.startswith(b"HTTP/") and len(parts) > 2 and parts[1].isdigit() else 0


async def _load(port: int, raw: bytes, seconds: float, concurrency: int) -> dict:
    loop = asyncio.get_running_loop()
    statuses: Counter[int] = Counter()

    async def task(deadline: float) -> None:
        while loop.time() < deadline:
            statuses[await _get(port, raw)] += 1

    for _ in range(WARMUP_PER_TASK):
        await asyncio.gather(*(_get(port, raw) for _ in range(concurrency)))
    started = loop.time()
    await asyncio.gather(*(task(started + seconds) for _ in range(concurrency)))
    elapsed = loop.time() - started
    ok = statuses.pop(200, 0)
    return {"requests": ok + sum(statuses.values()), "errors": sum(statuses.values()),
            "error_statuses": {str(k): v for k, v in sorted(statuses.items())},
            "seconds": round(elapsed, 3), "rps": round(ok / elapsed, 1)}


def run(job: dict) -> dict:
    """Sign in once, then load each route in turn; requests per second count only 200 answers."""
    cookie = sign_in(job["port"], job["email"], job["password"])
    results = {}
    for name, (url, signed_in) in job["routes"].items():
        raw = _request_bytes(job["port"], url, cookie if signed_in else None)
        results[name] = asyncio.run(_load(job["port"], raw, job["seconds"], job["concurrency"]))
    return results


if __name__ == "__main__":
    print(json.dumps(run(json.load(sys.stdin))))

"""Requests to a server under test: one keep-alive connection at a time, or load on one POST
endpoint, from `wrk` with a Lua script or, without it, from a Python thread pool."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from _common import BenchmarkError, percentile


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class KeepAlive:
    """One keep-alive HTTP/1.1 connection to a server under test, as an app's HTTP client holds.

    The standard library's client, not requests: a round trip to the floor app takes about
    0.4 ms with it and 1.1-1.25 ms with requests on this machine, and that difference is the
    client's own CPU, which the flow's figures would otherwise count as the provider's.
    """

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def request(
        self, method: str, path: str, form: dict[str, str] | str | None = None, **headers: str
    ) -> Answer:
        body = form if form is None or isinstance(form, str) else urlencode(form)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        return Answer(response.status, response.headers, response.read())

    def close(self) -> None:
        self.connection.close()


def expect(answer: Answer, status: int, step: str) -> Answer:
    if answer.status != status:
        text = answer.body[:300].decode(errors="replace")
        raise BenchmarkError(f"{step}: expected {status}, got {answer.status}: {text}")
    return answer


@dataclass
class Post:
    """The one request a load run repeats: a form POST with extra headers."""

    url: str
    body: str
    headers: dict[str, str]


@dataclass
class Load:
    """What a load run measured."""

    generator: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failures: int  # non-2xx answers and socket errors

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def write_lua(post: Post, workdir: Path) -> Path:
    script = workdir / "load.lua"
    lines = ['wrk.method = "POST"', f'wrk.body = "{post.body}"']
    headers = {"Content-Type": "application/x-www-form-urlencoded", **post.headers}
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    script.write_text("\n".join(lines) + "\n")
    return script


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> Load:
    """Read requests, duration, percentiles and failures from `wrk --latency` output."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s)", output)
    if done is None:
        raise BenchmarkError(f"unexpected wrk output:\n{output}")
    percentiles = {
        p: float(value) * UNITS_MS[unit]
        for p, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", output, re.M)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    errors = sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1))) if socket_errors else 0
    return Load(
        generator="wrk",
        requests=int(done.group(1)),
        seconds=float(done.group(2)) * UNITS_MS[done.group(3)] / 1000,
        p50_ms=percentiles.get("50", 0.0),
        p99_ms=percentiles.get("99", 0.0),
        failures=(int(non_2xx.group(1)) if non_2xx else 0) + errors,
    )


def wrk_load(post: Post, workdir: Path, connections: int, seconds: int) -> Load:
    threads = min(os.cpu_count() or 1, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(write_lua(post, workdir)),
        post.url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    if result.returncode != 0:
        raise BenchmarkError(f"wrk failed: {result.stderr or result.stdout}")
    return parse_wrk(result.stdout)


def _hammer(post: Post, deadline: float) -> tuple[list[float], int]:
    """One connection's worth of load: POST until the deadline; latencies and failures."""
    latencies, failures = [], 0
    parts = urlsplit(post.url)
    connection = KeepAlive(parts.port or 80)
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            answer = connection.request("POST", parts.path, post.body, **post.headers)
            ok = answer.status == 200
        except (OSError, http.client.HTTPException):  # the next request reconnects
            connection.close()
            ok = False
        latencies.append((time.perf_counter() - started) * 1000)
        failures += not ok
    connection.close()
    return latencies, failures


def python_load(post: Post, connections: int, seconds: int) -> Load:
    """The fallback load generator: one thread and keep-alive connection per connection."""
    started = time.perf_counter()
    deadline = started + seconds
    with ThreadPoolExecutor(connections) as pool:
        results = list(pool.map(lambda _: _hammer(post, deadline), range(connections)))
    elapsed = time.perf_counter() - started
    latencies = sorted(ms for worker, _ in results for ms in worker)
    return Load(
        generator=f"Python thread pool ({connections} threads)",
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        failures=sum(failures for _, failures in results),
    )

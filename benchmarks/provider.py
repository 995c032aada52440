"""Benchmark the mock provider over loopback HTTP and print one table of figures and targets.

It measures, against `oauth-sandbox provider` started as a subprocess:

1. cold start: from spawning the process to the first 200 from discovery (fresh and warm DB);
2. a full authorization-code flow with --auto-login (authorize, token with PKCE, userinfo,
   refresh) over one keep-alive session: median and p95;
3. token endpoint throughput for client_credentials signing a JWT access token, with `wrk`
   (or a Python thread-pool load generator if `wrk` is not installed);
4. the provider's CPU milliseconds per token request, from /proc/<pid>/stat;
5. the provider's peak resident memory (VmHWM) after the whole run;
6. the floors: the same load against a bare Flask endpoint on waitress, and against one that does
   only a token's least work (benchmarks/floor_app.py).

Targets are printed next to the figures and marked PASS or MISS. The script reports; it does not
gate: it exits 0 whether targets are met or not (1 if the benchmark itself cannot run).
Run it from the repository root: python benchmarks/provider.py
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import inspect
import os
import platform
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from _common import (
    CLI,
    DISCOVERY,
    BenchmarkError,
    Children,
    cpu_seconds,
    free_port,
    peak_rss_kib,
    percentile,
    status,
    verdict,
    wait_until,
)
from _load import Answer, KeepAlive, Load, Post, expect, python_load, wrk_load

from mock_provider.server import bind

HERE = Path(__file__).resolve().parent
THREADS = inspect.signature(bind).parameters["threads"].default  # waitress threads of the CLI
REDIRECT_URI = "http://127.0.0.1:8000/callback"
SERVICE_ID, SERVICE_SECRET = "bench-service", "bench-service-secret"
TOKEN_BODY = "grant_type=client_credentials&scope=photos.read"

# The file replaces the seeded [clients] wholesale, so it declares every client the run uses.
CONFIG_TOML = f"""
[clients.spa]
client_name = "Benchmark single-page app (public, PKCE)"
redirect_uris = ["{REDIRECT_URI}"]
grant_types = ["authorization_code", "refresh_token"]
scope = "openid profile email photos.read"

[clients.{SERVICE_ID}]
client_name = "Benchmark service (client_credentials, JWT access tokens)"
client_secret = "{SERVICE_SECRET}"
grant_types = ["client_credentials"]
scope = "photos.read photos.write"
access_token_format = "jwt"
"""


def provider_args(port: int, database: Path, config: Path | None = None) -> list[str]:
    args = [str(CLI), "provider", "--port", str(port), "--database", f"sqlite:///{database}"]
    args += ["--auto-login", "alice"]
    return args + (["--config", str(config)] if config else [])


def start_provider(children: Children, database: Path, config: Path | None = None):
    """Spawn the provider; return the process, its port, and ms from spawn to discovery 200."""
    port = free_port()
    spawned = time.perf_counter()
    process = children.start("provider", provider_args(port, database, config))
    wait_until(lambda: status(port, DISCOVERY) == 200, children, [process])
    return process, port, (time.perf_counter() - spawned) * 1000


# 1. Cold start


def cold_starts(children: Children, workdir: Path, runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds to the first discovery 200: each run on a fresh DB, then on a warm one."""
    fresh, warm = [], []
    for run in range(runs):  # interleaved, so a change in the machine's load hits both alike
        for database, times in ((f"cold-{run}", fresh), ("cold-0", warm)):
            process, _port, ms = start_provider(children, workdir / f"{database}.sqlite3")
            children.stop(process)
            times.append(ms)
    return fresh, warm


# 2. Authorization-code flow


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorization_params(challenge: str) -> dict[str, str]:
    """An OIDC authorization request from the public client `spa` (RFC 7636 §4.3)."""
    return {
        "response_type": "code",
        "client_id": "spa",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


def one_flow(connection: KeepAlive) -> dict[str, float]:
    """Authorize, redeem the code with PKCE, call userinfo, refresh; return ms per step."""
    times: dict[str, float] = {}

    def timed(step: str, wanted: int, method: str, path: str, form=None, **headers) -> Answer:
        started = time.perf_counter()
        answer = connection.request(method, path, form, **headers)
        times[step] = (time.perf_counter() - started) * 1000
        return expect(answer, wanted, step)

    verifier, challenge = pkce_pair()
    query = urlencode(authorization_params(challenge))
    redirect = timed("authorize", 302, "GET", f"/authorize?{query}")
    code = parse_qs(urlsplit(redirect.headers["Location"]).query)["code"][0]
    redeem = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    tokens = timed(
        "token", 200, "POST", "/token", {**redeem, "client_id": "spa", "code_verifier": verifier}
    ).json()
    timed("userinfo", 200, "GET", "/userinfo", Authorization=f"Bearer {tokens['access_token']}")
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    timed("refresh", 200, "POST", "/token", {**refresh, "client_id": "spa"})
    return times


def flows(port: int, count: int, warmup: int) -> list[dict[str, float]]:
    """Run warm-up flows, then `count` measured ones, all over one keep-alive connection."""
    connection = KeepAlive(port)
    try:
        for _ in range(warmup):
            one_flow(connection)
        return [one_flow(connection) for _ in range(count)]
    finally:
        connection.close()


# 3, 4 and 5. Token endpoint load, and the provider's CPU and memory


def basic_auth() -> str:
    return "Basic " + base64.b64encode(f"{SERVICE_ID}:{SERVICE_SECRET}".encode()).decode()


def load(url: str, workdir: Path, args: argparse.Namespace) -> Load:
    """The token requests of the benchmark's service client, from wrk or the Python fallback."""
    post = Post(url, TOKEN_BODY, {"Authorization": basic_auth()})
    if args.python_load or shutil.which("wrk") is None:
        return python_load(post, args.connections, args.seconds)
    return wrk_load(post, workdir, args.connections, args.seconds)


def load_with_cpu(pid: int, url: str, workdir: Path, args) -> tuple[Load, float]:
    """Run the load; also return the server's CPU milliseconds per completed request (4)."""
    before = cpu_seconds([pid])
    run = load(url, workdir, args)
    return run, (cpu_seconds([pid]) - before) * 1000 / max(run.requests, 1)


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the most resident memory the process has used, in MiB (5)."""
    return peak_rss_kib([pid])[pid] / 1024


# 6. The floors


@dataclass
class Floor:
    bare: Load
    bare_cpu_ms: float
    least_work: Load
    least_work_cpu_ms: float
    round_trip_ms: float


def floor_load(children: Children, workdir: Path, args) -> Floor:
    """The same load against the floor app's two endpoints, served by waitress with the
    provider's thread count; also the median round trip of one request at a time to the bare
    endpoint, the floor under each flow step."""
    port = free_port()
    database = workdir / "floor.sqlite3"
    process = children.start(
        "floor",
        [sys.executable, str(HERE / "floor_app.py"), "--port", str(port)]
        + ["--threads", str(THREADS), "--database", str(database)],
    )
    wait_until(lambda: status(port, "/token") is not None, children, [process])
    try:
        trip = statistics.median(round_trips(port, args.flows))
        bare = load_with_cpu(process.pid, f"http://127.0.0.1:{port}/token", workdir, args)
        least = load_with_cpu(process.pid, f"http://127.0.0.1:{port}/signed-token", workdir, args)
        return Floor(*bare, *least, trip)
    finally:
        children.stop(process)


def round_trips(port: int, count: int) -> list[float]:
    """Milliseconds of one request at a time over one keep-alive connection, as in the flows."""
    connection = KeepAlive(port)
    times = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            expect(connection.request("POST", "/token", TOKEN_BODY), 200, "floor")
            times.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return times


# The run and the report


def check_jwt_token(port: int) -> None:
    """One token request first, so the load is known to measure a signed JWT access token."""
    connection = KeepAlive(port)
    answer = connection.request("POST", "/token", TOKEN_BODY, Authorization=basic_auth())
    connection.close()
    token = expect(answer, 200, "client_credentials").json()["access_token"]
    if token.count(".") != 2:
        raise BenchmarkError(f"expected a JWT access token, got {token[:40]!r}")


@dataclass
class Results:
    fresh_ms: list[float]
    warm_ms: list[float]
    flow_times: list[dict[str, float]]
    provider: Load
    cpu_ms_per_request: float
    peak_rss_mib: float
    floor: Floor


def measure_provider(children: Children, workdir: Path, args: argparse.Namespace):
    """Flows, load, CPU and memory of one provider process with the benchmark clients."""
    config = workdir / "clients.toml"
    config.write_text(CONFIG_TOML)
    process, port, _ms = start_provider(children, workdir / "provider.sqlite3", config)
    print(f"  {args.flows} authorization-code flows (after {args.warmup} warm-up flows)...")
    flow_times = flows(port, args.flows, args.warmup)
    check_jwt_token(port)
    print(f"  token endpoint under load for {args.seconds} s...")
    provider, cpu_ms = load_with_cpu(process.pid, f"http://127.0.0.1:{port}/token", workdir, args)
    rss = peak_rss_mib(process.pid)
    children.stop(process)
    return flow_times, provider, cpu_ms, rss


def run(args: argparse.Namespace, workdir: Path) -> Results:
    children = Children(workdir)
    try:
        print(f"  cold starts: {args.cold_runs} on a fresh database, {args.cold_runs} warm...")
        fresh, warm = cold_starts(children, workdir, args.cold_runs)
        flow_times, provider, cpu_ms, rss = measure_provider(children, workdir, args)
        print(f"  the two floors (Flask on waitress) under load for {args.seconds} s each...")
        floor = floor_load(children, workdir, args)
    finally:
        children.stop_all()
    return Results(fresh, warm, flow_times, provider, cpu_ms, rss, floor)


def flow_rows(results: Results) -> list[tuple[str, str, str, str]]:
    totals = sorted(sum(t.values()) for t in results.flow_times)
    median = statistics.median(totals)
    steps = [
        (
            f"  {step}, median",
            f"{statistics.median(t[step] for t in results.flow_times):.2f} ms",
            "",
            "",
        )
        for step in results.flow_times[0]
    ]
    return [
        (
            f"Auth-code flow, median of {len(totals)}",
            f"{median:.2f} ms",
            "<= 8 ms",
            verdict(median <= 8),
        ),
        ("Auth-code flow, p95", f"{percentile(totals, 95):.2f} ms", "", ""),
        *steps,
        ("  floor: one request's round trip", f"{results.floor.round_trip_ms:.2f} ms", "", ""),
    ]


def load_rows(results: Results) -> list[tuple[str, str, str, str]]:
    provider, floor = results.provider, results.floor

    def share(run: Load, of: Load) -> float:
        return 100 * run.per_second / of.per_second if of.per_second else 0.0

    def figure(run: Load) -> str:
        failed = f", {run.failures} failed" if run.failures else ""
        return (
            f"{run.per_second:.0f} req/s (p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms{failed})"
        )

    provider_share = share(provider, floor.bare)
    return [
        ("Token endpoint, client_credentials JWT", figure(provider), "", ""),
        (f"Floor: bare Flask, waitress {THREADS} threads", figure(floor.bare), "", ""),
        ("Least-work floor: Basic auth, RS256 JWT, INSERT", figure(floor.least_work), "", ""),
        (
            "Token endpoint as share of floor",
            f"{provider_share:.0f} %",
            ">= 70 %",
            verdict(provider_share >= 70),
        ),
        (
            "  least-work floor as share of floor (ceiling)",
            f"{share(floor.least_work, floor.bare):.0f} %",
            "",
            "",
        ),
        (
            "  token endpoint as share of least-work floor",
            f"{share(provider, floor.least_work):.0f} %",
            "",
            "",
        ),
        ("Server CPU per token request", f"{results.cpu_ms_per_request:.2f} ms", "", ""),
        ("Server CPU per floor request", f"{floor.bare_cpu_ms:.2f} ms", "", ""),
        ("Server CPU per least-work floor request", f"{floor.least_work_cpu_ms:.2f} ms", "", ""),
    ]


def report(results: Results, args: argparse.Namespace, load_before: float) -> None:
    fresh, warm = statistics.median(results.fresh_ms), statistics.median(results.warm_ms)
    rows = [
        (
            f"Cold start to discovery 200, fresh DB, median of {len(results.fresh_ms)}",
            f"{fresh:.0f} ms",
            "<= 600 ms",
            verdict(fresh <= 600),
        ),
        (f"Cold start, warm DB, median of {len(results.warm_ms)}", f"{warm:.0f} ms", "", ""),
        *flow_rows(results),
        *load_rows(results),
        (
            "Peak RSS of the provider (VmHWM)",
            f"{results.peak_rss_mib:.1f} MiB",
            "<= 80 MiB",
            verdict(results.peak_rss_mib <= 80),
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    print(
        f"\nmock_provider benchmark, {date.today()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; load generator: {results.provider.generator}, "
        f"{args.connections} connections x {args.seconds} s"
    )
    print(
        f"1-minute load average: {load_before:.1f} before the run, {os.getloadavg()[0]:.1f} "
        "after (other work on the machine slows every figure)\n"
    )
    for measure, figure, target, mark in rows:
        print(f"{measure:<{widths[0]}}  {figure:<{widths[1]}}  {target:<{widths[2]}}  {mark}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cold-runs", type=int, default=5, help="cold starts per database state")
    parser.add_argument("--flows", type=int, default=300, help="measured authorization flows")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured flows first")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--seconds", type=int, default=10, help="length of each load run")
    parser.add_argument(
        "--python-load",
        action="store_true",
        help="use the Python load generator even when wrk is installed",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM ends the run like Ctrl-C does: through the `finally` that stops every child.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not CLI.exists():
        print(
            f"{CLI} not found: install the project (pip install -e .) in this Python's environment",
            file=sys.stderr,
        )
        return 1
    if not args.python_load and shutil.which("wrk") is None:
        print(
            "wrk is not installed (apt-get install wrk): falling back to a Python thread-pool "
            "load generator, which saturates a small machine sooner than wrk does."
        )
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="provider-bench-") as tmp:
        try:
            results = run(args, Path(tmp))
        except BenchmarkError as error:
            print(f"benchmark could not run: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\ninterrupted; every server this run started has been stopped.")
            return 130
    report(results, args, load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())

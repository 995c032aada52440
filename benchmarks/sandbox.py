"""Benchmark the sandbox over loopback HTTP and print one table of figures and targets.

It measures, with the `oauth-sandbox` console script started as subprocesses:

1. start-up: from launching `oauth-sandbox run --port P --provider-port Q` until both apps
   answer (the sandbox's GET / and the provider's discovery both 200). Each launch gets a fresh
   XDG_STATE_HOME, so the provider starts on a throwaway database, as on a learner's first run.
   Median of --starts launches; target <= 2 s.
2. step pages: `oauth-sandbox provider --auto-login alice` and `oauth-sandbox sandbox --issuer`
   are started separately (`run` has no --auto-login), one authorization-code run is driven to
   its last step over HTTP, then every step page is fetched --renders times over one keep-alive
   session: median and p95 per step; target <= 30 ms each. The timeline, the three exports and
   a static file (the floor: a request through waitress and Flask that renders nothing) are
   measured the same way, without a target.

Everything binds 127.0.0.1 only, every wait and request has a time limit, and every subprocess is
stopped on the way out (after an error, Ctrl-C or SIGTERM too). The script reports; it does not
gate: it exits 0 whether targets are met or not, and 1 if the benchmark itself cannot run.
Run it from the repository root: python benchmarks/sandbox.py
"""

from __future__ import annotations

import argparse
import html
import re
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests
from _common import (
    AUTHORIZATION_LINK,
    CLI,
    DISCOVERY,
    FORM_TOKEN,
    BenchmarkError,
    Children,
    free_port,
    percentile,
    print_table,
    status,
    verdict,
    wait_until,
)

# This file's name hides the `sandbox` package from it (the script's folder comes first on
# sys.path), so it learns the flow's steps from the pages, as a learner does.
FLOW = "authorization-code"
STEP_LINK = re.compile(r'href="/runs/[^/"]+/steps/([a-z_]+)"')
START_TARGET_S = 2.0
RENDER_TARGET_MS = 30.0


# 1. Start-up of `oauth-sandbox run`


def start_once(children: Children, workdir: Path, launch: int) -> float:
    """Seconds from launching `oauth-sandbox run` to both apps answering 200."""
    sandbox_port, provider_port = free_port(), free_port()
    state_home = workdir / f"state-{launch}"  # a throwaway provider database
    state_home.mkdir()
    args = [str(CLI), "run", "--port", str(sandbox_port), "--provider-port", str(provider_port)]
    process = children.start(f"run-{launch}", args, env={"XDG_STATE_HOME": str(state_home)})

    def both_answer() -> bool:
        return status(sandbox_port, "/") == 200 and status(provider_port, DISCOVERY) == 200

    try:
        return wait_until(both_answer, children, [process])
    finally:
        children.stop(process)


# 2. Step pages


@dataclass
class Apps:
    sandbox: str  # base URL
    issuer: str


def start_apps(children: Children, workdir: Path) -> Apps:
    """The provider with --auto-login alice and a sandbox that learns it from discovery."""
    sandbox_port, provider_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{provider_port}"
    provider = children.start(
        "provider",
        [str(CLI), "provider", "--port", str(provider_port), "--auto-login", "alice"]
        + ["--database", f"sqlite:///{workdir / 'provider.sqlite3'}"],
    )
    sandbox = children.start(
        "sandbox",
        [str(CLI), "sandbox", "--port", str(sandbox_port), "--issuer", issuer],
    )
    wait_until(
        lambda: status(provider_port, DISCOVERY) == 200 and status(sandbox_port, "/") == 200,
        children,
        [provider, sandbox],
    )
    return Apps(f"http://127.0.0.1:{sandbox_port}", issuer)


def expect(response: requests.Response, wanted: int, what: str) -> requests.Response:
    if response.status_code != wanted:
        raise BenchmarkError(f"{what}: expected {wanted}, got {response.status_code}")
    return response


def drive_run(session: requests.Session, apps: Apps) -> tuple[str, list[str]]:
    """One confidential-client run, taken to its last step as a learner would.

    Returns the run's URL and its step ids, read from the steps list of the last page."""
    index = expect(session.get(f"{apps.sandbox}/", timeout=10), 200, "index page")
    started = session.post(
        f"{apps.sandbox}/flows/{FLOW}/runs",
        data={"variant": "confidential-pkce", **form_token(index.text)},
        allow_redirects=False,
        timeout=10,
    )
    step_url = urljoin(apps.sandbox, expect(started, 302, "start a run").headers["Location"])
    link = AUTHORIZATION_LINK.search(session.get(step_url, timeout=10).text)
    if link is None:
        raise BenchmarkError("the authorization request page has no link to the provider")
    at_provider = session.get(html.unescape(link.group(1)), allow_redirects=False, timeout=10)
    callback = expect(at_provider, 302, "authorization request").headers["Location"]
    expect(session.get(callback, allow_redirects=False, timeout=10), 302, "callback")
    run_url = step_url.rsplit("/steps/", 1)[0]
    current = expect(session.get(run_url, timeout=10), 200, "current step page")
    finish = session.post(
        f"{run_url}/finish", data=form_token(current.text), allow_redirects=False, timeout=30
    )
    expect(finish, 302, "finish")
    last_page = session.get(run_url, timeout=10).text
    if "That was the last step" not in last_page:
        raise BenchmarkError("the run did not reach its last step")
    return run_url, list(dict.fromkeys(STEP_LINK.findall(last_page)))


def form_token(page: str) -> dict[str, str]:
    """The CSRF token a sandbox page puts in its forms, sent back as a browser sends it."""
    found = FORM_TOKEN.search(page)
    if found is None:
        raise BenchmarkError("the sandbox page has no form token")
    return {"csrf_token": html.unescape(found.group(1))}


def pages_of(run_url: str, steps: list[str], apps: Apps) -> dict[str, str]:
    """What to measure: each step page, then the pages without a target."""
    pages = {f"step {step}": f"{run_url}/steps/{step}" for step in steps}
    pages["timeline"] = f"{run_url}/timeline"
    pages |= {f"export.{kind}": f"{run_url}/export.{kind}" for kind in ("md", "json", "har")}
    pages["floor: static file"] = f"{apps.sandbox}/static/sandbox.css"
    return pages


def render_times(session: requests.Session, pages: dict[str, str], rounds: int):
    """Milliseconds per GET of each page; rounds interleave pages, so noise hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in pages}
    for measured in (False, True):  # one unmeasured round warms the caches first
        for _ in range(rounds if measured else 1):
            for name, url in pages.items():
                started = time.perf_counter()
                expect(session.get(url, timeout=10), 200, name)
                if measured:
                    times[name].append((time.perf_counter() - started) * 1000)
    return times


# The report


def rows(starts: list[float], times: dict[str, list[float]]) -> list[tuple[str, str, str, str]]:
    start = statistics.median(starts)
    table = [
        (
            f"oauth-sandbox run to both apps answering, median of {len(starts)}",
            f"{start:.2f} s",
            f"<= {START_TARGET_S:.0f} s",
            verdict(start <= START_TARGET_S),
        ),
        (f"GET, median / p95 of {len(next(iter(times.values())))} each", "", "", ""),
    ]
    for name, values in times.items():
        median = statistics.median(values)
        step = name.startswith("step ")
        table.append(
            (
                f"  {name}",
                f"{median:.1f} / {percentile(values, 95):.1f} ms",
                f"<= {RENDER_TARGET_MS:.0f} ms" if step else "",
                verdict(median <= RENDER_TARGET_MS) if step else "",
            )
        )
    return table


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=3, help="launches of oauth-sandbox run")
    parser.add_argument("--renders", type=int, default=50, help="measured GETs of each page")
    return parser.parse_args(argv)


def measure(args: argparse.Namespace, workdir: Path):
    children = Children(workdir)
    try:
        print(f"  {args.starts} launches of `oauth-sandbox run`...")
        starts = [start_once(children, workdir, launch) for launch in range(args.starts)]
        print(f"  one run to its last step, then {args.renders} GETs of each page...")
        apps = start_apps(children, workdir)
        with requests.Session() as session:
            run_url, steps = drive_run(session, apps)
            times = render_times(session, pages_of(run_url, steps, apps), args.renders)
    finally:
        children.stop_all()
    return starts, times


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM ends the run like Ctrl-C: through the `finally` that stops every child.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not CLI.exists():
        print(f"{CLI} not found: install the project (pip install -e .) here", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        try:
            starts, times = measure(args, Path(tmp))
        except (BenchmarkError, requests.RequestException) as error:
            print(f"benchmark could not run: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\ninterrupted; every server this run started has been stopped.")
            return 130
    print_table("sandbox benchmark", rows(starts, times))
    return 0


if __name__ == "__main__":
    sys.exit(main())

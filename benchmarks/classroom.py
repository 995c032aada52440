"""A classroom on one machine: N learners each clicking through whole flows for S seconds.

It starts `oauth-sandbox run` (the sandbox and the provider in one process, on free loopback
ports, with a throwaway provider database in a temporary XDG_STATE_HOME), then plays each learner
as a browser would, with a cookie jar of its own (one `requests.Session`):

    GET  /                                     the index, whose Start form carries a CSRF token
    POST /flows/authorization-code/runs        start a run (302 to its first step page)
    GET  the authorization_request step page   and read "Follow the link to the provider"
    GET  the provider's /authorize             the sign-in page on a learner's first flow:
    POST   "Sign in as alice" (one click),       then "Allow" on the consent page if it shows;
                                               a 302 straight back once alice is signed in
    GET  /callback?code=...&state=...          the sandbox's redirect_uri (302 to its step page)
    GET  the authorization_response step page
    POST + GET token_request, id_token_validation, userinfo_request   ("Send this request")

A flow counts as completed when the userinfo page names Alice Adams and shows no problem. Every
request is timed ("page latency": one request, a redirect not followed, so a POST and the page it
leads to are two). Any other status, a problem on a page or a failed connection is an error,
printed with its status and URL; the learner then starts a new flow.

At the end it prints flows completed, errors, flows per second, the server's CPU time per flow,
the p50/p95/p99 page latency (all pages, then each page of each app) and the peak resident memory
(VmHWM) of each server process, the sandbox's and the provider's, read from /proc before they
are stopped. Target: p95 <= 150 ms with
60 learners. By default learners click at once (a saturation test); `--think 3` has each wait
1.5 to 4.5 s after each page (and start up to 3 s late), closer to people reading.

Bounded: at most 500 learners and 600 seconds, a 30 s limit on every request, loopback only, and
every subprocess stopped on the way out (after an error, Ctrl-C or SIGTERM too). It reports; it
does not gate: exit 0 whether the target is met or not, 1 if the benchmark cannot run.
Run it from the repository root: python benchmarks/classroom.py [--learners 60 --seconds 60]
"""

from __future__ import annotations

import argparse
import html
import random
import signal
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
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
    cpu_seconds,
    free_port,
    hidden_fields,
    peak_rss_kib,
    percentile,
    print_table,
    status,
    verdict,
    wait_until,
)

FLOW = "authorization-code"
VARIANT = "confidential-pkce"
BACK_CHANNEL_STEPS = ("token_request", "id_token_validation", "userinfo_request")
P95_TARGET_MS = 150.0
TIMEOUT_S = 30
MAX_LEARNERS, MAX_SECONDS = 500, 600
ERRORS_SHOWN = 15


class FlowError(Exception):
    """One page a browser would not accept: its status (or exception) and its URL."""

    def __init__(self, what: str, status: int | str, url: str) -> None:
        super().__init__(f"{what}: {status} {url}")


@dataclass
class Tally:
    """What all learners saw, gathered under one lock."""

    #: Milliseconds by page ("sandbox: token_request page", "provider: authorize", ...).
    pages_ms: dict[str, list[float]] = field(default_factory=dict)
    completed: int = 0
    server_cpu_s: float = 0.0  # CPU time the server process used during the load
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Learner:
    """One browser: its own cookie jar, its timings, and the flows it completed."""

    def __init__(self, sandbox: str, tally: Tally, think: float) -> None:
        self.sandbox = sandbox
        self.tally = tally
        self.think = think
        self.session = requests.Session()
        self.pages_ms: dict[str, list[float]] = {}

    def fetch(
        self, method: str, url: str, what: str, wanted=(302,), data=None
    ) -> requests.Response:
        """One request, timed, redirect not followed (a browser's history shows each page)."""
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, url, data=data, allow_redirects=False, timeout=TIMEOUT_S
            )
        except requests.RequestException as error:
            raise FlowError(what, type(error).__name__, url) from None
        elapsed = (time.perf_counter() - started) * 1000
        app = "sandbox" if url.startswith(self.sandbox) else "provider"
        self.pages_ms.setdefault(f"{app}: {what}", []).append(elapsed)
        if response.status_code not in wanted:
            raise FlowError(what, response.status_code, url)
        if self.think:  # reading the page before the next click, some faster than others
            time.sleep(random.uniform(0.5, 1.5) * self.think)
        return response

    def follow(self, response: requests.Response, what: str) -> requests.Response:
        """GET the sandbox step page a 302 points to; it must show no problem."""
        url = urljoin(response.url, response.headers["Location"])
        page = self.fetch("GET", url, what, wanted=(200,))
        if 'class="problem"' in page.text:
            raise FlowError(f"{what} shows a problem", 200, url)
        return page

    def one_flow(self) -> None:
        """A whole authorization-code run, clicked through page by page from the index."""
        index = self.fetch("GET", f"{self.sandbox}/", "index", wanted=(200,))
        started = self.fetch(
            "POST",
            f"{self.sandbox}/flows/{FLOW}/runs",
            "start a run",
            data={"variant": VARIANT, **form_token(index.text)},
        )
        page = self.follow(started, "authorization_request page")
        link = AUTHORIZATION_LINK.search(page.text)
        if link is None:
            raise FlowError("no link to the provider", 200, page.url)
        run_url = page.url.rsplit("/steps/", 1)[0]
        callback = self.at_provider(html.unescape(link.group(1)))
        page = self.follow(self.fetch("GET", callback, "callback"), "authorization_response page")
        for step in BACK_CHANNEL_STEPS:  # each "Send this request" button, with its form's token
            sent = self.fetch("POST", f"{run_url}/steps/{step}", step, data=form_token(page.text))
            page = self.follow(sent, f"{step} page")
        if "Alice Adams" not in page.text:
            raise FlowError("the userinfo page does not name Alice Adams", 200, page.url)

    def at_provider(self, authorize_url: str) -> str:
        """Sign in as alice and allow, as far as the provider asks; returns the redirect back."""
        response = self.fetch("GET", authorize_url, "authorize", wanted=(200, 302))
        for _ in range(2):  # at most the sign-in page, then the consent page
            if response.status_code == 302:
                break
            form = hidden_fields(response.text)  # the form token and the carried request
            if 'name="action" value="login"' in response.text:  # alice signs in with one click
                form |= {"action": "login", "username": "alice"}
            elif 'name="action" value="allow"' in response.text:
                form |= {"action": "allow"}
            else:
                raise FlowError("a provider page with no sign-in or consent", 200, authorize_url)
            response = self.fetch("POST", authorize_url, form["action"], (200, 302), form)
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not location.startswith(f"{self.sandbox}/callback?"):
            raise FlowError("authorize did not redirect to the callback", 302, location)
        return location

    def play(self, deadline: float) -> None:
        """Flow after flow until the deadline; an error ends that flow, not the learner."""
        completed, errors = 0, []
        time.sleep(random.uniform(0, self.think))  # a class does not click in step
        while time.monotonic() < deadline:
            try:
                self.one_flow()
                completed += 1
            except FlowError as error:
                errors.append(str(error))
                time.sleep(0.2)  # a server that is down is not hammered in a tight loop
        self.session.close()
        with self.tally.lock:
            self.tally.completed += completed
            self.tally.errors += errors
            for page, times in self.pages_ms.items():
                self.tally.pages_ms.setdefault(page, []).extend(times)


def form_token(page: str) -> dict[str, str]:
    """The hidden CSRF field of the page's forms, which a browser sends back with the form."""
    found = FORM_TOKEN.search(page)
    return {"csrf_token": html.unescape(found.group(1))} if found else {}


# The servers


@dataclass
class Apps:
    sandbox: str  # base URL
    process: object  # the `oauth-sandbox run` subprocess


def start_apps(children: Children, workdir: Path) -> Apps:
    """`oauth-sandbox run` on free ports, its provider database in a throwaway state folder."""
    sandbox_port, provider_port = free_ports()
    state_home = workdir / "state"
    state_home.mkdir()
    process = children.start(
        "oauth-sandbox-run",
        [str(CLI), "run", "--port", str(sandbox_port), "--provider-port", str(provider_port)],
        env={"XDG_STATE_HOME": str(state_home)},
    )
    wait_until(
        lambda: status(provider_port, DISCOVERY) == 200 and status(sandbox_port, "/") == 200,
        children,
        [process],
    )
    return Apps(f"http://127.0.0.1:{sandbox_port}", process)


def free_ports() -> tuple[int, int]:
    """A sandbox port whose neighbour is free too (the attacker's site takes port + 1)."""
    for _ in range(20):
        sandbox_port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", sandbox_port + 1))
            except OSError:
                continue
        return sandbox_port, free_port()
    raise BenchmarkError("no two neighbouring free ports on loopback")


def server_processes(pid: int) -> dict[int, str]:
    """`oauth-sandbox run` and its children (the provider runs in one), each with its role."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(child) for child in (task / "children").read_text().split()]
    roles = {}
    for each in pids:
        command = Path(f"/proc/{each}/cmdline").read_bytes().split(b"\0")
        roles[each] = "provider" if b"provider" in command else "sandbox"
    return roles


# The load and the report


def load(apps: Apps, learners: int, seconds: float, think: float) -> tuple[Tally, float]:
    """Every learner in its own thread, all until the same deadline; returns the wall time."""
    tally = Tally()
    crowd = [Learner(apps.sandbox, tally, think) for _ in range(learners)]
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=one.play, args=(deadline,), daemon=True) for one in crowd]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + TIMEOUT_S * 12)  # a flow is 12 requests at most
    if any(thread.is_alive() for thread in threads):
        raise BenchmarkError("some learners were still waiting for a page after the deadline")
    return tally, time.monotonic() - started


def rows(tally: Tally, wall: float, learners: int, peaks: dict[str, int]):
    every = [ms for times in tally.pages_ms.values() for ms in times]
    p95 = percentile(every, 95)
    table = [
        (f"learners x seconds (wall {wall:.1f} s)", f"{learners} x {wall:.0f}", "", ""),
        ("flows completed", str(tally.completed), "", ""),
        ("errors", str(len(tally.errors)), "0", verdict(not tally.errors)),
        ("flows per second", f"{tally.completed / wall:.1f}", "", ""),
        (
            "server CPU per flow (user + system)",
            f"{tally.server_cpu_s * 1000 / max(tally.completed, 1):.0f} ms",
            "",
            "",
        ),
        (f"page latency p50 / p95 / p99 ({len(every)} requests)", spread(every), "", ""),
        (
            "  p95, all pages",
            f"{p95:.0f} ms",
            f"<= {P95_TARGET_MS:.0f} ms",
            verdict(p95 <= P95_TARGET_MS),
        ),
    ]
    for app in ("sandbox", "provider"):
        pages = {page: times for page, times in tally.pages_ms.items() if page.startswith(app)}
        both = [ms for times in pages.values() for ms in times]
        table.append((f"  {app} pages ({len(both)})", spread(both), "", ""))
        table += [
            (f"    {page[len(app) + 2 :]}", spread(times), "", "") for page, times in pages.items()
        ]
    for role, kib in peaks.items():
        table.append((f"peak RSS (VmHWM), {role} process", f"{kib / 1024:.0f} MiB", "", ""))
    return table


def spread(values: list[float]) -> str:
    return " / ".join(f"{percentile(values, p):.0f}" for p in (50, 95, 99)) + " ms"


def print_errors(errors: list[str]) -> None:
    if not errors:
        return
    print(f"\n{len(errors)} errors, by kind:")
    for error, count in Counter(errors).most_common(ERRORS_SHOWN):
        print(f"  {count:>5} x {error}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=60, help="browsers, each its own thread")
    parser.add_argument("--seconds", type=float, default=60, help="how long they keep clicking")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds each learner reads each page (0.5 to 1.5 times this)",
    )
    args = parser.parse_args(argv)
    if not (1 <= args.learners <= MAX_LEARNERS and 0 < args.seconds <= MAX_SECONDS):
        parser.error(f"--learners 1..{MAX_LEARNERS}, --seconds up to {MAX_SECONDS}")
    return args


def measure(args: argparse.Namespace, workdir: Path):
    children = Children(workdir)
    try:
        apps = start_apps(children, workdir)
        print(f"  {args.learners} learners clicking through flows for {args.seconds:.0f} s...")
        roles = server_processes(apps.process.pid)  # type: ignore[attr-defined]
        cpu_before = cpu_seconds(roles)
        tally, wall = load(apps, args.learners, args.seconds, args.think)
        tally.server_cpu_s = cpu_seconds(roles) - cpu_before
        peaks = {roles[pid]: kib for pid, kib in peak_rss_kib(roles).items()}
    finally:
        children.stop_all()
    return tally, wall, peaks


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM ends the run like Ctrl-C: through the `finally` that stops every child.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not CLI.exists():
        print(f"{CLI} not found: install the project (pip install -e .) here", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="classroom-bench-") as tmp:
        try:
            tally, wall, peaks = measure(args, Path(tmp))
        except (BenchmarkError, OSError) as error:
            print(f"benchmark could not run: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\ninterrupted; every server this run started has been stopped.")
            return 130
    print_table("classroom load", rows(tally, wall, args.learners, peaks))
    print_errors(tally.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())

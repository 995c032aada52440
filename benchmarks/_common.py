"""What a benchmark script needs around its measurements: child processes, ports, percentiles,
the PASS/MISS table, and what the scripts read on the apps' pages.
"""

from __future__ import annotations

import html
import http.client
import os
import platform
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path

CLI = Path(sys.executable).with_name("oauth-sandbox")  # the console script beside this Python
DISCOVERY = "/.well-known/openid-configuration"
# What a learner reads on the sandbox's pages: the link to the provider, and each form's token.
AUTHORIZATION_LINK = re.compile(r'href="([^"]+)">Follow the link to the provider<')
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')
HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden fields of a provider page's forms (its CSRF token and the carried request),
    which a browser sends back with the form; on a page with several forms, the last wins."""
    return {name: html.unescape(value) for name, value in HIDDEN_FIELD.findall(page)}


class BenchmarkError(RuntimeError):
    """The benchmark itself could not run (a server did not start, a request failed)."""


class Children:
    """The subprocesses of one benchmark run, each logging to a file; `stop_all` ends them."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.logs: dict[subprocess.Popen, Path] = {}

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None):
        log = self.workdir / f"{name}.log"
        with log.open("ab") as output:
            # A process group of its own: Ctrl-C reaches this script only, which then stops it.
            process = subprocess.Popen(
                args,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                start_new_session=True,
            )
        self.logs[process] = log
        return process

    def tail(self, process: subprocess.Popen, lines: int = 15) -> str:
        text = self.logs[process].read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self) -> None:
        for process in self.logs:
            self.stop(process)


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status(port: int, path: str) -> int | None:
    """The status of one GET on a fresh connection; None while nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def wait_until(
    probe: Callable[[], bool], children: Children, processes: Sequence, limit: float = 20.0
) -> float:
    """Poll `probe` every 5 ms until it is true; return the seconds it took."""
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < limit:
        if probe():
            return elapsed
        for process in processes:
            if process.poll() is not None:
                raise BenchmarkError(f"a server exited early:\n{children.tail(process)}")
        time.sleep(0.005)
    raise BenchmarkError(f"the servers were not ready after {limit:.0f} s")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (sorts a copy)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def print_table(title: str, rows: Sequence[tuple[str, str, str, str]]) -> None:
    """A heading with the date and machine, then one aligned row per measure."""
    print(
        f"\n{title}, {date.today()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"1-minute load average {os.getloadavg()[0]:.1f}\n"
    )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for measure, figure, target, mark in rows:
        print(f"{measure:<{widths[0]}}  {figure:<{widths[1]}}  {target:<{widths[2]}}  {mark}")


def cpu_seconds(pids: Iterable[int]) -> float:
    """User plus system CPU time the processes have used (/proc/<pid>/stat fields 14 and 15)."""
    total = 0
    for pid in pids:
        # The command name, in parentheses, may contain spaces: count fields after it.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def peak_rss_kib(pids: Iterable[int]) -> dict[int, int]:
    """VmHWM (peak resident set) of each process, in KiB, by pid."""
    peaks: dict[int, int] = {}
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = int(line.split()[1])
    return peaks

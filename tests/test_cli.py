"""`oauth-sandbox provider` as a learner runs it: a real process, its output, Ctrl-C.

The console script is started as a subprocess, so these tests cover what a unit test cannot:
the entry point, start-up time, the printed issuer and the exit on SIGINT.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from oauth_sandbox.cli import main

from .processes import ends_with_this_process

ISSUER_LINE = re.compile(r"^mock_provider: issuer (http://127\.0\.0\.1:(\d+))$")


def console_script() -> str:
    """The installed `oauth-sandbox` command of the environment running the tests."""
    beside_python = Path(sys.executable).with_name("oauth-sandbox")
    found = str(beside_python) if beside_python.exists() else shutil.which("oauth-sandbox")
    assert found, "the oauth-sandbox console script is not installed"
    return found


@dataclass
class Process:
    """A running command whose stdout and stderr are read line by line in the background."""

    popen: subprocess.Popen
    started: float
    lines: queue.Queue = field(default_factory=queue.Queue)
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for stream, sink in ((self.popen.stdout, self.stdout), (self.popen.stderr, self.stderr)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()

    def _pump(self, stream, sink: list[str]) -> None:
        for line in stream:
            sink.append(line.rstrip("\n"))
            if sink is self.stdout:
                self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, pattern: re.Pattern, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if match := pattern.match(line):
                return match
        pytest.fail(f"no line matching {pattern.pattern} within {timeout} s: {self.output()}")

    def finish(self, timeout: float = 10) -> int:
        code = self.popen.wait(timeout=timeout)
        time.sleep(0.05)  # let the reader threads drain the pipes
        return code

    def output(self) -> str:
        return "\n".join(["stdout:", *self.stdout, "stderr:", *self.stderr])

    def close(self) -> None:
        """Close the pipes of a finished process (pytest reports pipes left open)."""
        for stream in (self.popen.stdout, self.popen.stderr):
            stream.close()


def launch(*args: str, extra_environment: dict[str, str] | None = None) -> Process:
    environment = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
        **(extra_environment or {}),
    }
    popen = subprocess.Popen(
        [console_script(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        **ends_with_this_process(),
    )
    return Process(popen=popen, started=time.perf_counter())


@pytest.fixture
def provider_process(tmp_path) -> Iterator[Process]:
    """`oauth-sandbox provider --port 0` on a fresh database; killed if a test leaves it up."""
    process = launch("provider", "--port", "0", "--database", f"sqlite:///{tmp_path / 'p.db'}")
    yield process
    if process.popen.poll() is None:
        process.popen.kill()
        process.popen.wait(timeout=5)
    process.close()


def wait_for_discovery(issuer: str, started: float) -> tuple[dict, float]:
    """Poll discovery until it answers; return the document and the seconds since launch."""
    deadline = started + 10
    while time.perf_counter() < deadline:
        try:
            response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
        except requests.ConnectionError:
            time.sleep(0.01)
            continue
        if response.status_code == 200:
            return response.json(), time.perf_counter() - started
        time.sleep(0.01)
    pytest.fail(f"discovery at {issuer} did not answer within 10 s")


def test_provider_prints_its_issuer_and_answers_discovery_there(
    provider_process,
):
    match = provider_process.wait_for_line(ISSUER_LINE, timeout=10)
    issuer, port = match.group(1), int(match.group(2))

    # How fast is measured by benchmarks/provider.py (cold start); a timed test would be flaky.
    document, _elapsed = wait_for_discovery(issuer, provider_process.started)

    assert port != 0
    assert document["issuer"] == f"http://127.0.0.1:{port}"
    assert document["token_endpoint"] == f"http://127.0.0.1:{port}/token"


def test_an_issuer_with_a_path_is_served_at_the_root_with_a_warning_saying_so(tmp_path):
    process = launch(
        "provider", "--port", "0", "--issuer", "http://127.0.0.1:9999/idp",
        "--database", f"sqlite:///{tmp_path / 'p.db'}",
    )  # fmt: skip
    process.wait_for_line(re.compile(r"^ready in \d+ ms"), timeout=10)
    process.popen.send_signal(signal.SIGINT)
    process.finish()
    process.close()

    assert (
        "the issuer has a path (/idp), but the provider serves its endpoints at the root of the "
        "address it listens on: clients reach them only through a proxy that strips /idp."
    ) in "\n".join(process.stderr)


def test_provider_lists_seeded_clients_and_users_and_warns_on_stderr(provider_process):
    provider_process.wait_for_line(re.compile(r"^ready in \d+ ms"), timeout=10)
    provider_process.popen.send_signal(signal.SIGINT)
    provider_process.finish()

    stdout = "\n".join(provider_process.stdout)
    for client_id in ("web-app", "spa", "tv-app", "backend-service"):
        assert re.search(rf"^  {client_id} ", stdout, re.MULTILINE), client_id
    assert "secret web-app-secret" in stdout
    assert re.search(r"^  alice +Alice Adams \(one click, no password\)$", stdout, re.MULTILINE)
    assert "password: correct horse battery staple" in stdout
    stderr = "\n".join(provider_process.stderr)
    assert "WARNING: development signing keys in use" in stderr
    assert "WARNING" not in stdout


def test_sigint_stops_the_provider_cleanly(provider_process):
    issuer = provider_process.wait_for_line(ISSUER_LINE, timeout=10).group(1)
    wait_for_discovery(issuer, provider_process.started)

    provider_process.popen.send_signal(signal.SIGINT)
    code = provider_process.finish()

    assert code == 0, provider_process.output()
    assert provider_process.stdout[-1] == "mock_provider: stopped."
    assert "Traceback" not in provider_process.output()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)


def test_sigint_stops_the_provider_even_when_it_was_started_with_sigint_ignored(tmp_path):
    # A shell starting `(oauth-sandbox provider &)` hands the command SIGINT ignored.
    database = f"sqlite:///{tmp_path / 'p.db'}"
    popen = subprocess.Popen(
        ["sh", "-c", 'trap "" INT; exec "$0" "$@"', console_script(),
         "provider", "--port", "0", "--database", database],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"},
    )  # fmt: skip
    process = Process(popen=popen, started=time.perf_counter())
    process.wait_for_line(re.compile(r"^ready in \d+ ms"), timeout=10)

    popen.send_signal(signal.SIGINT)
    try:
        code = process.finish()
    finally:
        if popen.poll() is None:  # SIGINT did not stop it: the test fails, nothing is left
            popen.kill()
            popen.wait()
        for stream in (popen.stdout, popen.stderr):
            stream.close()

    assert code == 0, process.output()
    assert process.stdout[-1] == "mock_provider: stopped."


def test_bad_config_file_exits_non_zero_naming_file_key_and_expectation(tmp_path):
    config = tmp_path / "classroom.toml"
    config.write_text('[clients.demo]\nredirect_uris = ["https://client.test/cb"]\nscope = 7\n')

    process = launch(
        "provider", "--port", "0", "--config", str(config),
        "--database", f"sqlite:///{tmp_path / 'p.db'}",
    )  # fmt: skip
    code = process.finish()
    process.close()

    assert code != 0
    stderr = "\n".join(process.stderr)
    assert str(config) in stderr
    assert "[clients.demo] scope" in stderr
    assert "expected a space-separated string of scopes, got 7" in stderr
    assert "Traceback" not in process.output()
    assert not any(line.startswith("mock_provider: issuer") for line in process.stdout)


def test_a_user_renamed_since_the_last_run_stops_the_provider_naming_the_sub_it_kept(tmp_path):
    database = f"sqlite:///{tmp_path / 'p.db'}"
    config = tmp_path / "provider.toml"
    config.write_text('[users.carol]\nsub = "248289761001"\n')
    first = launch("provider", "--port", "0", "--config", str(config), "--database", database)
    first.wait_for_line(re.compile(r"^ready in \d+ ms"), timeout=10)
    first.popen.send_signal(signal.SIGINT)
    assert first.finish() == 0, first.output()
    config.write_text('[users.caroline]\nsub = "248289761001"\n')  # renamed, same subject

    second = launch("provider", "--port", "0", "--config", str(config), "--database", database)
    code = second.finish()
    first.close()
    second.close()

    assert code != 0
    stderr = "\n".join(second.stderr)
    assert (
        f"{config}: [users.caroline] sub: '248289761001' already belongs to user 'carol'" in stderr
    )
    assert "Traceback" not in second.output()


def test_beyond_loopback_the_control_api_and_registration_need_the_printed_instructor_token(
    tmp_path,
):
    process = launch(
        "provider", "--host", "0.0.0.0", "--port", "0",
        "--database", f"sqlite:///{tmp_path / 'p.db'}",
    )  # fmt: skip
    try:
        token = process.wait_for_line(re.compile(r"^  instructor token +(\S+)$"), 10).group(1)
        process.wait_for_line(re.compile(r"^ready in"), timeout=10)
        port = re.search(r"issuer http://[^:]+:(\d+)", "\n".join(process.stdout)).group(1)
        root = f"http://127.0.0.1:{port}"  # the tests reach it on loopback all the same
        wait_for_discovery(root, process.started)
        bearer = {"Authorization": f"Bearer {token}"}
        metadata = {"redirect_uris": ["https://client.test/cb"], "client_name": "Passer-by"}

        anonymous = requests.get(f"{root}/control/log", timeout=5)
        instructor = requests.get(f"{root}/control/log", headers=bearer, timeout=5)
        catalogue = requests.get(f"{root}/control/scenarios", timeout=5)
        passer_by = requests.post(f"{root}/register", json=metadata, timeout=5)
        registered = requests.post(f"{root}/register", json=metadata, headers=bearer, timeout=5)
        sign_in = requests.get(f"{root}/instructor", timeout=5)
    finally:
        process.popen.send_signal(signal.SIGINT)
        process.finish()
        process.close()

    assert "listening beyond loopback" in "\n".join(process.stderr)
    stdout = "\n".join(process.stdout)
    assert "web-app-secret" not in stdout  # a projected terminal shows no client secret
    assert "web-app          secret (hidden beyond loopback)" in stdout
    assert anonymous.status_code == 401
    assert "instructor token" in anonymous.json()["error_description"]
    assert instructor.status_code == 200
    # The read-only catalogue stays open, so learners' sandboxes can list and launch scenarios.
    assert catalogue.status_code == 200
    assert passer_by.status_code == 401
    assert passer_by.json()["error"] == "invalid_token"
    assert "instructor token" in passer_by.json()["error_description"]
    assert registered.status_code == 201
    # The page where the instructor's browser gets the token, for the attack demonstrations.
    assert re.search(r"^  instructor sign-in .* http://\S+:\d+/instructor$", stdout, re.M)
    assert sign_in.status_code == 200
    assert 'name="instructor_token"' in sign_in.text


def launch_run(tmp_path) -> tuple[Process, str, str]:
    """`oauth-sandbox run` on free ports with a throwaway provider database, once both answer;
    returns the process, the sandbox's URL and the provider's issuer."""
    sandbox_port, provider_port = _free_port(), _free_port()
    process = launch(
        "run", "--port", str(sandbox_port), "--provider-port", str(provider_port),
        extra_environment={"XDG_STATE_HOME": str(tmp_path)},
    )  # fmt: skip
    issuer = f"http://127.0.0.1:{provider_port}"
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    try:
        process.wait_for_line(re.compile(rf"^sandbox: open {re.escape(sandbox)}$"), timeout=10)
        wait_for_discovery(issuer, process.started)
    except BaseException:
        process.popen.kill()
        raise
    return process, sandbox, issuer


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_oauth_sandbox_run_starts_both_apps_and_a_ctrl_c_or_sigterm_stops_both(tmp_path, stop):
    process, sandbox, issuer = launch_run(tmp_path)
    try:
        index = requests.get(f"{sandbox}/", timeout=5)
    finally:
        process.popen.send_signal(stop)
        code = process.finish()
        process.close()

    assert index.status_code == 200
    assert "Step through an OAuth flow" in index.text
    # Each app has its own cookie name: browsers share cookies across the ports of one host.
    assert "sandbox_session" in index.cookies
    assert code == 0, process.output()
    assert "mock_provider: stopped." in process.stdout  # its own process, stopped in turn
    assert not [line for line in process.stderr if "error" in line.lower() or "Traceback" in line]
    assert process.stdout[-1] == "oauth-sandbox: stopped."
    for url in (f"{sandbox}/", f"{issuer}/.well-known/openid-configuration"):
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=1)


def test_the_provider_of_a_killed_oauth_sandbox_run_stops_and_frees_its_port(tmp_path):
    process, _, issuer = launch_run(tmp_path)
    process.popen.kill()  # SIGKILL: `run` gets no chance to stop its provider
    process.finish()

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
        except requests.ConnectionError:
            break  # nobody listens on the provider's port any more
        time.sleep(0.1)
    else:
        pytest.fail(f"the provider at {issuer} still answers 10 s after `run` was killed")
    time.sleep(0.5)  # its last words reach stderr, if it had any
    process.close()
    assert "Traceback" not in process.output()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_oauth_sandbox_sandbox_serves_the_attackers_site_too_and_ctrl_c_stops_it():
    port = _free_port()
    attacker = f"http://127.0.0.1:{port + 1}"  # the sandbox's port + 1, as the pages link it
    process = launch("sandbox", "--port", str(port))
    try:
        process.wait_for_line(re.compile(r"^ready in"), timeout=10)
        site = requests.get(f"{attacker}/", timeout=5)
    finally:
        process.popen.send_signal(signal.SIGINT)
        code = process.finish()
        process.close()

    assert f"sandbox: the attacker's site (for the attack pages) is {attacker}" in process.stdout
    assert site.status_code == 200
    assert code == 0, process.output()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{attacker}/", timeout=1)


def test_an_instructor_token_is_refused_for_a_sandbox_beyond_loopback():
    refused = subprocess.run(
        [console_script(), "sandbox", "--host", "0.0.0.0", "--instructor-token", "s3cret"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert refused.returncode != 0
    assert "would hand the provider's controls to everyone" in refused.stderr


@pytest.mark.parametrize(
    ("arguments", "environment", "said"),
    [
        (["provider", "--database", "notaurl"], {}, "--database notaurl: cannot use it"),
        (
            ["provider", "--database", "mysql://u:secret@127.0.0.1/db"],
            {},
            "--database mysql://u:***@127.0.0.1/db: cannot use it (its driver MySQLdb is not "
            "installed)",
        ),
        (["provider"], {"XDG_STATE_HOME": "{file}"}, "cannot keep the provider's database in"),
        (["provider", "--issuer", "notaurl"], {}, "expected an http(s) URL with a host"),
        (["sandbox", "--issuer", "ftp://x"], {}, "expected an http(s) URL with a host"),
        (["provider", "--config", "{latin1}"], {}, "not valid TOML (a TOML file is UTF-8 text)"),
        (["provider", "--host", "no-such-host.invalid"], {}, "cannot listen on no-such-host"),
        (["sandbox", "--port", "65535"], {}, "65535 is not in the range 0<=x<=65534"),
    ],
    ids=[
        "bad-url",
        "no-driver",
        "state-home",
        "issuer",
        "sandbox-issuer",
        "config",
        "host",
        "port",
    ],
)
def test_a_bad_value_stops_the_command_with_one_line_naming_it(
    tmp_path, monkeypatch, arguments, environment, said
):
    a_file, latin1 = tmp_path / "a-file", tmp_path / "latin1.toml"
    a_file.write_text("not a directory")
    latin1.write_bytes(b"[users.j\xf6rg]\n")
    fill = {"file": str(a_file), "latin1": str(latin1)}
    monkeypatch.setenv(
        "XDG_STATE_HOME", environment.get("XDG_STATE_HOME", str(tmp_path)).format(**fill)
    )
    arguments = [a.format(**fill) for a in arguments] + ["--port", "0"] * (
        "--port" not in arguments
    )

    result = CliRunner().invoke(main, arguments)

    assert result.exit_code in (1, 2), result.output  # 2: click's own usage error
    assert said in result.output
    assert isinstance(result.exception, SystemExit), result.exc_info  # no traceback


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


@pytest.mark.parametrize(
    ("command", "option"),
    [(["run", "--port", "{free}", "--provider-port"], "oauth-sandbox run --provider-port"),
     (["provider", "--port"], "oauth-sandbox provider --port"),
     (["sandbox", "--port"], "oauth-sandbox sandbox --port"),
     (["run", "--provider-port", "{free}", "--port"], "oauth-sandbox run --port")],
    ids=["run-provider-port", "provider", "sandbox", "run-sandbox-port"],
)  # fmt: skip
def test_a_taken_port_stops_the_command_with_one_line_naming_the_port_and_what_to_do(
    tmp_path, taken_port, command, option
):
    arguments = [a.format(free=_free_port()) for a in command] + [str(taken_port)]

    finished = subprocess.run(
        [console_script(), *arguments],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1", "XDG_STATE_HOME": str(tmp_path)},
    )  # fmt: skip

    errors = [line for line in finished.stderr.splitlines() if "Error" in line]
    assert finished.returncode == 1, finished.stderr
    assert errors == [
        f"Error: cannot listen on 127.0.0.1:{taken_port}: Address already in use. Stop the "
        f"program that listens there, or choose another port: {option} PORT (0 picks a free one)."
    ], finished.stderr
    assert "Traceback" not in finished.stderr


def _processes_naming(marker: str) -> list[str]:
    """The ids of running processes whose command line contains `marker` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command_line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue  # not a process, or one that ended while we looked
        if marker in command_line:
            found.append(entry.name)
    return found


def _wait_until_it_catches_sigterm(pid: int) -> None:
    """Wait for the command's first line: its package catches SIGTERM from there on (Linux's
    /proc shows the signals a process catches). Before it, a Ctrl-C lands in Python's own
    start-up (`site`), which no code of the command can catch."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text()
        caught = int(re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, re.M)[1], 16)
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.001)
    pytest.fail("the command never caught SIGTERM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
@pytest.mark.parametrize("delay", [0.02, 0.05, 0.1, 0.3])
@pytest.mark.parametrize(
    ("command", "said"),
    [(["run", "--port", "{free}", "--provider-port", "{marker}"], "oauth-sandbox: stopped."),
     (["provider", "--port", "{marker}"], "mock_provider: stopped."),
     (["sandbox", "--port", "{marker}"], "sandbox: stopped.")],
    ids=["run", "provider", "sandbox"],
)  # fmt: skip
def test_a_ctrl_c_while_the_command_starts_stops_it_as_a_later_one_does(
    tmp_path, command, said, delay
):
    marker = str(_free_port())  # the port names the provider process `run` may have started
    arguments = [a.format(free=_free_port(), marker=marker) for a in command]
    process = launch(*arguments, extra_environment={"XDG_STATE_HOME": str(tmp_path)})
    _wait_until_it_catches_sigterm(process.popen.pid)
    time.sleep(delay)
    process.popen.send_signal(signal.SIGINT)
    code = process.finish()
    time.sleep(0.3)  # a provider `run` started and failed to stop would still be running
    left = _processes_naming(f"--port {marker} --stop-with-parent")
    process.close()

    assert "Traceback" not in process.output()
    assert code == 0, process.output()
    assert process.stdout[-1] == said, process.output()
    assert left == []


def test_auto_login_of_an_unseeded_user_names_the_seeded_users_and_how_to_declare_one(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))

    result = CliRunner().invoke(main, ["provider", "--port", "0", "--auto-login", "nosuchuser"])

    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "Error: --auto-login nosuchuser: not one of the seeded users (alice, bob). To sign in "
        "as another user, declare it in a TOML file as [users.nosuchuser] and pass that file "
        "with --config FILE."
    ]


def test_auto_login_of_a_user_missing_from_the_config_file_names_that_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    config = tmp_path / "provider.toml"
    config.write_text('[users.carol]\nname = "Carol Chen"\n')

    result = CliRunner().invoke(
        main, ["provider", "--port", "0", "--config", str(config), "--auto-login", "nosuchuser"]
    )

    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {config}: --auto-login names user 'nosuchuser'")
    assert "expected one of ['carol']" in result.output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_command_a_test_launched_stops_when_pytest_is_killed(tmp_path):
    # A stand-in for pytest: it launches `oauth-sandbox provider` as the tests do, says its id.
    parent = subprocess.Popen(
        [sys.executable, "-c", (
            "import re, time\n"
            "from tests.test_cli import launch\n"
            f"child = launch('provider', '--port', '0', '--database', 'sqlite:///{tmp_path}/p.db')\n"
            "child.wait_for_line(re.compile('^ready in'), timeout=10)\n"  # it has no more to say
            "print(child.popen.pid, flush=True)\n"
            "time.sleep(60)\n"
        )],
        cwd=Path(__file__).parents[1], stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    child = int(parent.stdout.readline())
    parent.kill()  # SIGKILL: no finally, no fixture teardown
    parent.wait()
    parent.stdout.close()

    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        status = Path(f"/proc/{child}/status").read_text(errors="replace")
        if re.search(r"^State:\s*Z", status, re.M):
            break  # ended; only its entry is left, for init to collect
        time.sleep(0.05)
    else:
        if Path(f"/proc/{child}").exists():
            os.kill(child, signal.SIGKILL)
            pytest.fail("the command outlived the killed pytest by 10 s")

"""The provider under gunicorn with four worker processes, and across a restart.

Each worker builds its own app, so a code issued by one worker must be redeemable at another:
everything shared (codes, tokens, keys, settings) has to live in the database. Every request here
opens a fresh connection, so the kernel hands it to whichever worker accepts first. gunicorn's
access log names the worker that served each request (`%(p)s`), matched by a request header.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from joserfc import jws

from mock_provider import ProviderConfig
from mock_provider.server import serve_in_thread

from ..processes import ends_with_this_process
from .flows import ALICE_SUB, CLOSE, REDIRECT_URI, WEB_APP, callback_params

pytest.importorskip("gunicorn")
pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="finding worker processes reads Linux's /proc"
)

WORKERS = 4
TRIP_HEADER = "X-Test-Trip"
MIN_TRIPS, MAX_TRIPS = 16, 60


@dataclass
class Gunicorn:
    issuer: str
    master: int
    access_log: Path

    def worker_pids(self) -> set[int]:
        pids: set[int] = set()
        for task in Path(f"/proc/{self.master}/task").iterdir():
            pids |= {int(pid) for pid in (task / "children").read_text().split()}
        return pids

    def served_by(self, trip: str) -> int:
        """The PID of the worker whose access-log line carries this trip label."""
        deadline = time.monotonic() + 5  # a worker logs just after it has answered
        while time.monotonic() < deadline:
            for line in self.access_log.read_text().splitlines():
                label, pid, _status = line.split()
                if label == trip:
                    return int(pid.strip("<>"))  # gunicorn writes <1234>
            time.sleep(0.02)
        raise AssertionError(f"no access-log line for {trip}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory) -> Iterator[Gunicorn]:
    """`gunicorn -w 4 mock_provider.wsgi:app` on a file database, with auto-login alice."""
    folder = tmp_path_factory.mktemp("gunicorn")
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "MOCK_PROVIDER_DATABASE_URL": f"sqlite:///{folder / 'provider.sqlite3'}",
        "MOCK_PROVIDER_ISSUER": issuer,
        "MOCK_PROVIDER_AUTO_LOGIN": "alice",
    }
    access_log, error_log = folder / "access.log", folder / "error.log"
    command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"]
    command += ["--access-logfile", str(access_log), "--error-logfile", str(error_log)]
    command += ["--access-logformat", f"%({{{TRIP_HEADER.lower()}}}i)s %(p)s %(s)s"]
    process = subprocess.Popen(
        [*command, "mock_provider.wsgi:app"], env=env, **ends_with_this_process()
    )
    server = Gunicorn(issuer=issuer, master=process.pid, access_log=access_log)
    try:
        _wait_until_serving(server, process, error_log)
        yield server
    finally:
        process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown
        process.wait(timeout=30)


def _wait_until_serving(server: Gunicorn, process: subprocess.Popen, error_log: Path) -> None:
    deadline = time.monotonic() + 60  # four workers importing at once on two cores take a while
    while time.monotonic() < deadline:
        assert process.poll() is None, f"gunicorn exited:\n{error_log.read_text()[-3000:]}"
        try:
            answered = requests.get(
                f"{server.issuer}/.well-known/openid-configuration", headers=CLOSE, timeout=30
            ).status_code
        except requests.ConnectionError:
            answered = None  # not listening yet
        if answered == 200 and len(server.worker_pids()) == WORKERS:
            return
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not start:\n{error_log.read_text()[-3000:]}")


def _trip(name: str) -> dict[str, str]:
    return {**CLOSE, TRIP_HEADER: name}


def _round_trip(server: Gunicorn, number: int) -> tuple[int, int]:
    """Authorize, then redeem the code; returns the PIDs that served the two requests."""
    state = f"state-{number}"
    authorized = requests.get(
        f"{server.issuer}/authorize",
        params={
            "response_type": "code",
            "client_id": WEB_APP[0],
            "redirect_uri": REDIRECT_URI,
            "scope": "openid photos.read",
            "state": state,
        },
        headers=_trip(f"{number}-authorize"),
        allow_redirects=False,
        timeout=30,
    )
    assert authorized.status_code == 302, authorized.text[:500]
    callback = callback_params(authorized.headers["Location"])
    assert callback["state"] == state
    redeemed = requests.post(
        f"{server.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": REDIRECT_URI,
        },
        auth=WEB_APP,
        headers=_trip(f"{number}-token"),
        timeout=30,
    )
    assert redeemed.status_code == 200, redeemed.text[:500]
    assert redeemed.json()["token_type"] == "Bearer"
    return server.served_by(f"{number}-authorize"), server.served_by(f"{number}-token")


def _in_batches(work, batch: int = 8):
    """Run `work(number)` eight at a time, so that several workers must accept at once.

    One request after another may all land on the same idle worker; concurrent ones cannot,
    since a sync worker serves one request at a time.
    """
    with ThreadPoolExecutor(max_workers=batch) as pool:
        for start in range(0, MAX_TRIPS, batch):
            yield from pool.map(work, range(start, start + batch))


def test_codes_issued_by_one_worker_are_redeemed_at_another(gunicorn):
    served: list[tuple[int, int]] = []
    for pair in _in_batches(lambda number: _round_trip(gunicorn, number)):
        served.append(pair)
        crossed = [pair for pair in served if pair[0] != pair[1]]
        if len(served) >= MIN_TRIPS and crossed and len({*sum(served, ())}) >= 2:
            break

    pids = {pid for pair in served for pid in pair}
    assert pids <= gunicorn.worker_pids()  # served by gunicorn's workers, not its master
    assert len(pids) >= 2
    assert any(authorize != token for authorize, token in served)


def test_every_worker_publishes_the_same_single_signing_key(gunicorn):
    def fetch(number: int) -> tuple[int, dict]:
        label = f"jwks-{number}"
        jwks = requests.get(f"{gunicorn.issuer}/jwks", headers=_trip(label), timeout=30).json()
        return gunicorn.served_by(label), jwks

    answers: dict[int, list[dict]] = {}
    for count, (pid, jwks) in enumerate(_in_batches(fetch), start=1):
        answers.setdefault(pid, []).append(jwks)
        if count >= MIN_TRIPS and len(answers) >= 2:
            break

    assert len(answers) >= 2
    everything = [jwks for replies in answers.values() for jwks in replies]
    assert all(jwks == everything[0] for jwks in everything)
    assert len(everything[0]["keys"]) == 1  # workers starting together agreed on one key


def test_registered_client_signing_key_grant_and_clock_survive_a_restart(tmp_path):
    config = ProviderConfig.load(
        database_url=f"sqlite:///{tmp_path / 'provider.sqlite3'}", auto_login="alice"
    )
    first = serve_in_thread(config)
    port = int(first.issuer.rsplit(":", 1)[1])
    try:
        registered = requests.post(
            f"{first.issuer}/register",
            json={
                "client_name": "Restart survivor",
                "redirect_uris": ["https://client.test/cb"],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "scope": "openid profile",
                "token_endpoint_auth_method": "client_secret_basic",
            },
            timeout=10,
        )
        assert registered.status_code == 201, registered.text
        client = registered.json()
        kids_before = [
            key["kid"] for key in requests.get(f"{first.issuer}/jwks", timeout=10).json()["keys"]
        ]
        tokens_before = _sign_in(first.issuer, client)
        requests.post(f"{first.issuer}/control/clock/advance", data={"seconds": 60}, timeout=10)
    finally:
        first.stop()

    second = serve_in_thread(config, port=port)  # same port, so the same issuer
    try:
        assert second.issuer == first.issuer
        kids_after = [
            key["kid"] for key in requests.get(f"{second.issuer}/jwks", timeout=10).json()["keys"]
        ]
        tokens_after = _sign_in(second.issuer, client)
        still_valid = requests.get(
            f"{second.issuer}/userinfo",
            headers={"Authorization": f"Bearer {tokens_before['access_token']}"},
            timeout=10,
        )
        clock = requests.get(f"{second.issuer}/control/clock", timeout=10).json()
    finally:
        second.stop()

    assert clock["offset_seconds"] == 60
    assert kids_after == kids_before
    assert jws.extract_compact(tokens_after["id_token"].encode()).protected["kid"] in kids_before
    assert still_valid.status_code == 200
    assert still_valid.json()["sub"] == ALICE_SUB


def _sign_in(issuer: str, client: dict) -> dict:
    """The code flow for a dynamically registered client; fails unless the client is known."""
    authorized = requests.get(
        f"{issuer}/authorize",
        params={
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": "https://client.test/cb",
            "scope": "openid profile",
            "state": "restart",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert authorized.status_code == 302, authorized.text[:500]
    location = urlsplit(authorized.headers["Location"])
    assert location.netloc == "client.test"
    code = dict(parse_qsl(location.query))["code"]
    redeemed = requests.post(
        f"{issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://client.test/cb",
        },
        auth=(client["client_id"], client["client_secret"]),
        timeout=10,
    )
    assert redeemed.status_code == 200, redeemed.text
    return redeemed.json()


def test_the_wsgi_app_refuses_an_issuer_beyond_loopback_without_an_instructor_token(tmp_path):
    env = {
        **os.environ,
        "MOCK_PROVIDER_DATABASE_URL": f"sqlite:///{tmp_path / 'provider.sqlite3'}",
        "MOCK_PROVIDER_ISSUER": "http://192.0.2.10:9000",
    }
    env.pop("MOCK_PROVIDER_INSTRUCTOR_TOKEN", None)
    started = subprocess.run(
        [sys.executable, "-c", "import mock_provider.wsgi"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode != 0
    assert "set MOCK_PROVIDER_INSTRUCTOR_TOKEN" in started.stderr


def test_the_wsgi_app_serves_the_clients_of_the_config_file_it_is_given(tmp_path):
    config = tmp_path / "provider.toml"
    config.write_text('[clients.mine]\nclient_secret = "s"\ngrant_types = ["client_credentials"]\n')
    env = {
        **os.environ,
        "MOCK_PROVIDER_DATABASE_URL": f"sqlite:///{tmp_path / 'provider.sqlite3'}",
        "MOCK_PROVIDER_CONFIG": str(config),
    }
    script = (
        "from mock_provider.wsgi import app\n"
        "answer = app.test_client().post('/token', data={'grant_type': 'client_credentials'},"
        " headers={'Authorization': 'Basic bWluZTpz'})\n"  # mine:s
        "print(answer.status_code, answer.get_json()['token_type'])\n"
    )
    started = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )

    assert started.stdout.strip() == "200 Bearer", started.stderr

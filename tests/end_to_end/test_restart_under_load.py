"""`kill -9` of the provider in the middle of a classroom, then a restart on the same database.

The provider runs as the learner runs it, `oauth-sandbox provider --port P --database
sqlite:///...`, in a subprocess. A client registers (RFC 7591), flows complete, then several
threads keep running flows while the process is killed with SIGKILL: no shutdown code runs.
What was committed before the kill must be there after the restart, the SQLite file must pass
`PRAGMA integrity_check`, and a flow caught in flight must fail as a connection error at the
client, never as a response with broken content. A sandbox whose provider dies mid-flow must say
so in words, not answer 500.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup

from ..processes import ends_with_this_process
from .flows import ALICE_SUB, REDIRECT_URI, TIMEOUT, hidden_fields, pkce_pair
from .sandbox_pages import make_sandbox, page, run_path

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')
LOADERS = 4
CONNECTION_BROKE = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


@dataclass
class Provider:
    """`oauth-sandbox provider` in a subprocess, on a port and a database that outlive it."""

    port: int
    database: Path
    log: Path
    process: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        script = Path(sys.executable).with_name("oauth-sandbox")
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(script), "provider", "--port", str(self.port)]
                + ["--database", f"sqlite:///{self.database}"],
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "NO_COLOR": "1"},
                **ends_with_this_process(),
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        pytest.fail(f"the provider did not answer within 15 s:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to close anything."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=5)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture
def provider(tmp_path) -> Iterator[Provider]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = Provider(port, tmp_path / "p.db", tmp_path / "provider.log")
    running.start()
    yield running
    running.stop()


def register(issuer: str) -> tuple[str, str]:
    """A confidential web client registered over HTTP (RFC 7591 §3); its id and secret."""
    response = requests.post(
        f"{issuer}/register",
        json={
            "client_name": "restart test",
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": "openid profile",
            "token_endpoint_auth_method": "client_secret_basic",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["client_id"], body["client_secret"]


def sign_in_and_allow(browser: requests.Session, url: str) -> requests.Response:
    """What a person does at the authorization endpoint: alice's one click, then Allow."""
    response = browser.get(url, allow_redirects=False, timeout=TIMEOUT)
    for _ in range(2):
        if response.status_code != 200:
            break
        form = {**hidden_fields(response.text), "action": "login", "username": "alice"}
        if 'value="allow"' in response.text:
            form = {**hidden_fields(response.text), "action": "allow"}
        response = browser.post(url, data=form, allow_redirects=False, timeout=TIMEOUT)
    return response


def code_from(browser: requests.Session, issuer: str, client_id: str) -> tuple[str, str]:
    """An authorization code for alice, with PKCE; returns the code and its code_verifier."""
    verifier, challenge = pkce_pair()
    request = requests.Request(
        "GET",
        f"{issuer}/authorize",
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    ).prepare()
    response = sign_in_and_allow(browser, request.url or "")
    assert response.status_code == 302, response.text[:500]
    params = dict(parse_qsl(urlsplit(response.headers["Location"]).query))
    return params["code"], verifier


@dataclass
class Client:
    """The registered client, one browser (alice's) and what the flows brought back."""

    issuer: str
    client_id: str
    secret: str
    browser: requests.Session = field(default_factory=requests.Session)

    def flow(self) -> dict:
        """Code, tokens, userinfo: one whole flow; every answer must be whole and as specified."""
        code, verifier = code_from(self.browser, self.issuer, self.client_id)
        tokens = self.token(
            grant_type="authorization_code",
            code=code,
            redirect_uri=REDIRECT_URI,
            code_verifier=verifier,
        )
        assert "id_token" in tokens
        claims = requests.get(
            f"{self.issuer}/userinfo",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            timeout=TIMEOUT,
        )
        assert claims.status_code == 200, claims.text
        assert claims.json()["sub"] == ALICE_SUB
        return tokens

    def token(self, **form: str) -> dict:
        response = requests.post(
            f"{self.issuer}/token", data=form, auth=(self.client_id, self.secret), timeout=TIMEOUT
        )
        assert response.status_code == 200, response.text
        tokens = response.json()
        assert {"access_token", "refresh_token"} <= tokens.keys(), tokens
        return tokens


def keep_flowing(client: Client, done: list[int], failures: list[BaseException]) -> None:
    """Flows until one fails; the failure (a connection error, we expect) is kept."""
    worker = Client(client.issuer, client.client_id, client.secret)
    try:
        while True:
            worker.flow()
            done.append(1)
    except BaseException as failure:  # an AssertionError is kept too: that would be corruption
        failures.append(failure)


def grants(issuer: str) -> set[tuple]:
    """Each grant the provider holds: its id, client, user and whether it is revoked."""
    response = requests.get(f"{issuer}/control/state", timeout=TIMEOUT)
    return {
        (grant["grant_id"], grant["client_id"], grant["username"], grant["revoked"])
        for grant in response.json()["grants"]
    }


def test_a_kill_9_mid_load_loses_nothing_committed_and_in_flight_flows_fail_as_connection_errors(
    provider,
):
    client = Client(provider.issuer, *register(provider.issuer))
    before = [client.flow() for _ in range(3)]
    grants_before = grants(provider.issuer)
    done: list[int] = []
    failures: list[BaseException] = []
    threads = [
        threading.Thread(target=keep_flowing, args=(client, done, failures), daemon=True)
        for _ in range(LOADERS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(done) < 2 * LOADERS and not failures and time.monotonic() < deadline:
        time.sleep(0.01)

    provider.kill()
    for thread in threads:
        thread.join(timeout=TIMEOUT + 5)

    assert len(done) >= 2 * LOADERS, failures  # the load really ran before the kill
    assert len(failures) == LOADERS
    # The connection broke: refused, reset, or closed before the body promised by
    # Content-Length arrived (requests' ChunkedEncodingError). Never a whole answer that is wrong.
    assert all(isinstance(f, CONNECTION_BROKE) for f in failures), failures
    with sqlite3.connect(provider.database) as database:
        assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    provider.start()  # same port, same database

    assert {(client.client_id, "alice", False)} == {g[1:] for g in grants_before}
    assert grants_before <= grants(provider.issuer)
    refreshed = client.token(grant_type="refresh_token", refresh_token=before[0]["refresh_token"])
    assert refreshed["access_token"] != before[0]["access_token"]
    again = Client(provider.issuer, client.client_id, client.secret)  # a new browser: signs in
    assert again.flow()["refresh_token"]
    with sqlite3.connect(provider.database) as database:
        assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_learner_whose_provider_was_killed_mid_flow_is_told_it_did_not_answer(provider):
    learner = make_sandbox(provider.issuer)
    started = learner.post(
        "/flows/authorization-code/runs", data={"variant": "confidential-pkce", **csrf(learner)}
    )
    path = urlsplit(started.headers["Location"]).path
    link = page(learner.get(path)).find("a", string="Follow the link to the provider")
    back = urlsplit(sign_in_and_allow(requests.Session(), link["href"]).headers["Location"])
    assert learner.get(f"{back.path}?{back.query}").status_code == 302

    provider.kill()
    sent = learner.post(f"{run_path(path)}/steps/token_request", data=csrf(learner, path))
    restarted_run = learner.post(
        "/flows/authorization-code/runs", data={"variant": "confidential-pkce", **csrf(learner)}
    )

    assert sent.status_code == 502
    said = BeautifulSoup(sent.get_data(as_text=True), "html.parser").find(role="alert").text
    assert f"The provider at {provider.issuer} did not answer" in said
    assert learner.get(path).status_code == 200  # the step page still opens
    assert restarted_run.status_code == 502
    assert "Is the provider running?" in restarted_run.get_data(as_text=True)


def csrf(learner, path: str = "/") -> dict[str, str]:
    """The CSRF field of the page's forms, as the browser sends it back (none if there is none)."""
    found = CSRF_FIELD.search(learner.get(path).get_data(as_text=True))
    return {"csrf_token": found.group(1)} if found else {}

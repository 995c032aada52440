"""A finished run downloaded from its timeline (Markdown, JSON, HAR), and its curl commands.

The run is real: a provider on a loopback port, the sandbox in-process with Flask's test client
as the learner's browser, and the authorization link followed over HTTP, as in
tests/end_to_end/test_sandbox_flows.py. One confidential run is recorded for the whole module,
so it holds the registration exchange (with the client secret in its response) and a token
request authenticated with HTTP Basic.
"""

from __future__ import annotations

import base64
import json
import shlex
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import requests
from bs4 import BeautifulSoup

from mock_provider import ProviderConfig
from mock_provider.server import serve_in_thread
from sandbox import SandboxConfig, annotations, create_app, display, exports
from sandbox.recorder import Exchange, Run

from .sandbox_pages import finish, start

SANDBOX = "http://127.0.0.1:8000"


@dataclass
class Recorded:
    learner: object  # the sandbox's test client
    run: Run

    def download(self, kind: str):
        return self.learner.get(f"/runs/{self.run.id}/export.{kind}")

    def text(self, kind: str) -> str:
        response = self.download(kind)
        assert response.status_code == 200
        return response.get_data(as_text=True)


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Iterator[Recorded]:
    """A confidential-client run with PKCE, driven to its last step against a real provider."""
    database = tmp_path_factory.mktemp("provider") / "p.sqlite3"
    provider = serve_in_thread(
        ProviderConfig.load(database_url=f"sqlite:///{database}", auto_login="alice")
    )
    try:
        app = create_app(SandboxConfig(issuer=provider.issuer, base_url=SANDBOX))
        learner = app.test_client()
        path = start(learner, "authorization-code", "confidential-pkce")
        link = soup(learner.get(path)).find("a", string="Follow the link to the provider")
        at_provider = requests.get(link["href"], allow_redirects=False, timeout=10)
        back = urlsplit(at_provider.headers["Location"])
        learner.get(f"{back.path}?{back.query}")
        run_path = path.rsplit("/steps/", 1)[0]
        finish(learner, path)
        with learner.session_transaction() as session:
            run = app.extensions["sandbox"].runs.get(session["learner"], run_path.split("/")[-1])
        assert run.error is None
        assert run.completed[-1] == "userinfo_request"
        yield Recorded(learner, run)
    finally:
        provider.stop()


def secret_forms(run: Run) -> list[str]:
    """The client secret as it is, and as its Basic credentials encode it."""
    credentials = run.credentials
    basic = base64.b64encode(f"{credentials.client_id}:{credentials.client_secret}".encode())
    return [credentials.client_secret, basic.decode()]


def test_timeline_offers_the_run_as_three_downloads(recorded):
    timeline = soup(recorded.learner.get(f"/runs/{recorded.run.id}/timeline"))

    links = {a.text: a for a in timeline.select(".downloads a")}

    assert set(links) == {
        "Markdown handout",
        "JSON",
        "HAR (opens in browsers' developer tools)",
    }
    for link in links.values():
        response = recorded.learner.get(link["href"])
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        assert link.has_attr("download")


def test_har_export_is_a_har_1_2_log_with_one_entry_per_exchange_in_order(recorded):
    response = recorded.download("har")
    log = json.loads(response.get_data(as_text=True))["log"]

    assert response.headers["Content-Type"] == "application/json"
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "oauth-sandbox"
    assert log["creator"]["version"]
    sent = [(x.method, x.url, x.status) for x in recorded.run.exchanges]
    exported = [
        (e["request"]["method"], e["request"]["url"], e["response"]["status"])
        for e in log["entries"]
    ]
    assert exported == sent
    starts = [datetime.fromisoformat(e["startedDateTime"]) for e in log["entries"]]
    assert starts == sorted(starts)
    for entry in log["entries"]:
        request, response_ = entry["request"], entry["response"]
        assert {
            "httpVersion",
            "cookies",
            "headers",
            "queryString",
            "headersSize",
            "bodySize",
        } <= set(request)
        assert {"statusText", "httpVersion", "cookies", "headers", "redirectURL"} <= set(response_)
        assert {"size", "mimeType"} <= set(response_["content"])
        assert entry["cache"] == {}
        timings = entry["timings"]
        assert min(timings["send"], timings["wait"], timings["receive"]) >= 0
        assert entry["time"] == pytest.approx(sum(timings.values()))


def test_har_entries_carry_the_form_body_query_and_redirect(recorded):
    entries = json.loads(recorded.text("har"))["log"]["entries"]
    by_step = dict(zip((x.step for x in recorded.run.exchanges), entries, strict=True))

    token = by_step["token_request"]["request"]
    assert token["postData"]["mimeType"].startswith("application/x-www-form-urlencoded")
    assert "grant_type=authorization_code" in token["postData"]["text"]
    assert token["bodySize"] == len(token["postData"]["text"])
    authorization = by_step["authorization_request"]
    assert {"name": "response_type", "value": "code"} in authorization["request"]["queryString"]
    assert authorization["response"]["status"] == 302
    assert "/callback?code=" in authorization["response"]["redirectURL"]
    assert "front channel" in authorization["comment"]


def test_markdown_handout_shows_each_exchange_as_raw_http_with_its_title_and_notice(recorded):
    response = recorded.download("md")
    handout = response.get_data(as_text=True)

    assert response.headers["Content-Type"].startswith("text/markdown")
    for exchange in exports.exchanges(recorded.run):
        note = annotations.step(exchange.step)
        assert note.title in handout
        assert f"> {note.notice_for(display.sent_parameters([exchange]))}" in handout
        assert f"```http\n{display.raw_request(exchange)}\n```" in handout
    assert "- **state**: passed." in handout
    assert "- **aud**: passed." in handout


def test_markdown_handout_puts_the_id_token_checks_between_the_key_set_and_userinfo(recorded):
    handout = recorded.text("md")

    jwks = handout.index("Key set request")
    checks = handout.index("### The client's checks: ID token validation")
    userinfo = handout.index("UserInfo request\n")

    assert jwks < checks < userinfo


def test_json_export_round_trips_to_the_runs_exchanges_and_checks(recorded):
    data = json.loads(recorded.text("json"))

    assert [Exchange(**item) for item in data["exchanges"]] == exports.exchanges(recorded.run)
    assert data["checks"] == {
        step: [asdict(check) for check in checks] for step, checks in recorded.run.checks.items()
    }
    assert data["run"]["id"] == recorded.run.id
    assert data["run"]["completed"] == recorded.run.completed


@pytest.mark.parametrize("kind", ["md", "json", "har"])
def test_no_export_reveals_the_client_secret_but_every_export_keeps_the_tokens(recorded, kind):
    text = recorded.text(kind)

    for secret in secret_forms(recorded.run):
        assert secret not in text
    assert "Basic (masked)" in text
    assert recorded.run.client_state["tokens"]["access_token"] in text


def test_registration_answer_keeps_its_fields_with_the_secret_masked(recorded):
    data = json.loads(recorded.text("json"))

    registration = next(x for x in data["exchanges"] if x["step"] == "registration_request")
    answer = json.loads(registration["response_body"])

    assert answer["client_secret"] == "(masked)"
    assert answer["client_id"] == recorded.run.credentials.client_id


def test_curl_command_of_the_token_request_splits_back_into_the_same_request(recorded):
    token_request = recorded.run.exchanges_of("token_request")[0]

    command = exports.curl_command(token_request)
    # A POSIX shell drops a backslash-newline (a line continuation); shlex does not, so do it here.
    words = shlex.split(command.replace("\\\n", " "))

    assert words[:4] == ["curl", "-X", "POST", token_request.url]
    headers = [value for flag, value in zip(words[4::2], words[5::2], strict=True) if flag == "-H"]
    assert headers == [f"{name}: {value}" for name, value in token_request.request_headers.items()]
    assert words[-2:] == ["--data-raw", token_request.request_body]


def test_each_back_channel_exchange_on_the_timeline_offers_its_curl_command(recorded):
    timeline = soup(recorded.learner.get(f"/runs/{recorded.run.id}/timeline"))

    sections = timeline.select("ol.timeline section.exchange")
    with_curl = [bool(section.select_one("details.curl")) for section in sections]

    assert with_curl == [x.channel == "back" for x in recorded.run.exchanges]
    token_section = sections[[x.step for x in recorded.run.exchanges].index("token_request")]
    command = token_section.select_one("details.curl pre").text
    assert command.startswith("curl -X POST ")
    assert "--data-raw 'grant_type=authorization_code" in command

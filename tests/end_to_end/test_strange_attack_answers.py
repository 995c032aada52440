"""The attack pages, when the provider or the attacker's site answers with something unusable.

The real mock provider and attacker's site serve every request, except at the one path a test
makes strange: an HTML page or a JSON list where a JSON object belongs. The page then says what
came, as the flow pages do, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from werkzeug.serving import make_server

from mock_provider import ProviderConfig
from mock_provider.server import RunningProvider, bind
from sandbox import SandboxConfig, create_app
from sandbox.attacker import create_attacker_app

from .sandbox_pages import SANDBOX, submit
from .servers import serving
from .test_attack_pairs import run_setting

HTML_PAGE = "<!doctype html><html><body>Welcome to our portal</body></html>"
ANSWERS = {"html": (HTML_PAGE, "text/html; charset=utf-8"), "json-list": (["x"], "")}


class Strange:
    """A WSGI app that answers as `app` does, except at the paths a test made strange."""

    def __init__(self, app) -> None:
        self.app = app
        self.strange: dict[str, tuple[str, str, str]] = {}

    def answer(self, path: str, kind: str, status: int = 200) -> None:
        """Make `path` answer an HTML page or a JSON list (`kind`, a key of ANSWERS)."""
        body, content_type = ANSWERS[kind]
        if not isinstance(body, str):
            body, content_type = json.dumps(body), "application/json"
        self.strange[path] = (body, f"{status} Strange", content_type)

    def __call__(self, environ: dict[str, Any], start_response):
        if environ["PATH_INFO"] not in self.strange:
            return self.app(environ, start_response)
        body, status, content_type = self.strange[environ["PATH_INFO"]]
        start_response(status, [("Content-Type", content_type)])
        return [body.encode()]


@pytest.fixture
def provider(tmp_path) -> Iterator[Strange]:
    """The seeded provider with --auto-login alice, strange where a test says."""
    config = ProviderConfig.load(
        database_url=f"sqlite:///{tmp_path / 'provider.sqlite3'}", auto_login="alice"
    )
    bound = bind(config, "127.0.0.1", 0, poll_seconds=0.05)
    strange = Strange(bound.app)
    bound.server.application = strange  # type: ignore[attr-defined]
    running = RunningProvider(bound)
    strange.issuer = running.issuer  # type: ignore[attr-defined]
    yield strange
    running.stop()


@pytest.fixture
def attacker_site() -> Iterator[Strange]:
    """The attacker's site on a free loopback port, strange where a test says."""
    strange = Strange(create_attacker_app())
    server = make_server("127.0.0.1", 0, strange, threaded=True)
    strange.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    with serving(server):
        yield strange


@pytest.fixture
def learner(provider, attacker_site):
    config = SandboxConfig(issuer=provider.issuer, base_url=SANDBOX, attacker_url=attacker_site.url)
    return create_app(config).test_client()


def _said(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ")


def _redeem(learner, attack: str, setting: str):
    return submit(learner, f"/attacks/{attack}", f"/attacks/{attack}/redeem", setting=setting)


@pytest.mark.parametrize("kind", ANSWERS)
def test_a_strange_403_from_a_vulnerable_issuer_says_what_came(learner, provider, kind):
    discovery = "/scenarios/vulnerable-pkce-optional/.well-known/openid-configuration"
    provider.answer(discovery, kind, status=403)

    response = submit(
        learner, "/attacks/pkce-optional", "/attacks/pkce-optional/runs", setting="vulnerable"
    )

    assert response.status_code == 502
    assert "The attack cannot run" in _said(response)
    assert "answered 403" in _said(response)


@pytest.mark.parametrize("kind", ANSWERS)
def test_a_strange_userinfo_answer_to_the_attacker_says_what_came(learner, provider, kind):
    provider.answer("/scenarios/vulnerable-pkce-optional/userinfo", kind)
    run_setting(learner, "pkce-optional", "vulnerable")

    response = _redeem(learner, "pkce-optional", "vulnerable")

    assert response.status_code == 502
    assert "The provider's answer cannot be used" in _said(response)
    assert "The userinfo endpoint answered 200 with" in _said(response)


@pytest.mark.parametrize("kind", ANSWERS)
def test_a_strange_request_log_from_the_attackers_site_says_what_came(learner, attacker_site, kind):
    attacker_site.answer("/log", kind)
    run_setting(learner, "pkce-optional", "vulnerable")

    response = _redeem(learner, "pkce-optional", "vulnerable")

    assert response.status_code == 502
    assert "The attack cannot go on" in _said(response)
    assert f"The attacker's site at {attacker_site.url}/log answered 200 with" in _said(response)


@pytest.mark.parametrize("kind", ANSWERS)
def test_a_strange_control_log_leaves_the_secure_run_without_the_checks_it_failed(
    learner, provider, kind
):
    provider.answer("/control/log", kind)
    run_setting(learner, "pkce-optional", "secure")

    response = _redeem(learner, "pkce-optional", "secure")

    assert response.status_code == 302
    panel = BeautifulSoup(
        learner.get("/attacks/pkce-optional").get_data(as_text=True), "html.parser"
    )
    verdict = panel.find("section", id="secure").find(class_="verdict").text
    assert verdict.startswith("invalid_request: code_verifier is missing")


@pytest.mark.parametrize("kind", ANSWERS)
def test_a_strange_answer_to_the_attackers_lure_says_what_came(learner, attacker_site, kind):
    attacker_site.answer("/lures", kind)

    response = submit(
        learner, "/attacks/login-csrf", "/attacks/login-csrf/runs", setting="vulnerable"
    )

    assert response.status_code == 502
    assert f"The attacker's site at {attacker_site.url}/lures answered 200 with" in _said(response)

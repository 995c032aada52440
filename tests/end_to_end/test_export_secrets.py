"""No export of a run shows a client secret, even a second client's that a scenario registers.

The "code redeemed by another client" scenario registers the attacker's own client beside the
sandbox's, so the run records two registration answers, each with a client_secret (RFC 7591
§3.2.1). Every download (Markdown, JSON, HAR) must show both masked.
"""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from mock_provider import ProviderConfig
from mock_provider.server import serve_in_thread
from sandbox import SandboxConfig, create_app

SCENARIO = "Code redeemed by another client"


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """The scenario launched as a learner launches it; its three downloads, as text."""
    database = tmp_path_factory.mktemp("provider") / "p.sqlite3"
    provider = serve_in_thread(
        ProviderConfig.load(database_url=f"sqlite:///{database}", auto_login="alice")
    )
    try:
        app = create_app(SandboxConfig(issuer=provider.issuer, base_url="http://127.0.0.1:8000"))
        learner = app.test_client()
        index = BeautifulSoup(learner.get("/").get_data(as_text=True), "html.parser")
        form = index.find("button", attrs={"aria-label": f"Launch {SCENARIO}"}).find_parent("form")
        fields = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
        started = learner.post(form["action"], data=fields)
        assert started.status_code == 302, started.get_data(as_text=True)[:1000]
        with learner.session_transaction() as session:
            (run,) = app.extensions["sandbox"].runs.of(session["learner"])
        texts = {
            kind: learner.get(f"/runs/{run.id}/export.{kind}").get_data(as_text=True)
            for kind in ("md", "json", "har")
        }
        yield run, texts
    finally:
        provider.stop()


@pytest.mark.parametrize("kind", ["md", "json", "har"])
def test_no_export_shows_the_attackers_client_secret_nor_the_sandboxs(exports, kind):
    run, texts = exports
    attacker_secret = run.client_state["attacker_client"]["client_secret"]
    assert attacker_secret
    assert run.credentials.client_secret

    assert attacker_secret not in texts[kind]
    assert run.credentials.client_secret not in texts[kind]
    assert "(masked)" in texts[kind]


def test_both_registration_answers_keep_their_client_id_with_the_secret_masked(exports):
    run, texts = exports
    registrations = [
        json.loads(exchange["response_body"])
        for exchange in json.loads(texts["json"])["exchanges"]
        if exchange["step"] == "registration_request"
    ]

    assert [answer["client_secret"] for answer in registrations] == ["(masked)", "(masked)"]
    assert {answer["client_id"] for answer in registrations} == {
        run.credentials.client_id,
        run.client_state["attacker_client"]["client_id"],
    }

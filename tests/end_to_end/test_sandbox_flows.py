"""The sandbox driven as a learner drives it, against a real provider on loopback.

The sandbox runs in-process (Flask's test client plays the learner's browser on the sandbox's
pages); the provider is a real waitress server. The front channel is carried the way a browser
carries it: the test follows the authorization link over real HTTP and brings the redirect back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from mock_provider import ProviderConfig
from mock_provider.faults import FAULTS
from mock_provider.server import serve_in_thread
from sandbox import SandboxConfig, create_app

from . import sandbox_pages
from .sandbox_pages import (
    SANDBOX,
    finish,
    follow_authorization_link,
    make_sandbox,
    page,
    send,
    unexplained,
    verdicts,
)


def start(learner, variant: str) -> str:
    """Start a run of the authorization code flow; returns the path of its first step page."""
    return sandbox_pages.start(learner, "authorization-code", variant)


@pytest.fixture
def provider(tmp_path) -> Iterator:
    """A real provider with --auto-login alice, so the authorization link redirects at once."""
    running = serve_in_thread(
        ProviderConfig.load(database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}", auto_login="alice")
    )
    yield running
    running.stop()


@pytest.mark.parametrize("variant", ["confidential-pkce", "public-pkce", "classic"])
def test_learner_completes_the_authorization_code_flow_step_by_step(provider, variant):
    learner = make_sandbox(provider.issuer)
    path = start(learner, variant)

    request_page = page(learner.get(path))
    callback_page = follow_authorization_link(learner, path)
    token_page = send(learner, path, "token_request")
    checklist_page = send(learner, path, "id_token_validation")
    userinfo_page = send(learner, path, "userinfo_request")

    names = [dt.code.text for dt in request_page.select("dl.params dt")]
    assert {"response_type", "client_id", "redirect_uri", "state", "nonce"} <= set(names)
    assert ("code_challenge" in names) is (variant != "classic")
    assert verdicts(callback_page, "What the client compares before using the code") == {
        "state": "passed",
        "iss": "passed",
    }
    assert "id_token" in [dt.code.text for dt in token_page.select("dl.params dt")]
    assert "Decoded JWT" in token_page.text
    assert set(verdicts(checklist_page, "ID token checklist").values()) == {"passed"}
    assert "Alice Adams" in userinfo_page.text
    assert not userinfo_page.find(class_="problem")


def test_step_page_shows_the_providers_checks_for_the_same_exchange(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "public-pkce")
    follow_authorization_link(learner, path)

    token_page = send(learner, path, "token_request")

    provider_view = token_page.find("section", attrs={"aria-labelledby": "provider-view"})
    assert "POST /token" in provider_view.text
    assert "PKCE code_verifier: passed" in provider_view.text


def test_token_request_is_previewed_exactly_before_it_is_sent(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "confidential-pkce")
    follow_authorization_link(learner, path)

    preview = page(learner.get(path.rsplit("/", 1)[0] + "/token_request"))
    section = preview.find("section", attrs={"aria-label": "About to send"})

    raw = section.find("pre").text
    assert raw.startswith("POST /token HTTP/1.1")
    assert "Authorization: Basic " in raw
    assert "grant_type=authorization_code" in raw
    assert "code_verifier=" in raw
    assert preview.find("button", string="Send this request")


def test_run_to_the_end_performs_every_remaining_step(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "confidential-pkce")
    follow_authorization_link(learner, path)

    finished = finish(learner, path)
    last = page(learner.get(finished.headers["Location"]))

    assert "Alice Adams" in last.text
    assert "That was the last step" in last.text


def test_two_learners_never_see_each_others_runs(provider):
    app = create_app(SandboxConfig(issuer=provider.issuer, base_url=SANDBOX))
    alice, bob = app.test_client(), app.test_client()
    path = start(alice, "confidential-pkce")

    assert bob.get(path).status_code == 404
    assert path.split("/")[2] not in bob.get("/").get_data(as_text=True)
    assert path.split("/")[2] in alice.get("/").get_data(as_text=True)


def test_callback_with_a_state_this_browser_never_sent_is_not_acted_on(provider):
    learner = make_sandbox(provider.issuer)
    start(learner, "confidential-pkce")

    response = learner.get("/callback?code=stolen&state=not-mine")

    assert response.status_code == 400
    assert "started no flow with" in response.get_data(as_text=True)


def test_a_second_callback_after_one_that_stopped_the_run_is_not_acted_on(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "confidential-pkce")
    link = page(learner.get(path)).find("a", string="Follow the link to the provider")
    granted = urlsplit(
        requests.get(link["href"], allow_redirects=False, timeout=10).headers["Location"]
    )
    state = parse_qs(granted.query)["state"][0]
    denied = learner.get(f"/callback?error=access_denied&state={state}&iss={provider.issuer}")

    again = learner.get(f"{granted.path}?{granted.query}")  # Back, then Allow this time

    assert denied.status_code == 302
    assert again.status_code == 409
    assert "already received its authorization response" in again.get_data(as_text=True)
    stopped = page(learner.get(denied.headers["Location"]))
    assert "access_denied" in stopped.text


def test_two_quick_submits_of_one_step_send_it_once(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "confidential-pkce")
    follow_authorization_link(learner, path)
    action = path.rsplit("/steps/", 1)[0] + "/steps/token_request"
    token = page(learner.get(action)).find("input", attrs={"name": "csrf_token"})["value"]
    together = threading.Barrier(2)

    def submit() -> int:
        together.wait()
        return learner.post(action, data={"csrf_token": token}).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(lambda _: submit(), range(2)))

    assert statuses == [302, 409]
    assert "invalid_grant" not in page(learner.get(action)).text
    log = requests.get(f"{provider.issuer}/control/log", timeout=5).json()["entries"]
    assert [entry["request"] for entry in log].count("POST /token") == 1


def test_sandbox_learns_a_second_issuer_from_discovery_alone(provider, tmp_path):
    other = serve_in_thread(
        ProviderConfig.load(
            database_url=f"sqlite:///{tmp_path / 'other.sqlite3'}", auto_login="bob"
        )
    )
    try:
        learner = make_sandbox(other.issuer)
        path = start(learner, "public-pkce")
        follow_authorization_link(learner, path)
        send(learner, path, "token_request")
        send(learner, path, "id_token_validation")
        userinfo_page = send(learner, path, "userinfo_request")
    finally:
        other.stop()

    assert other.issuer != provider.issuer
    assert "Bob Brown" in userinfo_page.text


def test_checklist_catches_the_wrong_audience_fault(provider):
    learner = make_sandbox(f"{provider.issuer}/scenarios/{FAULTS['wrong-audience'].id}")
    path = start(learner, "confidential-pkce")
    follow_authorization_link(learner, path)
    send(learner, path, "token_request")

    checklist_page = send(learner, path, "id_token_validation")

    results = verdicts(checklist_page, "ID token checklist")
    assert results["aud"] == "failed"
    assert results["signature"] == "passed"
    assert "rejects the ID token" in checklist_page.find(class_="problem").text


@pytest.mark.parametrize("variant", ["confidential-pkce", "public-pkce"])
def test_every_parameter_and_claim_on_the_step_pages_is_explained(provider, variant):
    learner = make_sandbox(provider.issuer)
    path = start(learner, variant)
    follow_authorization_link(learner, path)
    finish(learner, path)
    run_path = path.rsplit("/steps/", 1)[0]
    steps = [
        "discovery_request", "authorization_response", "token_request",
        "id_token_validation", "userinfo_request",
    ]  # fmt: skip

    missing, shown = {}, 0
    for step in steps:
        soup = page(learner.get(f"{run_path}/steps/{step}"))
        shown += len(soup.select("article.main dl.params > dt, article.main dl.claims > dt"))
        missing[step] = unexplained(soup)

    assert shown > 60  # discovery, callback, token response, JWT claims, userinfo
    assert all(names == [] for names in missing.values()), missing


def test_each_step_page_offers_the_scenarios_that_break_at_that_step(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "confidential-pkce")
    follow_authorization_link(learner, path)

    token_page = page(learner.get(path.rsplit("/", 1)[0] + "/token_request"))

    section = token_page.find("section", attrs={"aria-labelledby": "could-go-wrong"})
    launches = [button["aria-label"] for button in section.find_all("button")]
    catalogue = requests.get(f"{provider.issuer}/control/scenarios", timeout=5).json()["scenarios"]
    expected = [
        f"Launch {s['title']}"
        for s in catalogue
        if s["step"] == "token_request" and not s["id"].startswith("vulnerable-")  # attack pages
    ]
    assert launches == expected
    assert len(launches) >= 5  # replay, expiry, redirect_uri, verifier, secret...


def test_client_state_panel_says_where_values_live_and_when_each_is_compared(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "public-pkce")

    panel = page(learner.get(path)).find("section", attrs={"aria-labelledby": "client-state"})

    held = {
        term.code.text: detail.text
        for term, detail in zip(panel.find_all("dt"), panel.find_all("dd"), strict=True)
    }
    assert "keyed by your browser session" in panel.text
    assert "authorization response" in held["state"]
    assert "ID token" in held["nonce"]
    assert "code_challenge" in held["code_verifier"]

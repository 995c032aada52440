"""Failure scenarios launched from the sandbox's index page, against a real provider.

The tests are parametrized over the catalogue the provider serves at /control/scenarios, so a
scenario is covered as soon as the provider lists it. Each is launched as a learner launches it
(the "Launch <title>" button), its authorization link followed over real HTTP, run to the end,
and checked for what the catalogue documents: where it surfaced, the error code or the failed
check, and the rule and the fix on the page.
"""

from __future__ import annotations

import tempfile
from urllib.parse import urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.serving import make_server

from mock_provider import ProviderConfig
from mock_provider.server import serve_in_thread
from sandbox import SandboxConfig, create_app
from sandbox.mistakes import MISTAKES

from .sandbox_pages import (
    SANDBOX,
    finish,
    follow_authorization_link,
    make_sandbox,
    page,
    run_path,
    send,
    start,
    step_page,
    submit,
    submit_at_provider,
    unexplained,
    verdicts,
)
from .servers import serving


def _catalogue() -> list[dict]:
    """The catalogue as the provider serves it, read once at collection from a provider of its
    own (the one each test gets has a port not known yet)."""
    with tempfile.TemporaryDirectory() as folder:
        running = serve_in_thread(
            ProviderConfig.load(database_url=f"sqlite:///{folder}/catalogue.sqlite3")
        )
        try:
            return requests.get(f"{running.issuer}/control/scenarios", timeout=10).json()[
                "scenarios"
            ]
        finally:
            running.stop()


# The VULNERABLE issuers are attacks that succeed, run from their own pages (test_attack_pairs.py).
CATALOGUE = [entry for entry in _catalogue() if not entry["id"].startswith("vulnerable-")]

#: What a learner reads as the outcome, per scenario (from the contract): an error code shown on
#: the page where it surfaced, a check that fails there ("check:<name>"), or, when the provider
#: refuses to redirect, what its own 400 page names.
OUTCOMES = {
    "redirect-uri-trailing-slash": "the path has a trailing slash",
    "redirect-uri-port": "the port is 8001, registered 8000",
    "redirect-uri-scheme": "the scheme is https, registered http",
    "redirect-uri-unregistered": "the path is /oauth/callback, registered /callback",
    "unknown-client": "invalid_client",
    "invalid-scope": "invalid_scope",
    "unsupported-response-type": "unsupported_response_type",
    "consent-denied": "access_denied",
    "pkce-missing": "invalid_request",
    "login-required": "login_required",
    "state-mismatch": "check:state",
    "iss-mismatch": "check:iss",
    "wrong-client-secret": "invalid_client",
    "code-replay": "invalid_grant",
    "code-expired": "invalid_grant",
    "redirect-uri-differs": "invalid_grant",
    "pkce-verifier-mismatch": "invalid_grant",
    "pkce-verifier-missing": "invalid_request",
    "code-for-another-client": "invalid_grant",
    "bad-signature": "check:signature",
    "alg-none": "check:signature",
    "wrong-issuer": "check:iss",
    "wrong-audience": "check:aud",
    "expired-id-token": "check:exp",
    "nonce-mismatch": "check:nonce",
    "unknown-kid": "check:signature",
    "expired-access-token": "invalid_token",
    "insufficient-scope": "insufficient_scope",
    "revoked-token": "invalid_token",
    "refresh-token-reuse": "invalid_grant",
    "refresh-token-expired": "invalid_grant",
    "refresh-broader-scope": "invalid_scope",
}


@pytest.fixture
def provider(tmp_path):
    """A real provider with --auto-login alice; scenario issuers may still ignore it."""
    running = serve_in_thread(
        ProviderConfig.load(database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}", auto_login="alice")
    )
    yield running
    running.stop()


def launch(learner, title: str) -> str:
    """Press "Launch <title>" on the index page; returns the path of the step page it opens."""
    index = page(learner.get("/"))
    button = index.find("button", attrs={"aria-label": f"Launch {title}"})
    assert button is not None, f"no Launch button for {title!r}"
    response = submit(learner, "/", button.find_parent("form")["action"])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return urlsplit(response.headers["Location"]).path


def carry_front_channel(learner, path: str) -> requests.Response | None:
    """Follow the authorization link as a browser does, with its own cookie jar at the provider.

    Returns the provider's page when it refuses to redirect (the outcome of that scenario);
    None once the redirect has been brought back to the sandbox. On a consent page the user
    does what the step page asks (Deny), or allows.
    """
    request_page = page(learner.get(path))
    link = request_page.find("a", string="Follow the link to the provider")
    browser = requests.Session()
    response = browser.get(link["href"], allow_redirects=False, timeout=10)
    if response.status_code == 200 and "Allow access?" in response.text:
        choice = "deny" if "press Deny" in request_page.text else "allow"
        response = submit_at_provider(browser, response, action=choice)
    if response.status_code == 400:
        return response
    assert response.status_code == 302, response.text[:1000]
    back = urlsplit(response.headers["Location"])
    assert f"{back.scheme}://{back.netloc}" == SANDBOX
    assert learner.get(f"{back.path}?{back.query}").status_code == 302
    return None


def run_to_the_end(learner, path: str) -> None:
    """Press "Run to the end" if the run's current step offers it; a run that already stopped
    (an error at the provider or in the callback) offers no button."""
    current = page(learner.get(run_path(path), follow_redirects=True))
    if current.find("button", string="Run to the end"):
        finish(learner, path)


def what_went_wrong(soup: BeautifulSoup):
    return soup.find("section", attrs={"aria-labelledby": "what-went-wrong"})


def failed_checks(soup: BeautifulSoup) -> set[str]:
    return {item.strong.text for item in soup.select("article.main section.checks li.fail")}


def expected_surface(entry: dict, refused: bool) -> str:
    """The step whose page shows the failure: where the catalogue says it breaks, except that an
    error the provider answers to the authorization request comes back in the response to it."""
    if entry["step"] == "authorization_request" and not refused:
        return "authorization_response"
    return entry["step"]


@pytest.mark.parametrize("entry", CATALOGUE, ids=[entry["id"] for entry in CATALOGUE])
def test_each_scenario_launched_from_the_index_ends_in_its_documented_outcome(provider, entry):
    learner = make_sandbox(provider.issuer)
    path = launch(learner, entry["title"])
    refused = carry_front_channel(learner, path)
    run_to_the_end(learner, path)

    panel = what_went_wrong(step_page(learner, path, entry["step"]))
    assert panel is not None, f"the run of {entry['id']} did not fail"
    surfaced = panel.find("a", class_="surfaced")["href"].rsplit("/", 1)[1]
    shown = step_page(learner, path, surfaced)
    outcome = OUTCOMES.get(entry["id"], "")
    banner = shown.find("section", attrs={"aria-labelledby": "scenario-title"})

    assert entry["title"] in banner.text
    assert surfaced == expected_surface(entry, refused is not None)
    if refused is not None:
        assert "The provider refused to redirect; that is the outcome." in panel.text
        assert outcome in BeautifulSoup(refused.text, "html.parser").text
    elif outcome.startswith("check:"):
        assert outcome.removeprefix("check:") in failed_checks(shown)
    else:
        assert outcome in shown.find("article", class_="main").text
    assert entry["rule"] in panel.find("blockquote", class_="rule").text
    assert entry["spec"] in panel.text
    assert panel.find(class_="fix").text == entry["fix"]
    assert panel.find(class_="at-fault").text == entry["at_fault"]
    assert unexplained(shown) == []


def test_a_refused_api_call_stops_the_run_there_as_a_client_would(provider):
    learner = make_sandbox(provider.issuer)
    path = launch(learner, "Access tokens issued already expired")
    carry_front_channel(learner, path)
    run_to_the_end(learner, path)

    current = learner.get(run_path(path))  # the run's page sends the learner to its current step
    refused = step_page(learner, path, "resource_request").text
    write_step = step_page(learner, path, "resource_write_request").find("article", class_="main")

    assert current.headers["Location"].endswith("/steps/resource_request")
    assert "The API answered 401, where 200 was expected." in refused
    assert "None" not in write_step.text


def test_provider_refusal_is_announced_on_the_authorization_request_page(provider):
    learner = make_sandbox(provider.issuer)
    trailing = next(e for e in CATALOGUE if e["client_mistake"] == "redirect-uri-trailing-slash")
    path = launch(learner, trailing["title"])

    request_page = page(learner.get(path))
    link = request_page.find("a", string="Follow the link to the provider")
    at_provider = requests.get(link["href"], allow_redirects=False, timeout=10)

    assert "you land on its own error page (400 Bad Request)" in request_page.text
    assert "The provider refused to redirect" in what_went_wrong(request_page).text
    assert at_provider.status_code == 400
    differences = BeautifulSoup(at_provider.text, "html.parser").select("ul.differences li")
    assert [li.text for li in differences] == ["the path has a trailing slash"]


def test_a_learner_running_a_fault_scenario_leaves_another_learners_flow_unaffected(provider):
    app = create_app(SandboxConfig(issuer=provider.issuer, base_url=SANDBOX))
    alice, bob = app.test_client(), app.test_client()
    audience = next(e for e in CATALOGUE if e["faults"] == ["wrong-audience"])

    faulty = launch(alice, audience["title"])
    normal = start(bob, "authorization-code", "confidential-pkce")
    follow_authorization_link(alice, faulty)
    follow_authorization_link(bob, normal)
    send(alice, faulty, "token_request")
    send(bob, normal, "token_request")
    alice_checks = send(alice, faulty, "id_token_validation")
    bob_checks = send(bob, normal, "id_token_validation")
    bob_last = send(bob, normal, "userinfo_request")

    assert verdicts(alice_checks, "ID token checklist")["aud"] == "failed"
    assert set(verdicts(bob_checks, "ID token checklist").values()) == {"passed"}
    assert "Alice Adams" in bob_last.text
    assert bob_last.find("section", attrs={"aria-labelledby": "scenario-title"}) is None
    assert what_went_wrong(bob_last) is None


def test_index_groups_the_scenarios_by_step_with_who_is_at_fault(provider):
    index = page(make_sandbox(provider.issuer).get("/"))
    section = index.find("section", attrs={"aria-labelledby": "failure-scenarios"})

    buttons = section.find_all("button")
    assert len(buttons) == len(CATALOGUE)
    assert {b["aria-label"] for b in buttons} == {f"Launch {e['title']}" for e in CATALOGUE}
    assert [h.text for h in section.find_all("h3")][:2] == [
        "Authorization request",
        "Authorization response",
    ]
    assert "at fault: attacker" in section.text


@pytest.fixture
def other_provider():
    """A provider that is not the mock one: its discovery document names no control API."""
    app = Flask("other_provider")
    server = make_server("127.0.0.1", 0, app)
    issuer = f"http://127.0.0.1:{server.server_port}"
    app.add_url_rule(
        "/.well-known/openid-configuration",
        view_func=lambda: {"issuer": issuer, "authorization_endpoint": f"{issuer}/authorize"},
    )
    with serving(server):
        yield issuer


def test_without_a_control_api_the_index_says_scenarios_need_the_mock_provider(other_provider):
    index = page(make_sandbox(other_provider).get("/"))
    section = index.find("section", attrs={"aria-labelledby": "failure-scenarios"})

    assert section.find("button") is None
    assert "Failure scenarios need the mock provider" in section.text


def test_an_unreachable_provider_leaves_the_index_usable_and_says_so():
    index = page(make_sandbox("http://127.0.0.1:1").get("/"))
    section = index.find("section", attrs={"aria-labelledby": "failure-scenarios"})

    assert index.find("button", string="Start Authorization code with OpenID Connect")
    assert "Could not reach" in section.text


def test_the_sandbox_can_make_every_client_mistake_the_catalogue_names():
    named = {entry["client_mistake"] for entry in CATALOGUE if entry["client_mistake"]}

    assert named <= set(MISTAKES)

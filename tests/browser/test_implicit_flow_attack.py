"""The implicit-flow attack pair in a real browser: only a browser runs the page's scripts.

The access token of the implicit flow travels in the URL's fragment, which no server ever sees:
what leaks it is a script on the client's page. So this pair is proven here, with Chromium
running the victim app's third-party "analytics" script, served by the attacker's site on a port
of its own, as `oauth-sandbox run` serves it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from waitress.server import create_server

from mock_provider import ProviderConfig
from mock_provider.server import serve_in_thread
from sandbox.attacker import create_attacker_app

from .conftest import Sandbox, _run_quietly, _serve_sandbox, _stop


@pytest.fixture(scope="module")
def attack_sandbox(tmp_path_factory) -> Iterator[Sandbox]:
    """Provider (alice signed in at once), the attacker's site and the sandbox, all served."""
    database = tmp_path_factory.mktemp("implicit") / "p.sqlite3"
    provider = serve_in_thread(
        ProviderConfig.load(database_url=f"sqlite:///{database}", auto_login="alice")
    )
    attacker = create_server(
        create_attacker_app(), host="127.0.0.1", port=0, threads=2, ident="attacker"
    )
    attacker_thread = threading.Thread(target=_run_quietly, args=(attacker,), daemon=True)
    attacker_thread.start()
    url, server, thread = _serve_sandbox(
        provider.issuer, f"http://127.0.0.1:{attacker.effective_port}"
    )
    try:
        yield Sandbox(url=url, provider=provider)
    finally:
        _stop(server, thread)
        _stop(attacker, attacker_thread)
        provider.stop()


def run_as_victim(page, sandbox: Sandbox, setting: str) -> None:
    """Flip the switch, follow the link as the signed-in victim, land on the victim's app."""
    page.goto(f"{sandbox.url}/attacks/implicit-flow")
    panel = page.locator(f"#{setting}")
    panel.get_by_role("button", name=f"Run against the {setting} setting").click()
    panel.get_by_role("link", name="Follow the attacker's link").click()
    page.wait_for_url("**/attacks/implicit-flow/app**")
    page.wait_for_load_state("networkidle")  # the analytics beacon has gone out


def test_the_implicit_flow_puts_the_token_in_the_url_and_a_page_script_hands_it_to_the_attacker(
    page, attack_sandbox
):
    run_as_victim(page, attack_sandbox, "vulnerable")
    fragment = parse_qs(urlsplit(page.url).fragment)
    assert fragment["token_type"] == ["Bearer"]
    token = fragment["access_token"][0]
    assert page.evaluate("history.length") >= 2  # and the address, token included, is history

    page.get_by_role("link", name="Back to the attack page").click()
    page.locator("#vulnerable").get_by_role("button", name="Attacker uses the stolen token").click()
    outcome = page.get_by_role("region", name="Outcome (vulnerable)")
    assert "The attack succeeded: the attacker holds alice's tokens." in outcome.inner_text()
    assert token in outcome.locator(".stolen").inner_text()
    assert "Alice Adams" in outcome.inner_text()  # the attacker read her profile with it


def test_a_provider_without_the_implicit_grant_refuses_response_type_token_and_nothing_leaks(
    page, attack_sandbox
):
    run_as_victim(page, attack_sandbox, "secure")
    landed = urlsplit(page.url)
    assert landed.fragment == ""
    assert parse_qs(landed.query)["error"] == ["unsupported_response_type"]

    page.get_by_role("link", name="Back to the attack page").click()
    page.locator("#secure").get_by_role("button", name="Attacker uses the stolen token").click()
    outcome = page.get_by_role("region", name="Outcome (secure)")
    text = outcome.inner_text()
    assert "The attacker's site caught no token." in text
    assert "response_type supported" in text
    assert "response_type 'token' is not supported; this provider supports 'code'" in text

"""Secure and vulnerable, side by side: each attack page against a real provider.

For each pair the attack succeeds under the VULNERABLE issuer (the attacker's site catches the
code and the attacker obtains the user's tokens) and fails under the secure default issuer, with
the blocking check named on the page. The attacker's site is its own app on a real port, as
`oauth-sandbox run` serves it; the victim's browser is a `requests` session that follows the
attacker's link to the provider and on to wherever the provider sends it.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from werkzeug.serving import make_server

from mock_provider import ProviderConfig
from mock_provider.server import serve_in_thread
from sandbox import SandboxConfig, create_app
from sandbox.attacker import create_attacker_app

from .sandbox_pages import SANDBOX, page, submit
from .servers import serving


@pytest.fixture
def attacker_site() -> Iterator[str]:
    """The attacker's site on a free loopback port."""
    server = make_server("127.0.0.1", 0, create_attacker_app(), threaded=True)
    with serving(server) as url:
        yield url


@pytest.fixture
def learner(provider, attacker_site):
    config = SandboxConfig(issuer=provider.issuer, base_url=SANDBOX, attacker_url=attacker_site)
    return create_app(config).test_client()


def run_setting(
    learner, attack: str, setting: str, victim: requests.Session | None = None
) -> requests.Response:
    """Flip the switch to `setting`, then follow the attacker's link as the signed-in victim.

    Returns where the victim's browser ended: the attacker's site, or the provider's own page.
    """
    response = submit(learner, f"/attacks/{attack}", f"/attacks/{attack}/runs", setting=setting)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    link = run_panel(learner, attack, setting).find("a", string="Follow the attacker's link")
    victim = victim or requests.Session()
    at_provider = victim.get(link["href"], allow_redirects=False, timeout=10)
    if at_provider.status_code != 302:
        return at_provider
    return victim.get(at_provider.headers["Location"], allow_redirects=False, timeout=10)


def redeem(learner, attack: str, setting: str) -> BeautifulSoup:
    """Press "Attacker redeems the stolen code" and return the outcome of that setting."""
    response = submit(learner, f"/attacks/{attack}", f"/attacks/{attack}/redeem", setting=setting)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return run_panel(learner, attack, setting)


def run_panel(learner, attack: str, setting: str) -> BeautifulSoup:
    return page(learner.get(f"/attacks/{attack}")).find("section", id=setting)


def test_index_links_each_attack_page_from_its_secure_and_vulnerable_section(learner):
    index = page(learner.get("/"))
    section = index.find("section", attrs={"aria-labelledby": "secure-and-vulnerable"})

    links = {a.text: a["href"] for a in section.find_all("a")}
    assert links["Lenient redirect_uri matching sends the code to the attacker"] == (
        "/attacks/redirect-prefix"
    )
    assert "/attacks/pkce-optional" in links.values()
    failures = index.find("section", attrs={"aria-labelledby": "failure-scenarios"}).text
    assert "VULNERABLE" not in failures  # vulnerable settings are attacks, not failures


def test_prefix_matching_sends_the_code_to_the_attacker_who_redeems_it(learner, attacker_site):
    landed = run_setting(learner, "redirect-prefix", "vulnerable")
    panel = redeem(learner, "redirect-prefix", "vulnerable")

    reached = urlsplit(landed.url)  # what is before the @ is a user name, not the host
    assert f"http://{reached.hostname}:{reached.port}" == attacker_site
    assert landed.url.startswith("http://127.0.0.1:8000")  # the registered prefix
    assert "Caught" in landed.text
    assert "VULNERABLE SETTING" in panel.find(class_="vulnerable-banner").text
    assert panel.find(class_="verdict").text == (
        "The attack succeeded: the attacker holds alice's tokens."
    )
    assert panel.select_one("dl.stolen dd code").text  # the code the attacker's site caught
    assert '"preferred_username":"alice"' in panel.text.replace(" ", "")  # the userinfo read
    trick = page(learner.get("/attacks/redirect-prefix")).find(class_="trick").text
    attacker = urlsplit(attacker_site).netloc
    assert f"{SANDBOX}@{attacker}/steal starts with the registered {SANDBOX}," in trick
    dashboard = requests.get(f"{attacker_site}/", timeout=10).text
    assert "tokens for alice (redirect-prefix, vulnerable issuer)" in dashboard


def test_exact_matching_stops_the_prefix_attack_before_any_code_is_issued(learner):
    landed = run_setting(learner, "redirect-prefix", "secure")
    panel = redeem(learner, "redirect-prefix", "secure")

    assert landed.status_code == 400  # the provider's own page: it does not redirect
    assert panel.find(class_="verdict").text == "The attacker's site caught no code."
    blocked = panel.select_one("ul.blocked li.fail")
    assert blocked.strong.text == "redirect_uri exact match"
    assert "redirect_uri is not registered" in blocked.blockquote.text
    assert "127.0.0.1:8000@127.0.0.1:" in blocked.blockquote.text
    assert panel.find(class_="vulnerable-banner") is None


def test_without_pkce_the_intercepted_code_is_redeemed_by_the_attacker(learner, attacker_site):
    landed = run_setting(learner, "pkce-optional", "vulnerable")
    panel = redeem(learner, "pkce-optional", "vulnerable")

    assert landed.url.startswith(f"{attacker_site}/intercepted?code=")
    assert "code_challenge" not in panel.find("a", string="Follow the attacker's link")["href"]
    assert panel.find(class_="verdict").text == (
        "The attack succeeded: the attacker holds alice's tokens."
    )
    assert "code_verifier" not in panel.select_one("pre.exchange").text.split("HTTP")[0]


def test_with_pkce_required_the_intercepted_code_is_useless_without_the_verifier(
    learner, attacker_site
):
    landed = run_setting(learner, "pkce-optional", "secure")
    panel = redeem(learner, "pkce-optional", "secure")

    assert landed.url.startswith(f"{attacker_site}/intercepted?code=")  # stolen all the same
    assert "code_challenge=" in panel.find("a", string="Follow the attacker's link")["href"]
    assert panel.find(class_="verdict").text.startswith("invalid_request: code_verifier is missing")
    blocked = panel.select_one("ul.blocked li.fail")
    assert blocked.strong.text == "PKCE"
    assert "RFC 7636" in blocked.blockquote.text


@pytest.mark.parametrize(
    "scenario", ["vulnerable-redirect-prefix", "vulnerable-pkce-optional", "vulnerable-implicit"]
)
def test_beyond_loopback_a_vulnerable_issuer_refuses_requests_without_the_instructor_token(
    tmp_path, scenario
):
    running = serve_in_thread(
        ProviderConfig.load(
            database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}", instructor_token="teach-me"
        )
    )
    try:
        discovery = f"{running.issuer}/scenarios/{scenario}/.well-known/openid-configuration"
        refused = requests.get(discovery, timeout=10)
        allowed = requests.get(discovery, headers={"X-Instructor-Token": "teach-me"}, timeout=10)
        default = requests.get(f"{running.issuer}/.well-known/openid-configuration", timeout=10)
    finally:
        running.stop()

    assert refused.status_code == 403
    assert refused.json()["error"] == "access_denied"
    assert "VULNERABLE" in refused.json()["error_description"]
    assert "instructor token" in refused.json()["error_description"]
    assert allowed.status_code == 200
    assert default.status_code == 200


def sign_in_as_instructor(browser: requests.Session, issuer: str, token: str) -> requests.Response:
    """Fill in the provider's instructor sign-in form, as the instructor's browser does."""
    form = BeautifulSoup(browser.get(f"{issuer}/instructor", timeout=10).text, "html.parser")
    fields = {"csrf_token": form.find("input", {"name": "csrf_token"})["value"]}
    return browser.post(
        f"{issuer}/instructor",
        data={**fields, "instructor_token": token, "action": "sign_in"},
        timeout=10,
    )


def test_beyond_loopback_the_instructor_signs_a_browser_in_once_for_the_vulnerable_issuers(
    tmp_path,
):
    running = serve_in_thread(
        ProviderConfig.load(
            database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}", instructor_token="teach-me"
        )
    )
    issuer = running.issuer
    discovery = f"{issuer}/scenarios/vulnerable-redirect-prefix/.well-known/openid-configuration"
    browser = requests.Session()
    try:
        before = browser.get(discovery, timeout=10)
        wrong = sign_in_as_instructor(browser, issuer, "a guess")
        after_wrong = browser.get(discovery, timeout=10)
        right = sign_in_as_instructor(browser, issuer, "teach-me")
        after = browser.get(discovery, timeout=10)
        forged = requests.post(
            f"{issuer}/instructor",
            data={"instructor_token": "teach-me", "action": "sign_in"},
            timeout=10,
        )
        log = requests.get(
            f"{issuer}/control/log", headers={"Authorization": "Bearer teach-me"}, timeout=10
        )
    finally:
        running.stop()

    assert before.status_code == 403
    assert f"sign in once at {issuer}/instructor" in before.json()["error_description"]
    assert wrong.status_code == 403
    assert "That is not the instructor token" in wrong.text
    assert after_wrong.status_code == 403
    assert right.status_code == 200
    assert "This browser now holds the instructor token" in right.text
    assert after.status_code == 200
    assert after.json()["issuer"] == f"{issuer}/scenarios/vulnerable-redirect-prefix"
    assert forged.status_code == 400  # no form token: another site cannot sign a browser in
    assert "instructor_token" not in forged.cookies
    sign_ins = [e for e in log.json()["entries"] if e["request"] == "POST /instructor"]
    assert [e["params"]["instructor_token"] for e in sign_ins] == ["********"] * 3
    assert "teach-me" not in log.text  # the log masks the token typed into the form


def test_beyond_loopback_the_instructors_own_sandbox_runs_the_attack_in_a_signed_in_browser(
    tmp_path, attacker_site
):
    running = serve_in_thread(
        ProviderConfig.load(
            database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}",
            auto_login="alice",
            instructor_token="teach-me",
        )
    )
    instructor = create_app(
        SandboxConfig(
            issuer=running.issuer,
            base_url=SANDBOX,
            attacker_url=attacker_site,
            instructor_token="teach-me",
        )
    ).test_client()
    browser = requests.Session()
    try:
        refused = run_setting(instructor, "redirect-prefix", "vulnerable", browser)
        sign_in_as_instructor(browser, running.issuer, "teach-me")
        landed = run_setting(instructor, "redirect-prefix", "vulnerable", browser)
        panel = redeem(instructor, "redirect-prefix", "vulnerable")
    finally:
        running.stop()

    # The sandbox's own requests carry the token it holds; the browser's need the cookie.
    assert refused.status_code == 403
    assert f"{running.issuer}/instructor" in refused.text
    assert "Caught" in landed.text
    assert panel.find(class_="verdict").text == (
        "The attack succeeded: the attacker holds alice's tokens."
    )


def test_on_loopback_the_instructor_page_says_no_token_is_needed(tmp_path):
    running = serve_in_thread(
        ProviderConfig.load(database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}")
    )
    try:
        page = requests.get(f"{running.issuer}/instructor", timeout=10)
    finally:
        running.stop()

    assert page.status_code == 200
    assert "no instructor token is needed here" in page.text
    assert BeautifulSoup(page.text, "html.parser").find("form") is None


def lure_the_victim(learner, setting: str):
    """Flip the switch, then, as the victim, visit the attacker's page and click its link.

    The click is the learner's own browser (the test client, with the sandbox's cookie) arriving
    at the sandbox's redirect_uri. Returns that response and the setting's panel before it.
    """
    response = submit(learner, "/attacks/login-csrf", "/attacks/login-csrf/runs", setting=setting)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    panel = run_panel(learner, "login-csrf", setting)
    lure_page = requests.get(
        panel.find("a", string="Visit the attacker's page")["href"], timeout=10
    )
    href = BeautifulSoup(lure_page.text, "html.parser").find("a", id="lure")["href"]
    assert href.startswith(f"{SANDBOX}/callback?code=")  # the client's own redirect_uri
    return learner.get(href.removeprefix(SANDBOX)), panel


def claims_of(panel: BeautifulSoup) -> dict[str, str]:
    names = [dt.text for dt in panel.select("dl.claims dt")]
    return dict(zip(names, [dd.text for dd in panel.select("dl.claims dd")], strict=True))


def test_without_state_the_attackers_code_signs_the_victim_in_as_the_attacker(learner):
    landed, before = lure_the_victim(learner, "vulnerable")
    panel = redeem(learner, "login-csrf", "vulnerable")

    assert "VULNERABLE SETTING" in before.find(class_="vulnerable-banner").text
    assert "no state" in before.select_one("ol.attack-steps").text  # the victim's client sent none
    assert landed.status_code == 302  # taken: on to the victim's run, no questions asked
    assert panel.find(class_="verdict").text == (
        "The attack succeeded: the victim's session is signed in as Bob Brown, the attacker's "
        "account."
    )
    assert claims_of(panel)["preferred_username"] == "bob"
    victim_run = panel.find("a", class_="victim-run")["href"]
    userinfo = page(learner.get(f"{victim_run}/steps/userinfo_request"))
    assert '"name":"BobBrown"' in userinfo.text.replace(" ", "")  # the victim's own run
    assert "VULNERABLE CLIENT" in userinfo.find(class_="vulnerable-banner").text
    response_page = page(learner.get(f"{victim_run}/steps/authorization_response"))
    checked = [li.strong.text for li in response_page.select("section.checks li")]
    assert checked == ["iss"]  # no state check: the client sent no state to compare


def test_with_state_the_client_refuses_the_attackers_code_and_holds_no_tokens(learner):
    landed, before = lure_the_victim(learner, "secure")
    panel = redeem(learner, "login-csrf", "secure")

    attackers_state = before.find("dl", class_="stolen").find("dt", string="state")
    attackers_state = attackers_state.find_next_sibling("dd").text
    assert landed.status_code == 400
    refusal = BeautifulSoup(landed.get_data(as_text=True), "html.parser")
    assert refusal.h1.text == "Unexpected authorization response"
    assert f"state={attackers_state}" in refusal.find(class_="problem").text
    assert panel.find(class_="verdict").text == (
        "The victim's session holds no tokens: its client took no response."
    )
    blocked = panel.select_one("ul.blocked li.fail")
    assert blocked.strong.text == "state"
    assert f"state is '{attackers_state}', the attacker's" in blocked.text
    assert panel.find("blockquote", class_="rule").text.startswith(
        "The client MUST implement CSRF protection for its redirection URI."
    )
    assert panel.find("cite").text == "RFC 6749 §10.12"
    assert panel.find("dl", class_="claims") is None
    assert panel.find(class_="vulnerable-banner") is None


def test_without_auto_login_the_attacker_signs_in_and_consents_through_the_providers_forms(
    tmp_path, attacker_site
):
    # The attacker fills in bob's sign-in form and presses Allow, each with the form token the
    # provider's page put in it (RFC 6749 §10.12 protects those forms too).
    database = f"sqlite:///{tmp_path / 'no-auto-login.sqlite3'}"
    provider = serve_in_thread(ProviderConfig.load(database_url=database))
    try:
        config = SandboxConfig(issuer=provider.issuer, base_url=SANDBOX, attacker_url=attacker_site)
        learner = create_app(config).test_client()
        landed, _ = lure_the_victim(learner, "vulnerable")
        panel = redeem(learner, "login-csrf", "vulnerable")
    finally:
        provider.stop()

    assert landed.status_code == 302
    assert claims_of(panel)["preferred_username"] == "bob"

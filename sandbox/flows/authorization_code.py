"""Authorization code flow with OpenID Connect (RFC 6749 §4.1, OIDC Core §3.1), one step at a time.

Three variants: a confidential client with PKCE, a public client with PKCE, and the classic
confidential client without PKCE that the popular Flask tutorials show. Each step makes exactly
one exchange through Authlib's client, recorded in the run.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError

from .. import id_tokens, instructor_token, mistakes, provider_view
from ..answers import UnusableAnswer, json_object
from ..provider_client import ClientCredentials, oauth_session, preview
from ..recorder import Exchange, Run
from .base import DISCOVERY, Flow, Step, Variant

SCOPE = "openid profile email photos.read"

#: VULNERABLE, for the login CSRF attack page only (login_csrf.py): a client that sends neither
#: state nor nonce, so it cannot tell whose authorization response reaches its redirect_uri.
NO_STATE = "no-state"


def start(run: Run, variant: Variant) -> None:
    """Make up state, nonce and (with PKCE) a code_verifier, and build the authorization URL."""
    params = {
        "client_id": run.credentials.client_id,
        "redirect_uri": run.client_state["redirect_uri"],
        "scope": SCOPE,
        "response_type": "code",
        "state": generate_token(24),
        "nonce": generate_token(24),
        "code_verifier": generate_token(48) if variant.pkce else None,
    }
    # A failure scenario may send something else on purpose (mistakes.py).
    params = mistakes.alter(run, "authorization_request", mistakes.PARAMETERS, params)
    if run.deviation == NO_STATE:  # Authlib leaves an empty state out of the URL
        params.update(state="", nonce=None)
    # The client keeps what it sent: state and nonce to compare, the verifier to prove.
    run.client_state.update(
        state=params["state"], nonce=params["nonce"], code_verifier=params["code_verifier"]
    )
    credentials = dataclasses.replace(run.credentials, client_id=params.pop("client_id"))
    session = _session(run, "authorization_request", credentials)
    url, _ = session.create_authorization_url(run.provider.authorization_endpoint, **params)
    run.client_state["authorization_url"] = url


def receive_callback(run: Run, callback_url: str) -> None:
    """Record the redirect the browser carried back, and compare state and iss (RFC 9207)."""
    callback_url = mistakes.alter(run, "authorization_response", mistakes.RESPONSE, callback_url)
    params = dict(parse_qsl(urlsplit(callback_url).query))
    run.record(
        Exchange.redirect(
            "authorization_request", run.client_state["authorization_url"], callback_url
        )
    )
    run.client_state["callback_url"] = callback_url
    run.checks["authorization_response"] = _callback_checks(run, params)
    if "code" in params and all(check.passed for check in run.checks["authorization_response"]):
        run.client_state["code"] = params["code"]
    else:
        run.error = (
            params.get("error_description")
            or params.get("error")
            or ("The client stopped: a check of the authorization response failed.")
        )


def takes_any_response(run: Run) -> bool:
    """VULNERABLE (the login CSRF attack page only): a client that sent no state cannot tell
    whose authorization response arrives, so its waiting run takes any, the attacker's too."""
    return run.deviation == NO_STATE and "authorization_response" not in run.completed


def _callback_checks(run: Run, params: dict[str, str]) -> list[id_tokens.Check]:
    state_ok = params.get("state") == run.client_state["state"]
    iss = params.get("iss")
    iss_ok = iss == run.provider.issuer
    checks = [
        id_tokens.Check(
            "state",
            state_ok,
            "state equals the value this client sent"
            if state_ok
            else f"state is {params.get('state')!r}, not the value this client sent",
            "RFC 6749 §10.12",
        ),
        id_tokens.Check(
            "iss",
            iss_ok,
            "iss is the issuer this client sent the user to"
            if iss_ok
            else f"iss is {iss!r}, expected {run.provider.issuer!r}",
            "RFC 9207 §2.4",
        ),
    ]
    if run.deviation == NO_STATE:
        del checks[0]  # VULNERABLE: it sent no state, so it has none to compare
    if "error" in params:
        checks.append(
            id_tokens.Check(
                "error", False, f"the provider answered {params['error']}", "RFC 6749 §4.1.2.1"
            )
        )
    return checks


def _token_call(run: Run):
    params = {
        "redirect_uri": run.client_state["redirect_uri"],
        "code_verifier": run.client_state["code_verifier"],
    }
    params = mistakes.alter(run, "token_request", mistakes.PARAMETERS, params)

    def call(session):
        return session.fetch_token(
            run.provider.token_endpoint,
            authorization_response=run.client_state["callback_url"],
            state=run.client_state["state"],
            **params,
        )

    return call


def _token_session(run: Run):
    credentials = mistakes.alter(run, "token_request", mistakes.CREDENTIALS, run.credentials)
    return _session(run, "token_request", credentials)


def preview_token_request(run: Run) -> requests.PreparedRequest:
    """The token request exactly as Authlib will send it."""
    return preview(_token_call(run), _token_session(run))


def exchange_code(run: Run) -> None:
    """Trade the authorization code for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5)."""
    call = _token_call(run)
    try:
        token = call(_token_session(run))
    except OAuthError as error:
        run.error = f"{error.error}: {error.description}"
        return
    except UnusableAnswer as error:
        run.error = str(error)
        return
    run.client_state["tokens"] = dict(token)
    mistakes.repeat(run, "token_request", lambda: call(_token_session(run)))


def validate_id_token(run: Run) -> None:
    """Fetch the JWKS and check the ID token rule by rule (OIDC Core §3.1.3.7)."""
    id_token = run.client_state.get("tokens", {}).get("id_token")
    if not id_token:
        run.error = "The token response has no id_token, so there is nothing to validate."
        return
    if not run.provider.jwks_uri:
        run.error = "The discovery document names no jwks_uri, so no key can check the signature."
        return
    session = requests.Session()
    session.headers.update(instructor_token.vulnerable_issuers())
    session.hooks["response"].append(run.response_hook("jwks_request"))
    try:
        jwks = json_object(session.get(run.provider.jwks_uri, timeout=10), "The jwks_uri")
    except UnusableAnswer as error:  # RFC 7517 §5: a JWK Set is a JSON object
        run.error = str(error)
        return
    expected = id_tokens.Expected(
        issuer=run.provider.issuer,
        client_id=run.credentials.client_id,
        nonce=run.client_state["nonce"],
        access_token=run.client_state["tokens"].get("access_token"),
        now=provider_view.provider_time(run),
    )
    run.checks["id_token_validation"] = id_tokens.checklist(id_token, jwks, expected)
    if not all(check.passed for check in run.checks["id_token_validation"]):
        run.error = "The client rejects the ID token: a check failed."


def _userinfo_call(run: Run):
    def call(session):
        return session.get(run.provider.userinfo_endpoint, timeout=10)

    return call


def preview_userinfo_request(run: Run) -> requests.PreparedRequest:
    return preview(_userinfo_call(run), _session(run, "userinfo_request"))


def request_userinfo(run: Run) -> None:
    """Ask for the user's claims with the access token (OIDC Core §5.3)."""
    response = _userinfo_call(run)(_session(run, "userinfo_request"))
    if not response.ok:
        run.error = f"userinfo answered {response.status_code}"
        return
    try:  # OIDC Core §5.3.2: the claims are a JSON object
        run.client_state["userinfo"] = json_object(response, "The userinfo endpoint")
    except UnusableAnswer as error:
        run.error = str(error)


def _session(run: Run, step: str, credentials: ClientCredentials | None = None):
    return oauth_session(
        run,
        step,
        credentials or run.credentials,
        scope=SCOPE,
        redirect_uri=run.client_state.get("redirect_uri"),
        token=run.client_state.get("tokens"),
        code_challenge_method="S256" if run.client_state.get("code_verifier") else None,
    )


FLOW = Flow(
    id="authorization-code",
    title="Authorization code with OpenID Connect",
    summary="Sign a user in: the browser brings back a code, the client trades it for tokens, "
    "checks the ID token and asks for the user's claims.",
    spec="RFC 6749 §4.1, RFC 7636, OIDC Core §3.1",
    variants=(
        Variant(
            "confidential-pkce",
            "Confidential client with PKCE",
            public=False,
            pkce=True,
            note="A server-side web app: it has a client secret, and uses PKCE too, as RFC 9700 "
            "§2.1.1 now recommends for every client.",
        ),
        Variant(
            "public-pkce",
            "Public client with PKCE",
            public=True,
            pkce=True,
            note="A single-page or native app: it cannot keep a secret, so PKCE is what "
            "binds the code to it.",
        ),
        Variant(
            "classic",
            "Classic: client secret, no PKCE",
            public=False,
            pkce=False,
            note="What the popular Flask tutorials do. It works, but an intercepted code can be "
            "redeemed by anyone holding the secret; RFC 9700 §2.1.1 asks for PKCE everywhere.",
        ),
    ),
    steps=(
        DISCOVERY,
        Step(
            "authorization_request",
            "front",
            arrows=(
                ("browser", "authorization_server", "GET /authorize", "front"),
                ("authorization_server", "browser", "302 to redirect_uri", "front"),
            ),
        ),
        Step(
            "authorization_response",
            "front",
            arrows=(("browser", "client", "GET /callback?code", "front"),),
        ),
        Step(
            "token_request",
            "back",
            perform=exchange_code,
            preview=preview_token_request,
            arrows=(("client", "authorization_server", "POST /token", "back"),),
        ),
        Step(
            "id_token_validation",
            "client",
            perform=validate_id_token,
            arrows=(
                ("client", "authorization_server", "GET /jwks", "back"),
                ("client", "client", "validate ID token", "back"),
            ),
        ),
        Step(
            "userinfo_request",
            "back",
            perform=request_userinfo,
            preview=preview_userinfo_request,
            arrows=(("client", "authorization_server", "GET /userinfo", "back"),),
        ),
    ),
    start=start,
)

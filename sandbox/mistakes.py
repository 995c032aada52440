"""Client mistakes: the deliberate deviations the sandbox makes when it runs a failure scenario.

Client bugs and attacks live in the client, not in the provider. A scenario whose
`client_mistake` names one of the entries below runs its flow as usual, except at one point: where
the flow code builds a request, it passes what it is about to hand Authlib (the parameters, the
client credentials) through `alter()`, which returns it changed; where a step is done, `repeat()`
lets an attacker send the step's request once more. Authlib still does all the protocol work;
only its inputs change. Each change's docstring says what a buggy client, a user or an attacker
does, and quotes the rule that makes it fail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError

from .answers import UnusableAnswer
from .id_tokens import Check
from .provider_client import ClientCredentials
from .recorder import Run

# What a mistake changes, as named where the flow code calls `alter()`:
PARAMETERS = "parameters"  # the request's parameters, as a dict handed to Authlib
CREDENTIALS = "credentials"  # the ClientCredentials the request authenticates with
RESPONSE = "response"  # the authorization response URL the browser brought back
EXPECTED_STATUS = "expected_status"  # the status the client expects from an API call
AGAIN = "again"  # once the step is done: its request, sent a second time


@dataclass(frozen=True)
class Mistake:
    """One deliberate deviation: at which step, what it changes, and how."""

    id: str  # the catalogue's client_mistake id
    step: str  # the step whose request (or expectation) it changes
    part: str  # one of the names above
    change: Callable[[Run, Any], Any]
    #: The provider shows its own error page instead of redirecting back (RFC 6749 §4.1.2.1).
    provider_refuses: bool = False
    #: What the learner does at the provider, when the mistake is theirs to make.
    learner_does: str = ""
    #: The mistake needs a second client at the provider (the attacker's), registered at start.
    another_client: bool = False

    @property
    def description(self) -> str:
        """What the client does wrong: the first paragraph of the change's docstring."""
        return " ".join((self.change.__doc__ or "").split("\n\n")[0].split())


def of(run: Run) -> Mistake | None:
    """The mistake this run makes, if it is a scenario run with one."""
    return MISTAKES.get(run.scenario.client_mistake or "") if run.scenario else None


def alter(run: Run, step: str, part: str, value: Any) -> Any:
    """`value` as the run's mistake changes it at this step, or unchanged."""
    mistake = of(run)
    if mistake is None or (mistake.step, mistake.part) != (step, part):
        return value
    return mistake.change(run, value)


def repeat(run: Run, step: str, send: Callable[[], Any]) -> None:
    """After `step`: if the run's mistake is a replay there, send the request once more."""
    mistake = of(run)
    if mistake is not None and (mistake.step, mistake.part) == (step, AGAIN):
        mistake.change(run, send)


# The authorization request (RFC 6749 §4.1.1): parameters handed to create_authorization_url.


def _redirect_uri(params: dict[str, Any], **parts: Any) -> dict[str, Any]:
    return {
        **params,
        "redirect_uri": urlunsplit(urlsplit(params["redirect_uri"])._replace(**parts)),
    }


def redirect_uri_trailing_slash(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client sends its redirect_uri with a trailing slash that the registered value lacks.

    RFC 6749 §3.1.2.3: "If the client registration included the full redirection URI, the
    authorization server MUST compare the two URIs using simple string comparison"."""
    return _redirect_uri(params, path=urlsplit(params["redirect_uri"]).path + "/")


def redirect_uri_port(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client sends its redirect_uri with another port, as an app moved to a new port does.

    RFC 6749 §3.1.2.3: "the authorization server MUST compare the two URIs using simple string
    comparison". (RFC 8252 §7.3 lets only native apps' loopback URIs vary their port.)"""
    parts = urlsplit(params["redirect_uri"])
    port = (parts.port or (443 if parts.scheme == "https" else 80)) + 1
    return _redirect_uri(params, netloc=f"{parts.hostname}:{port}")


def redirect_uri_scheme(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client sends its redirect_uri with the other scheme (https for http, or back).

    RFC 6749 §3.1.2.3: "the authorization server MUST compare the two URIs using simple string
    comparison"; a scheme is part of the string."""
    scheme = urlsplit(params["redirect_uri"]).scheme
    return _redirect_uri(params, scheme="https" if scheme == "http" else "http")


def redirect_uri_unregistered(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client sends a redirect_uri it never registered (a new callback page).

    RFC 6749 §3.1.2.4: "the authorization server SHOULD inform the resource owner of the error
    and MUST NOT automatically redirect the user-agent to the invalid redirection URI"."""
    return _redirect_uri(params, path="/oauth/callback")


def unknown_client_id(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client sends a client_id this provider never issued (one from another environment).

    RFC 6749 §4.1.2.1: "if the client identifier is missing or invalid, the authorization server
    SHOULD inform the resource owner of the error and MUST NOT automatically redirect"."""
    return {**params, "client_id": "client-from-another-environment"}


def unknown_scope(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client asks for a scope the provider does not define (photos.delete).

    RFC 6749 §4.1.2.1, invalid_scope: "The requested scope is invalid, unknown, or malformed"."""
    return {**params, "scope": f"{params['scope']} photos.delete"}


def unsupported_response_type(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client asks for response_type=token, the implicit grant this provider does not offer.

    RFC 6749 §3.1.1: "If an authorization request is missing the "response_type" parameter, or
    if the response type is not understood, the authorization server MUST return an error
    response"."""
    return {**params, "response_type": "token"}


def omit_pkce(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The public client sends no code_challenge, as clients written before PKCE do.

    RFC 7636 §4.4.1: "If the server requires Proof Key for Code Exchange (PKCE) by OAuth public
    clients and the client does not send the "code_challenge" in the request, the authorization
    endpoint MUST return the authorization error response with the "error" value set to
    "invalid_request"."""
    return {**params, "code_verifier": None}


def prompt_none(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client asks for a silent sign-in (prompt=none) though the user has no session.

    OIDC Core §3.1.2.1, prompt=none: "An error is returned if an End-User is not already
    authenticated"."""
    return {**params, "prompt": "none"}


def deny_consent(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """No bug: the user says no. The client asks with prompt=consent so that the provider
    shows its consent page, and there the learner presses Deny.

    RFC 6749 §4.1.2.1, access_denied: "The resource owner or authorization server denied the
    request"."""
    return {**params, "prompt": "consent"}


def call_without_scope(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client forgets to ask for photos.read, then calls the photos API with the token.

    RFC 6750 §3.1, insufficient_scope: "The request requires higher privileges than provided by
    the access token"."""
    return {**params, "scope": " ".join(s for s in params["scope"].split() if s != "photos.read")}


# The authorization response (RFC 6749 §4.1.2): the URL the browser brings back.


def state_mismatch(run: Run, url: str) -> str:
    """An attacker makes the learner's browser deliver an authorization response from the
    attacker's own session (CSRF): its state is not the one this client sent.

    RFC 6749 §10.12: "The client MUST implement CSRF protection for its redirection URI"."""
    parts = urlsplit(url)
    params = {**dict(parse_qsl(parts.query)), "state": generate_token(24)}
    return urlunsplit(parts._replace(query=urlencode(params)))


# The token request (RFC 6749 §4.1.3): fetch_token's parameters and the client's credentials.


def wrong_client_secret(run: Run, credentials: ClientCredentials) -> ClientCredentials:
    """The client authenticates with a stale client_secret (one rotated away, or mistyped).

    RFC 6749 §5.2, invalid_client: "Client authentication failed (e.g., unknown client, no
    client authentication included, or unsupported authentication method)"."""
    return dataclasses.replace(credentials, client_secret="a-stale-client-secret")


def code_from_another_client(run: Run, credentials: ClientCredentials) -> ClientCredentials:
    """An attacker who stole the code redeems it as their own registered client.

    RFC 6749 §4.1.3: the authorization server MUST "ensure that the authorization code was
    issued to the authenticated confidential client"."""
    return ClientCredentials(**run.client_state["attacker_client"])


def token_redirect_uri_differs(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client sends a different redirect_uri in the token request than in the
    authorization request (here with a trailing slash).

    RFC 6749 §4.1.3, redirect_uri: "if the "redirect_uri" parameter was included in the
    authorization request as described in Section 4.1.1, and their values MUST be identical"."""
    return {**params, "redirect_uri": params["redirect_uri"] + "/"}


def wrong_code_verifier(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """An attacker who intercepted the code, but not the code_verifier (it never left the
    client), redeems it with a verifier of their own.

    RFC 7636 §4.6: "If the values are not equal, an error response indicating "invalid_grant"
    as described in Section 5.2 of [RFC6749] MUST be returned"."""
    return {**params, "code_verifier": generate_token(48)}


def omit_code_verifier(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client sent a code_challenge, then forgets the code_verifier in the token request.

    RFC 7636 §4.5: code_verifier is "REQUIRED" in the token request."""
    return {**params, "code_verifier": None}


def _replayed(run: Run, step: str, send: Callable[[], Any], what: str, spec: str) -> None:
    """Send the step's request again and record what came of it as a failed check."""
    try:
        send()
    except OAuthError as error:
        reason = f"{what}, was refused: {error.error}: {error.description}"
    except UnusableAnswer as error:
        reason = f"{what}, got an answer the client cannot read: {error}"
    else:
        reason = f"{what}, was accepted: the provider does not detect the replay"
    run.checks.setdefault(step, []).append(Check("replay", False, reason, spec))


def replay_code(run: Run, send: Callable[[], Any]) -> None:
    """An attacker who copied the code redeems it a second time, after the client did.

    RFC 6749 §4.1.2: "If an authorization code is used more than once, the authorization server
    MUST deny the request and SHOULD revoke (when possible) all tokens previously issued based
    on that authorization code"."""
    _replayed(
        run, "token_request", send, "the same code, redeemed a second time", "RFC 6749 §4.1.2"
    )


# Refreshing (RFC 6749 §6), and calling the API (RFC 6750).


def refresh_broader_scope(run: Run, params: dict[str, Any]) -> dict[str, Any]:
    """The client asks, when refreshing, for a scope the user never granted (photos.write).

    RFC 6749 §6: "The requested scope MUST NOT include any scope not originally granted by the
    resource owner"."""
    granted = run.client_state.get("tokens", {}).get("scope") or "openid photos.read"
    return {**params, "scope": f"{granted} photos.write"}


def reuse_rotated_refresh_token(run: Run, send: Callable[[], Any]) -> None:
    """An attacker with a copy of the refresh token presents it after the client has used it
    (it was rotated: spent).

    RFC 9700 §4.14.2: "If a refresh token is compromised and subsequently used by both the
    attacker and the legitimate client, one of them will present an invalidated refresh token,
    which will inform the authorization server of the breach"."""
    _replayed(
        run, "refresh_request", send, "the spent refresh token, presented again", "RFC 9700 §4.14.2"
    )


def call_with_revoked_token(run: Run, status: int) -> int:
    """The client revoked its refresh token, then calls the API with the access token of the
    same grant, expecting the photos as if that token were still good until its exp.

    RFC 7009 §2.1: for a refresh token, "the authorization server SHOULD also invalidate all
    access tokens based on the same authorization grant"."""
    return 200


MISTAKES: dict[str, Mistake] = {
    mistake.id: mistake
    for mistake in (
        Mistake("redirect-uri-trailing-slash", "authorization_request", PARAMETERS,
                redirect_uri_trailing_slash, provider_refuses=True),
        Mistake("redirect-uri-port", "authorization_request", PARAMETERS, redirect_uri_port,
                provider_refuses=True),
        Mistake("redirect-uri-scheme", "authorization_request", PARAMETERS, redirect_uri_scheme,
                provider_refuses=True),
        Mistake("redirect-uri-unregistered", "authorization_request", PARAMETERS,
                redirect_uri_unregistered, provider_refuses=True),
        Mistake("unknown-client-id", "authorization_request", PARAMETERS, unknown_client_id,
                provider_refuses=True),
        Mistake("unknown-scope", "authorization_request", PARAMETERS, unknown_scope),
        Mistake("unsupported-response-type", "authorization_request", PARAMETERS,
                unsupported_response_type),
        Mistake("omit-pkce", "authorization_request", PARAMETERS, omit_pkce),
        Mistake("prompt-none", "authorization_request", PARAMETERS, prompt_none),
        Mistake("deny-consent", "authorization_request", PARAMETERS, deny_consent,
                learner_does="At the provider's consent page, press Deny."),
        Mistake("call-without-scope", "authorization_request", PARAMETERS, call_without_scope),
        Mistake("state-mismatch", "authorization_response", RESPONSE, state_mismatch),
        Mistake("wrong-client-secret", "token_request", CREDENTIALS, wrong_client_secret),
        Mistake("code-from-another-client", "token_request", CREDENTIALS,
                code_from_another_client, another_client=True),
        Mistake("token-redirect-uri-differs", "token_request", PARAMETERS,
                token_redirect_uri_differs),
        Mistake("wrong-code-verifier", "token_request", PARAMETERS, wrong_code_verifier),
        Mistake("omit-code-verifier", "token_request", PARAMETERS, omit_code_verifier),
        Mistake("replay-code", "token_request", AGAIN, replay_code),
        Mistake("refresh-broader-scope", "refresh_request", PARAMETERS, refresh_broader_scope),
        Mistake("reuse-rotated-refresh-token", "refresh_request", AGAIN,
                reuse_rotated_refresh_token),
        Mistake("call-with-revoked-token", "resource_request", EXPECTED_STATUS,
                call_with_revoked_token),
    )
}  # fmt: skip

"""Every session that reaches the provider is built here, with the run's recorder attached.

Authlib's client does the protocol work (PKCE, client authentication, token parsing). The
sandbox only calls it one step at a time, and can ask what a step *would* send: `preview()`
runs the same Authlib call against a transport that captures the request instead of sending it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session
from requests.adapters import BaseAdapter

from . import instructor_token
from .answers import UnusableAnswer, beginning, is_seconds, json_object, loads, shown
from .discovery import ProviderMetadata
from .recorder import Run


class Captured(Exception):
    """Raised by the preview transport, carrying the request Authlib was about to send."""

    def __init__(self, request: requests.PreparedRequest) -> None:
        super().__init__("captured")
        self.request = request


class _CaptureAdapter(BaseAdapter):
    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        raise Captured(request)

    def close(self) -> None:
        """Nothing to release: this adapter never opens a connection."""


@dataclass(frozen=True)
class ClientCredentials:
    """The sandbox's identity at the provider, for one variant of a flow."""

    client_id: str
    client_secret: str | None  # None for a public client
    token_endpoint_auth_method: str


def oauth_session(run: Run, step: str, credentials: ClientCredentials, **kwargs: Any):
    """An Authlib OAuth2Session that records each exchange under `step`."""
    session = OAuth2Session(
        credentials.client_id,
        credentials.client_secret,
        token_endpoint_auth_method=credentials.token_endpoint_auth_method,
        **kwargs,
    )
    session.headers.update(instructor_token.vulnerable_issuers())
    session.hooks["response"].append(run.response_hook(step))
    # Authlib's seam for a provider's quirks: the answer is checked before Authlib reads it.
    session.register_compliance_hook("access_token_response", token_response)
    session.register_compliance_hook("refresh_token_response", token_response)
    return session


def preview(
    call: Callable[[OAuth2Session], Any], session: OAuth2Session
) -> requests.PreparedRequest:
    """The exact request `call(session)` would send, captured before it leaves."""
    session.mount("http://", _CaptureAdapter())
    session.mount("https://", _CaptureAdapter())
    try:
        call(session)
    except Captured as captured:
        return captured.request
    raise RuntimeError("the previewed call sent no request")


#: Members of a token response that are strings when present (RFC 6749 §5.1, §5.2).
TOKEN_STRINGS = ("access_token", "token_type", "refresh_token", "id_token", "scope", "error")


def token_response(response: requests.Response) -> requests.Response:
    """A token endpoint answer the client can read, or UnusableAnswer naming what came instead.

    Authlib would raise an HTTP error for a 5xx (which reads as "no answer"), and a ValueError or
    TypeError for a body that is not a JSON object or an expires_in that is not a number."""
    if response.status_code >= 500:
        raise UnusableAnswer(
            f"The token endpoint answered {response.status_code}, a failure of its own, not a "
            f"token response (RFC 6749 §5.1, §5.2); {beginning(response)}."
        )
    token = json_object(response, "The token endpoint")
    for name in TOKEN_STRINGS:
        if token.get(name) is not None and not isinstance(token[name], str):
            raise UnusableAnswer(
                f"The token endpoint's {name} is {shown(token[name])}, not a string "
                "(RFC 6749 §5.1, §5.2)."
            )
    for name in ("expires_in", "expires_at"):
        if token.get(name) is not None and not is_seconds(token[name]):
            raise UnusableAnswer(
                f"The token endpoint's {name} is {shown(token[name])}, not a number of seconds "
                "(RFC 6749 §5.1)."
            )
    return response


class Registrations:
    """Client registrations per issuer and kind, made once per sandbox process (RFC 7591).

    A registration is kept for as long as the provider's generation (GET {control}) is the one
    it was made in: an instructor's reset makes the provider forget every registration, from
    this sandbox or from any other one in the room, and the next run registers again instead of
    meeting `invalid_client`. A provider without a control API has no generation."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], tuple[str | None, ClientCredentials]] = {}
        self._lock = threading.Lock()

    def get(self, provider: ProviderMetadata, kind: str) -> ClientCredentials | None:
        with self._lock:
            known = self._known.get((provider.issuer, kind))
        if known is None or known[0] != _generation(provider):
            return None
        return known[1]

    def register(
        self, provider: ProviderMetadata, run: Run, kind: str, metadata: dict[str, Any]
    ) -> ClientCredentials:
        """Register the sandbox as a client, recording the exchange."""
        generation = _generation(provider)  # before: a reset in between means register again
        session = requests.Session()
        session.headers.update(
            {**instructor_token.vulnerable_issuers(), **instructor_token.bearer()}
        )
        session.hooks["response"].append(run.response_hook("registration_request"))
        response = session.post(provider.registration_endpoint, json=metadata, timeout=10)
        try:
            body = json_object(response, "The registration endpoint")
        except UnusableAnswer as error:
            raise RegistrationError(f"The provider cannot register the sandbox: {error}") from None
        if response.status_code != 201 or "client_id" not in body:
            raise RegistrationError(
                f"The provider refused to register the sandbox ({response.status_code}: "
                f"{body.get('error_description') or body.get('error') or response.text[:200]})."
            )
        # RFC 7591 §3.2.1: client_id (and client_secret, when one is issued) are strings.
        secret = body.get("client_secret")
        if not isinstance(body["client_id"], str) or not isinstance(secret, str | None):
            raise RegistrationError(
                f"The registration endpoint answered with client_id {shown(body['client_id'])} "
                f"and client_secret {shown(secret)}; each must be a string (RFC 7591 §3.2.1)."
            )
        credentials = ClientCredentials(
            client_id=body["client_id"],
            client_secret=secret,
            token_endpoint_auth_method=metadata["token_endpoint_auth_method"],
        )
        with self._lock:
            self._known[(provider.issuer, kind)] = (generation, credentials)
        return credentials


def _generation(provider: ProviderMetadata) -> str | None:
    """The mock provider's generation, or None for a provider that has none (or cannot say)."""
    if not provider.control_api:
        return None
    try:
        return loads(requests.get(provider.control_api, timeout=5).content).get("generation")
    except (requests.RequestException, ValueError, AttributeError):
        return None


class RegistrationError(Exception):
    """The sandbox could not get client credentials; the message says what to do."""

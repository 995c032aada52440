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
        body = (
            response.json()
            if response.headers.get("Content-Type", "").startswith("application/json")
            else {}
        )
        if response.status_code != 201 or "client_id" not in body:
            raise RegistrationError(
                f"The provider refused to register the sandbox ({response.status_code}: "
                f"{body.get('error_description') or body.get('error') or response.text[:200]})."
            )
        credentials = ClientCredentials(
            client_id=body["client_id"],
            client_secret=body.get("client_secret"),
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
        return requests.get(provider.control_api, timeout=5).json().get("generation")
    except (requests.RequestException, ValueError, AttributeError):
        return None


class RegistrationError(Exception):
    """The sandbox could not get client credentials; the message says what to do."""

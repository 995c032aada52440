"""The mock provider's control API, as the instructor page uses it, and what a change expired.

The sandbox finds the control API through discovery (an extension field of the mock provider's
discovery document), like everything else, and talks to it over HTTP only. Moving the provider's
clock expires codes and tokens; comparing `GET {control}/state` before and after says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from . import instructor_token
from .answers import loads
from .discovery import DiscoveryError, discover


class ControlUnavailable(Exception):
    """Instructor mode cannot work; the message says why and what to do."""


def find(issuer: str, who_needs_it: str = "Instructor mode needs") -> str:
    """The control API's URL, from the issuer's discovery document; `who_needs_it` starts the
    message when there is none."""
    try:
        control = discover(issuer).control_api
    except DiscoveryError as error:
        raise ControlUnavailable(str(error)) from None
    if not control:
        raise ControlUnavailable(
            f"{who_needs_it} the mock provider: {issuer} has no control API (its discovery "
            "document names no mock_provider_control_endpoint). Start both apps with "
            "`oauth-sandbox run`."
        )
    return control


def call(method: str, url: str, **form: Any) -> dict[str, Any]:
    """One control request; its JSON answer, or ControlUnavailable saying what went wrong."""
    try:
        response = requests.request(
            method, url, data=form or None, headers=instructor_token.bearer(), timeout=10
        )
        body = loads(response.content)
    except (requests.RequestException, ValueError) as error:
        raise ControlUnavailable(f"{method} {url} failed ({type(error).__name__}).") from None
    if response.status_code == 401:
        raise ControlUnavailable(
            f"{url} wants the instructor token: this provider listens beyond loopback. "
            "Instructor mode works with a provider on loopback, or from a sandbox started "
            "with --instructor-token."
        )
    if not response.ok or not isinstance(body, dict):
        raise ControlUnavailable(
            f"{method} {url} answered {response.status_code}: {body.get('error_description', '')}"
            if isinstance(body, dict)
            else f"{method} {url} answered {response.status_code}."
        )
    return body


@dataclass(frozen=True)
class Expiry:
    """One code or token that was alive before a change and is expired after it."""

    kind: str  # "authorization code", "access token" or "refresh token"
    value: str  # the code or token itself, shortened to its end for the page
    username: str | None
    client_id: str
    expired_for: int  # seconds since it expired, by the provider's clock

    def sentence(self) -> str:
        whose = f"{self.username}'s" if self.username else "the"
        return (
            f"The {self.kind} {self.value} ({whose} grant to {self.client_id}) expired "
            f"{_duration(self.expired_for)} ago."
        )


def expired_between(before: dict[str, Any], after: dict[str, Any]) -> list[Expiry]:
    """What went from `expires_in > 0` to `<= 0` between two `GET {control}/state` answers."""
    alive = {key for key, seconds, _ in _lifetimes(before) if seconds > 0}
    return [
        Expiry(key[0], _end(key[1]), grant.get("username"), _start(grant["client_id"]), -seconds)
        for key, seconds, grant in _lifetimes(after)
        if key in alive and seconds <= 0
    ]


def _lifetimes(state: dict[str, Any]):
    """Every code and token in a state answer: ((kind, value), expires_in, its grant)."""
    for grant in state.get("grants", []):
        if grant.get("revoked"):
            continue
        for code in grant.get("authorization_codes", []):
            if not code.get("redeemed"):
                yield ("authorization code", code["code"]), code["expires_in"], grant
        for token in grant.get("tokens", []):
            if token.get("revoked"):
                continue
            yield ("access token", token["access_token"]), token["expires_in"], grant
            if token.get("refresh_token") and token.get("refresh_expires_in") is not None:
                if not token.get("refresh_token_rotated"):
                    pair = ("refresh token", token["refresh_token"])
                    yield pair, token["refresh_expires_in"], grant


def _start(value: str) -> str:
    return value if len(value) <= 12 else f"{value[:8]}…"


def _end(value: str) -> str:
    """A code or token by its last characters: every JWT access token starts with the same
    header ("eyJ0eXAi..."), but each ends with its own signature."""
    return value if len(value) <= 12 else f"…{value[-8:]}"


def _duration(seconds: int) -> str:
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            amount = seconds // size
            return f"{amount} {unit}{'s' if amount != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"

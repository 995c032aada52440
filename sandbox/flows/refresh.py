"""Refresh tokens (RFC 6749 §6): an access token expires, the client refreshes it, the provider
rotates the refresh token, and a spent refresh token presented again revokes the grant.

Waiting an hour for a token to expire makes a poor lesson, so one step moves the mock provider's
clock forward through its control API. That step is the sandbox's teaching seam, not OAuth: the
client's copy of the token does not change, only the provider's idea of the time. The last two
steps play the attacker of RFC 9700 §4.14.2, who stole the old refresh token.
"""

from __future__ import annotations

import time
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError

from .. import instructor_token, mistakes
from ..answers import UnusableAnswer, json_object
from ..id_tokens import Check, decode_unverified, relative
from ..provider_client import preview
from ..recorder import Run
from . import authorization_code
from .base import Flow, Step
from .protected_api import CONFIDENTIAL, PUBLIC, SIGN_IN, bearer_session, photos_step

MARGIN = 60  # seconds past expires_in, so the token is expired by any clock


def _clock_advance(run: Run) -> tuple[str, dict[str, Any]] | None:
    """Where and what to send to move the clock; None when the provider has no control API."""
    control = run.provider.control_api
    if not control:
        return None
    expires_in = int(run.client_state.get("tokens", {}).get("expires_in") or 3600)
    return f"{control}/clock/advance", {"seconds": expires_in + MARGIN}


def preview_clock_advance(run: Run) -> requests.PreparedRequest | None:
    planned = _clock_advance(run)
    if planned is None:
        return None
    url, data = planned
    return requests.Request("POST", url, data=data).prepare()


def advance_clock(run: Run) -> None:
    """Move the provider's clock past the access token's expiry (the mock provider's seam)."""
    planned = _clock_advance(run)
    if planned is None:
        run.error = (
            "This provider has no control API (its discovery document names no "
            "mock_provider_control_endpoint), so the sandbox cannot move its clock. Here the "
            "access token expires on its own after expires_in seconds; the rest of this flow "
            "needs the mock provider."
        )
        return
    url, data = planned
    with requests.Session() as session:
        session.headers.update(instructor_token.bearer())  # the control API, beyond loopback
        session.hooks["response"].append(run.response_hook("clock_advance"))
        response = session.post(url, data=data, timeout=10)
    if not response.ok:
        run.error = f"The control API answered {response.status_code}: {response.text[:200]}"
        return
    try:
        now = json_object(response, "The control API").get("now")
    except UnusableAnswer as error:
        run.error = str(error)
        return
    run.checks["clock_advance"] = _expiry_checks(run, now)


def _expiry_checks(run: Run, provider_now: Any) -> list[Check]:
    """Compare the provider's new time with the access token's exp, and the client's view."""
    tokens = run.client_state["tokens"]
    decoded = decode_unverified(tokens.get("access_token", ""))
    exp = decoded[1].get("exp") if decoded else None
    if not isinstance(exp, int | float) or not isinstance(provider_now, int | float):
        return []
    expired = provider_now >= exp
    when = relative(exp - provider_now)
    reason = (
        f"by the provider's clock the access token {'expired' if expired else 'expires'} {when}"
    )
    if isinstance(tokens.get("expires_at"), int | float):
        left = relative(tokens["expires_at"] - time.time())
        reason += f"; by its own clock the client still thinks it expires {left}"
    return [Check("exp", expired, reason, "RFC 7519 §4.1.4")]


def _refresh_call(refresh_token: str, token_endpoint: str, **params: Any):
    def call(session):
        return session.refresh_token(token_endpoint, refresh_token=refresh_token, **params)

    return call


def _refresh_request(run: Run):
    """The refresh request, with whatever a failure scenario changes in it (mistakes.py)."""
    params = mistakes.alter(run, "refresh_request", mistakes.PARAMETERS, {})
    refresh_token = run.client_state["tokens"]["refresh_token"]
    return _refresh_call(refresh_token, run.provider.token_endpoint, **params)


def preview_refresh(run: Run) -> requests.PreparedRequest | None:
    if not run.client_state["tokens"].get("refresh_token"):
        return None
    return preview(_refresh_request(run), bearer_session(run, "refresh_request"))


def refresh(run: Run) -> None:
    """Trade the refresh token for new tokens (RFC 6749 §6); the provider rotates it."""
    old = run.client_state["tokens"]
    if not old.get("refresh_token"):
        run.error = "The token response had no refresh_token, so there is nothing to refresh with."
        return
    call = _refresh_request(run)
    try:
        token = call(bearer_session(run, "refresh_request"))
    except OAuthError as error:
        run.error = f"{error.error}: {error.description}"
        return
    except UnusableAnswer as error:
        run.error = str(error)
        return
    # A real client forgets the spent refresh token; the sandbox keeps it for the last steps.
    run.client_state["spent_refresh_token"] = old["refresh_token"]
    run.client_state["tokens"] = dict(token)
    rotated = token.get("refresh_token") != old["refresh_token"]
    run.checks["refresh_request"] = [
        Check(
            "refresh_token",
            rotated,
            "a new refresh token came back: the old one is spent (rotation)"
            if rotated
            else "the same refresh token came back: this provider does not rotate them",
            "RFC 9700 §4.14.2",
        ),
        Check(
            "access_token",
            token.get("access_token") != old.get("access_token"),
            f"a new access token, valid for expires_in={token.get('expires_in')} seconds",
            "RFC 6749 §5.1",
        ),
    ]
    mistakes.repeat(run, "refresh_request", lambda: call(bearer_session(run, "refresh_request")))


def preview_reuse(run: Run) -> requests.PreparedRequest:
    call = _refresh_call(run.client_state["spent_refresh_token"], run.provider.token_endpoint)
    return preview(call, bearer_session(run, "refresh_token_reuse"))


def reuse_spent_refresh_token(run: Run) -> None:
    """Present the spent refresh token again, as a thief with a copy would (RFC 9700 §4.14.2)."""
    call = _refresh_call(run.client_state["spent_refresh_token"], run.provider.token_endpoint)
    try:
        call(bearer_session(run, "refresh_token_reuse"))
    except UnusableAnswer as error:
        run.error = str(error)
        return
    except OAuthError as error:
        status = run.exchanges_of("refresh_token_reuse")[-1].status
        run.checks["refresh_token_reuse"] = [
            Check("status", status == 400, f"the provider answered {status}", "RFC 6749 §5.2"),
            Check(
                "error",
                error.error == "invalid_grant",
                f"error={error.error}: the spent refresh token is refused, and with it the "
                "whole grant is revoked, the client's newest tokens included",
                "RFC 9700 §4.14.2",
            ),
        ]
        return
    run.checks["refresh_token_reuse"] = [
        Check(
            "error",
            False,
            "the provider accepted the spent refresh token and issued new tokens: it does not "
            "detect reuse, so a stolen refresh token stays useful",
            "RFC 9700 §4.14.2",
        )
    ]


FLOW = Flow(
    id="refresh-token",
    title="Refresh tokens: expiry, rotation, reuse",
    summary="Sign a user in, let the access token expire, refresh it and watch the refresh "
    "token rotate, then present the old refresh token again and watch the provider revoke "
    "the whole grant.",
    spec="RFC 6749 §6, RFC 6750 §3.1, RFC 9700 §4.14.2",
    variants=(CONFIDENTIAL, PUBLIC),
    steps=(
        *SIGN_IN,
        Step(
            "clock_advance",
            "back",
            perform=advance_clock,
            preview=preview_clock_advance,
            arrows=(("client", "authorization_server", "POST /control/clock/advance", "back"),),
        ),
        photos_step("resource_request", 401, error="invalid_token"),
        Step(
            "refresh_request",
            "back",
            perform=refresh,
            preview=preview_refresh,
            arrows=(("client", "authorization_server", "POST /token (refresh)", "back"),),
        ),
        photos_step("resource_retry", 200),
        Step(
            "refresh_token_reuse",
            "back",
            perform=reuse_spent_refresh_token,
            preview=preview_reuse,
            arrows=(("client", "authorization_server", "POST /token (old refresh)", "back"),),
        ),
        photos_step("resource_after_reuse", 401, error="invalid_token"),
    ),
    start=authorization_code.start,
)

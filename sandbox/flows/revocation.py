"""Token introspection (RFC 7662) and revocation (RFC 7009), after the authorization code flow.

The client asks the provider about its access token (active, with what it allows), revokes its
refresh token, and asks again: revoking a refresh token ends its whole grant, so the access token
is no longer active either (RFC 7009 §2.1), and the API refuses it.
"""

from __future__ import annotations

import requests

from ..answers import UnusableAnswer, json_object
from ..id_tokens import Check
from ..provider_client import preview
from ..recorder import Run
from . import authorization_code
from .base import Flow, Step
from .protected_api import CONFIDENTIAL, SIGN_IN, bearer_session, photos_step


def _introspection_call(run: Run):
    def call(session):
        return session.introspect_token(
            run.provider.introspection_endpoint,
            token=run.client_state["tokens"]["access_token"],
            token_type_hint="access_token",
        )

    return call


def _introspect(run: Run, step: str, active: bool) -> None:
    """Ask whether the access token is active (RFC 7662 §2.1); `active` is what should come back."""
    if not run.provider.introspection_endpoint:
        run.error = "This provider names no introspection_endpoint in its discovery document."
        return
    response = _introspection_call(run)(bearer_session(run, step))
    try:
        body = json_object(response, "The introspection endpoint") if response.ok else {}
    except UnusableAnswer as error:  # RFC 7662 §2.2: the answer is a JSON object
        run.error = str(error)
        return
    said = body.get("active")
    run.checks[step] = [
        Check(
            "active",
            said is active,
            f"the provider says active: {str(said).lower()}"
            + (
                ", and describes the token: its scope, user, client and expiry"
                if said
                else ", and nothing more: no reason is given (RFC 7662 §2.2)"
            )
            if isinstance(said, bool)
            else f"the provider answered {response.status_code} without an active member",
            "RFC 7662 §2.2",
        )
    ]


def _introspection_preview(run: Run, step: str) -> requests.PreparedRequest | None:
    if not run.provider.introspection_endpoint:
        return None
    return preview(_introspection_call(run), bearer_session(run, step))


def introspect(run: Run) -> None:
    """The access token just issued: the provider should call it active."""
    _introspect(run, "introspection_request", active=True)


def preview_introspection(run: Run) -> requests.PreparedRequest | None:
    return _introspection_preview(run, "introspection_request")


def introspect_after_revocation(run: Run) -> None:
    """The same access token once its grant is revoked: the provider should call it inactive."""
    _introspect(run, "introspection_after_revocation", active=False)


def preview_introspection_after_revocation(run: Run) -> requests.PreparedRequest | None:
    return _introspection_preview(run, "introspection_after_revocation")


def _revocation_call(run: Run):
    def call(session):
        return session.revoke_token(
            run.provider.revocation_endpoint,
            token=run.client_state["tokens"]["refresh_token"],
            token_type_hint="refresh_token",
        )

    return call


def preview_revocation(run: Run) -> requests.PreparedRequest | None:
    if not run.provider.revocation_endpoint or "refresh_token" not in run.client_state["tokens"]:
        return None
    return preview(_revocation_call(run), bearer_session(run, "revocation_request"))


def revoke(run: Run) -> None:
    """Tell the provider the refresh token is no longer needed (RFC 7009 §2.1)."""
    if not run.provider.revocation_endpoint:
        run.error = "This provider names no revocation_endpoint in its discovery document."
        return
    if "refresh_token" not in run.client_state["tokens"]:
        run.error = "The token response had no refresh_token, so there is none to revoke."
        return
    response = _revocation_call(run)(bearer_session(run, "revocation_request"))
    run.checks["revocation_request"] = [
        Check(
            "status",
            response.status_code == 200,
            f"the provider answered {response.status_code}; the body means nothing, the status "
            "alone says the token is revoked (or was never valid)",
            "RFC 7009 §2.2",
        )
    ]
    if response.status_code == 200:
        # The client forgets what it revoked; it keeps the access token only to show it is dead.
        run.client_state["tokens"].pop("refresh_token", None)


FLOW = Flow(
    id="revocation-introspection",
    title="Revocation and introspection",
    summary="Sign a user in, ask the provider about the access token, revoke the refresh "
    "token, and watch the access token turn inactive with it.",
    spec="RFC 7662 §2, RFC 7009 §2",
    variants=(CONFIDENTIAL,),
    steps=(
        *SIGN_IN,
        Step(
            "introspection_request",
            "back",
            perform=introspect,
            preview=preview_introspection,
            arrows=(("client", "authorization_server", "POST /introspect", "back"),),
        ),
        Step(
            "revocation_request",
            "back",
            perform=revoke,
            preview=preview_revocation,
            arrows=(("client", "authorization_server", "POST /revoke (refresh token)", "back"),),
        ),
        Step(
            "introspection_after_revocation",
            "back",
            perform=introspect_after_revocation,
            preview=preview_introspection_after_revocation,
            arrows=(("client", "authorization_server", "POST /introspect", "back"),),
        ),
        photos_step("resource_request", 401, error="invalid_token"),
    ),
    start=authorization_code.start,
)

"""Calling a protected API with a bearer token (RFC 6750 §2.1), after the authorization code flow.

The mock provider serves a small demo API, /api/photos, under its issuer: reading needs the scope
photos.read and adding needs photos.write. The sandbox's web client may only ask for photos.read,
so reading works and adding is refused with 403 insufficient_scope, the WWW-Authenticate challenge
naming the scope that was missing (RFC 6750 §3.1). The other flows that call the API after a
refresh or a revocation build their steps with `photos_step` from here.
"""

from __future__ import annotations

from http import HTTPStatus

import requests
from werkzeug.datastructures import WWWAuthenticate

from .. import mistakes
from ..id_tokens import Check
from ..provider_client import oauth_session, preview
from ..recorder import Run
from . import authorization_code
from .base import Flow, Step

#: The authorization code flow up to the token response; flows that use a user's tokens start so.
#: The steps keep their ids, because the redirect_uri callback completes them by name.
SIGN_IN = tuple(
    authorization_code.FLOW.step(step_id)
    for step_id in (
        "discovery_request",
        "authorization_request",
        "authorization_response",
        "token_request",
    )
)
CONFIDENTIAL = next(v for v in authorization_code.FLOW.variants if v.id == "confidential-pkce")
PUBLIC = next(v for v in authorization_code.FLOW.variants if v.id == "public-pkce")


def photos_url(run: Run) -> str:
    """The demo API lives under the mock provider's issuer. Discovery describes only the
    authorization server (RFC 8414 §2), so no document names it; another provider has none."""
    return f"{run.provider.issuer}/api/photos"


def bearer_session(run: Run, step: str):
    """An Authlib session that sends the client's current access token (RFC 6750 §2.1)."""
    return oauth_session(run, step, run.credentials, token=run.client_state.get("tokens"))


def _phrase(status: int) -> str:
    """'Not Found' for 404; nothing for a status no RFC names (a provider may send any)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def expected_answer(
    response: requests.Response, status: int, error: str | None = None, scope: str | None = None
) -> list[Check]:
    """The answer this step should get, checked against the one it got. A refused request names
    its reason in the WWW-Authenticate challenge (RFC 6750 §3), which is what a client reads."""
    got = response.status_code
    reason = f"the API answered {got} {_phrase(got)}".rstrip()
    checks = [
        Check(
            "status",
            got == status,
            reason if got == status else f"{reason}, where {status} was expected",
            "RFC 6750 §3.1" if status >= 400 else "RFC 6750 §2.1",
        )
    ]
    challenge = WWWAuthenticate.from_header(response.headers.get("WWW-Authenticate"))
    said = dict(challenge.parameters) if challenge else {}
    if error:
        named = said.get("error")
        checks.append(
            Check(
                "error",
                named == error,
                f'WWW-Authenticate says error="{named}"'
                if named
                else "the response has no WWW-Authenticate challenge naming an error",
                "RFC 6750 §3",
            )
        )
    if scope:
        named = said.get("scope")
        checks.append(
            Check(
                "scope",
                named == scope,
                f'WWW-Authenticate names the scope the request needs: scope="{named}"'
                if named
                else "the response has no WWW-Authenticate challenge naming a scope",
                "RFC 6750 §3",
            )
        )
    return checks


def photos_step(
    step_id: str,
    status: int,
    error: str | None = None,
    method: str = "GET",
    scope: str | None = None,
) -> Step:
    """A step that calls the photos API with the current access token and checks the answer
    against `status` (and, for a refusal, the challenge's `error` and `scope`)."""

    def call(run: Run):
        def send(session):
            if method == "POST":
                return session.post(photos_url(run), data={"title": "Harbour at dusk"}, timeout=10)
            return session.get(photos_url(run), timeout=10)

        return send

    def perform(run: Run) -> None:
        response = call(run)(bearer_session(run, step_id))
        # A failure scenario's client may expect another answer (mistakes.py).
        expected = mistakes.alter(run, step_id, mistakes.EXPECTED_STATUS, status)
        run.checks[step_id] = expected_answer(response, expected, error, scope)
        if response.status_code != expected:
            # A client cannot go on from an answer it did not expect, so neither does the run.
            run.error = f"The API answered {response.status_code}, where {expected} was expected."

    def show(run: Run) -> requests.PreparedRequest:
        return preview(call(run), bearer_session(run, step_id))

    return Step(
        step_id,
        "back",
        perform=perform,
        preview=show,
        arrows=(("client", "resource_server", f"{method} /api/photos", "back"),),
    )


FLOW = Flow(
    id="protected-api",
    title="Calling a protected API",
    summary="Sign a user in, then call an API with the access token: reading photos works, "
    "adding one needs a scope the token lacks, and the API says which.",
    spec="RFC 6750 §2.1, §3.1",
    variants=(CONFIDENTIAL,),
    steps=(
        *SIGN_IN,
        photos_step("resource_request", 200),
        photos_step(
            "resource_write_request",
            403,
            error="insufficient_scope",
            method="POST",
            scope="photos.write",
        ),
    ),
    start=authorization_code.start,
)

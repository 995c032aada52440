"""Client credentials grant (RFC 6749 §4.4): a confidential client acting for itself.

No user and no browser take part. The client registers for this grant alone, authenticates with
its secret at the token endpoint, and gets an access token for its own use, with no refresh token
(RFC 6749 §4.4.3) and no ID token; then it calls the demo API with it.
"""

from __future__ import annotations

import requests
from authlib.integrations.base_client import OAuthError

from ..answers import UnusableAnswer
from ..id_tokens import Check
from ..provider_client import oauth_session, preview
from ..recorder import Run
from .base import DISCOVERY, Flow, Registration, Step, Variant
from .protected_api import photos_step

SCOPE = "photos.read photos.write"


def start(run: Run, variant: Variant) -> None:
    """Nothing to prepare: with no user to send anywhere there is no redirect_uri and no state."""
    run.client_state.pop("redirect_uri", None)


def _session(run: Run, step: str):
    return oauth_session(run, step, run.credentials, scope=SCOPE)


def _token_call(run: Run):
    def call(session):
        return session.fetch_token(run.provider.token_endpoint, grant_type="client_credentials")

    return call


def preview_token_request(run: Run) -> requests.PreparedRequest:
    """The token request exactly as Authlib will send it."""
    return preview(_token_call(run), _session(run, "client_credentials_request"))


def request_token(run: Run) -> None:
    """Authenticate as the client and ask for a token for its own use (RFC 6749 §4.4.2)."""
    try:
        token = _token_call(run)(_session(run, "client_credentials_request"))
    except OAuthError as error:
        run.error = f"{error.error}: {error.description}"
        return
    except UnusableAnswer as error:
        run.error = str(error)
        return
    run.client_state["tokens"] = dict(token)
    granted = token.get("scope") or SCOPE  # RFC 6749 §5.1: absent means as requested
    run.checks["client_credentials_request"] = [
        Check(
            "refresh_token",
            "refresh_token" not in token,
            "no refresh token: the client can always ask again with its own credentials"
            if "refresh_token" not in token
            else "the provider issued a refresh token, which this grant should not need",
            "RFC 6749 §4.4.3",
        ),
        Check(
            "scope",
            set(granted.split()) == set(SCOPE.split()),
            f"the token carries scope {granted!r}",
            "RFC 6749 §3.3",
        ),
    ]


FLOW = Flow(
    id="client-credentials",
    title="Client credentials: a client acting for itself",
    summary="A back-end service gets an access token with its own credentials, with no user "
    "and no browser, and calls an API with it.",
    spec="RFC 6749 §4.4",
    variants=(
        Variant(
            "confidential",
            "Confidential client (a service)",
            public=False,
            pkce=False,
            note="A back-end job or service with a client secret. A public client cannot use "
            "this grant: anyone could then act as it.",
            registration=Registration(
                kind="service", grant_types=("client_credentials",), scope=SCOPE
            ),
        ),
    ),
    steps=(
        DISCOVERY,
        Step(
            "client_credentials_request",
            "back",
            perform=request_token,
            preview=preview_token_request,
            arrows=(("client", "authorization_server", "POST /token", "back"),),
        ),
        photos_step("resource_request", 200),
    ),
    start=start,
)

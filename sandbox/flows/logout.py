"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0), after a code-flow sign-in.

The run first signs the user in with the authorization code flow (the same steps and functions
as `authorization_code`), then sends the browser to the provider's end_session_endpoint with the
ID token as id_token_hint, a post_logout_redirect_uri and a state (§2).

One design for the way back: the post_logout_redirect_uri is the sandbox's own index page,
`{base_url}/`, which runs.py registers for every client. The provider sends the browser there
with `?state=...` (§3); the index view hands a state that matches a run waiting at
end_session_request to `receive_post_logout`, which records the front-channel exchange, compares
state and completes the step. A state that matches no waiting run is not acted on.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl, urljoin, urlsplit

from authlib.integrations.flask_client import FlaskOAuth2App

from .. import id_tokens
from ..recorder import Exchange, Run
from . import authorization_code
from .base import DISCOVERY, Flow, Step, Variant

STEP = "end_session_request"
SIGN_IN = authorization_code.FLOW


def start(run: Run, variant: Variant) -> None:
    """Prepare the sign-in, and note where the provider should send the browser after logout."""
    authorization_code.start(run, variant)
    if not run.provider.end_session_endpoint:
        run.error = (
            f"{run.provider.issuer} names no end_session_endpoint in its discovery document, "
            "so it does not offer RP-initiated logout (RP-Initiated Logout §2.1)."
        )
    # `{base_url}/`, beside the redirect_uri `{base_url}/callback`: what runs.py registers.
    run.client_state["post_logout_redirect_uri"] = urljoin(run.client_state["redirect_uri"], ".")


def exchange_code_then_prepare_logout(run: Run) -> None:
    """The code flow's token request; with the ID token in hand, the logout URL can be built."""
    authorization_code.exchange_code(run)
    if not run.error:
        prepare_logout(run)


def prepare_logout(run: Run) -> None:
    """Build the logout request (RP-Initiated Logout §2) with Authlib, keeping its state."""
    id_token = run.client_state.get("tokens", {}).get("id_token")
    if not id_token:
        run.error = "The token response has no id_token, so there is no id_token_hint to send."
        return
    # Authlib's logout helper lives on its framework client; it needs only the endpoint.
    client = FlaskOAuth2App(
        None,
        name="sandbox",
        client_id=run.credentials.client_id,
        end_session_endpoint=run.provider.end_session_endpoint,
    )
    logout = client.create_logout_url(
        post_logout_redirect_uri=run.client_state["post_logout_redirect_uri"],
        id_token_hint=id_token,
    )
    run.client_state["logout_state"] = logout["state"]
    run.client_state["logout_url"] = logout["url"]


def is_waiting_for(run: Run, state: str) -> bool:
    """Whether `run` sent the browser to log out with this state and has not seen it back."""
    return (
        run.flow == FLOW.id
        and "token_request" in run.completed
        and STEP not in run.completed
        and not run.error
        and run.client_state.get("logout_state") == state
    )


def receive_post_logout(run: Run, url: str) -> None:
    """Record the redirect the browser carried back, and compare state (RP-Initiated §3)."""
    params = dict(parse_qsl(urlsplit(url).query))
    run.record(Exchange.redirect(STEP, run.client_state["logout_url"], url))
    state_ok = params.get("state") == run.client_state["logout_state"]
    run.checks[STEP] = [
        id_tokens.Check(
            "state",
            state_ok,
            "state equals the value this client sent with the logout request"
            if state_ok
            else f"state is {params.get('state')!r}, not the value this client sent",
            "RP-Initiated Logout §3",
        )
    ]
    if not state_ok:
        run.error = "The client stopped: the state that came back is not the one it sent."


FLOW = Flow(
    id="logout",
    title="Logout (RP-initiated)",
    summary="Sign a user in with the code flow, then sign them out at the provider too: the "
    "browser carries the ID token to the end_session_endpoint and comes back with state.",
    spec="OIDC RP-Initiated Logout 1.0 §2, §3",
    variants=(SIGN_IN.variants[0],),
    steps=(
        DISCOVERY,
        SIGN_IN.step("authorization_request"),
        SIGN_IN.step("authorization_response"),
        dataclasses.replace(
            SIGN_IN.step("token_request"), perform=exchange_code_then_prepare_logout
        ),
        Step(
            STEP,
            "front",
            arrows=(
                ("browser", "authorization_server", "GET /logout", "front"),
                ("authorization_server", "browser", "302 to post_logout_redirect_uri", "front"),
                ("browser", "client", "GET /?state", "front"),
            ),
        ),
    ),
    start=start,
)

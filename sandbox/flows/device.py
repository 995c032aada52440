"""Device authorization grant (RFC 8628): signing in on a TV or a console, one step at a time.

The sandbox plays the device, which has no browser and no keyboard worth typing on. It asks the
provider for a pair of codes (§3.1), shows the user code and a QR code for the user's phone
(§3.3), then polls the token endpoint (§3.4) while the user approves or denies on that second
screen. Each press of "Poll now" sends one token request, and every answer is recorded: most are
"not yet" (authorization_pending), some are "not so fast" (slow_down), one is final.
"""

from __future__ import annotations

import requests
from authlib.integrations.base_client import OAuthError

from .. import annotations
from ..answers import UnusableAnswer, is_seconds, json_object, shown
from ..discovery import is_web_url
from ..provider_client import oauth_session, preview
from ..recorder import Run
from .base import DISCOVERY, Flow, Registration, Step, Variant

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"  # RFC 8628 §3.4
SCOPE = "openid profile email photos.read"
SLOW_DOWN_STEP = 5  # seconds; RFC 8628 §3.5
#: Answers that mean "ask again later"; any other error ends the flow (RFC 8628 §3.5).
STILL_PENDING = ("authorization_pending", "slow_down")
DEVICE_FIELDS = (
    "device_code",
    "user_code",
    "verification_uri",
    "verification_uri_complete",
    "expires_in",
    "interval",
)


def start(run: Run, variant: Variant) -> None:
    """Nothing to make up in advance: the provider hands out both codes."""
    if not run.provider.device_authorization_endpoint:
        run.error = (
            f"{run.provider.issuer} names no device_authorization_endpoint in its discovery "
            "document, so it does not offer the device grant (RFC 8628 §4)."
        )


def _device_authorization_call(run: Run):
    def call(session):
        # RFC 8628 §3.1: the client authenticates (or, when public, names itself) as it would
        # at the token endpoint; Authlib's client auth adds client_id for a public client.
        return session.post(
            run.provider.device_authorization_endpoint,
            data={"scope": SCOPE},
            auth=session.client_auth(run.credentials.token_endpoint_auth_method),
            timeout=10,
        )

    return call


def preview_device_authorization(run: Run) -> requests.PreparedRequest:
    """The device authorization request exactly as it will be sent."""
    return preview(_device_authorization_call(run), _session(run, "device_authorization_request"))


def request_device_authorization(run: Run) -> None:
    """Ask for a device_code and a user_code (RFC 8628 §3.1, §3.2)."""
    response = _device_authorization_call(run)(_session(run, "device_authorization_request"))
    try:
        body = json_object(response, "The device authorization endpoint")
    except UnusableAnswer as error:
        run.error = str(error)
        return
    if not response.ok or "device_code" not in body:
        run.error = (
            f"The provider refused the device authorization request ({response.status_code}: "
            f"{body.get('error_description') or body.get('error') or response.text[:200]})."
        )
        return
    # The page links the user to these, so a javascript: URL must never get there; and
    # verification_uri is REQUIRED (RFC 8628 §3.2).
    links = [body.get("verification_uri"), body.get("verification_uri_complete")]
    if not is_web_url(links[0]) or not (links[1] is None or is_web_url(links[1])):
        run.error = (
            "The provider's verification_uri is missing or not an http(s) URL (RFC 8628 §3.2)."
        )
        return
    if unusable := _unusable_device_field(body):
        run.error = unusable
        return
    run.client_state.update({name: body.get(name) for name in DEVICE_FIELDS})
    # RFC 8628 §3.2: interval is optional; without it the client waits 5 seconds.
    run.client_state["interval"] = int(body.get("interval") or 5)


def _unusable_device_field(body: dict) -> str | None:
    """Why the codes cannot be used (RFC 8628 §3.2: the codes are strings, the times numbers)."""
    for name in ("device_code", "user_code"):
        if not isinstance(body.get(name), str):
            return (
                f"The provider's {name} is {shown(body.get(name))}, not a string (RFC 8628 §3.2)."
            )
    for name in ("expires_in", "interval"):
        if body.get(name) is not None and not is_seconds(body[name]):
            return (
                f"The provider's {name} is {shown(body[name])}, not a number of seconds "
                "(RFC 8628 §3.2)."
            )
    return None


def show_user_code(run: Run) -> None:
    """The device shows the code; the user acts on another screen. Nothing is sent here."""


def _token_call(run: Run):
    def call(session):
        return session.fetch_token(
            run.provider.token_endpoint,
            grant_type=GRANT_TYPE,
            device_code=run.client_state["device_code"],
        )

    return call


def preview_poll(run: Run) -> requests.PreparedRequest:
    """The next poll exactly as it will be sent."""
    return preview(_token_call(run), _session(run, "device_token_polling"))


def poll(run: Run) -> bool:
    """One poll of the token endpoint (RFC 8628 §3.4); the step is done once tokens arrive."""
    try:
        token = _token_call(run)(_session(run, "device_token_polling"))
    except OAuthError as error:
        return _still_pending(run, error.error)
    except UnusableAnswer as error:
        run.error = str(error)
        return False
    run.client_state["tokens"] = dict(token)
    return True


def _still_pending(run: Run, error: str | None) -> bool:
    """Read an error answer: keep polling, poll slower, or stop (RFC 8628 §3.5)."""
    if error == "slow_down":
        # RFC 8628 §3.5: the interval MUST be increased by 5 seconds for this and all
        # subsequent requests.
        run.client_state["interval"] += SLOW_DOWN_STEP
    if error not in STILL_PENDING:
        note = annotations.error(error or "")
        run.error = f"{error}: {note.text}" if note else f"The token endpoint answered {error}."
    return False


def _session(run: Run, step: str):
    # No scope here: the device token request carries only grant_type, device_code and the
    # client's identity (RFC 8628 §3.4); the scope was fixed in the device authorization request.
    return oauth_session(run, step, run.credentials)


FLOW = Flow(
    id="device-authorization",
    title="Device authorization (TV and console sign-in)",
    summary="Sign in on a device without a browser: it shows a short code, you approve on your "
    "phone, and the device polls until the tokens arrive.",
    spec="RFC 8628",
    variants=(
        Variant(
            "public-device",
            "A TV app (public client)",
            public=True,
            pkce=False,
            note="Software on a TV or console cannot keep a secret, so it is a public client "
            "registered for the device grant only.",
            registration=Registration(
                kind="device", grant_types=(GRANT_TYPE, "refresh_token"), scope=SCOPE
            ),
        ),
    ),
    steps=(
        DISCOVERY,
        Step(
            "device_authorization_request",
            "back",
            perform=request_device_authorization,
            preview=preview_device_authorization,
            arrows=(("client", "authorization_server", "POST /device_authorization", "back"),),
        ),
        Step(
            "user_interaction",
            "front",
            perform=show_user_code,
            arrows=(("browser", "authorization_server", "GET /device?user_code", "front"),),
            action="The code is on screen: start polling",
        ),
        Step(
            "device_token_polling",
            "back",
            perform=poll,
            preview=preview_poll,
            arrows=(("client", "authorization_server", "POST /token (poll)", "back"),),
            action="Poll now",
        ),
    ),
    start=start,
)

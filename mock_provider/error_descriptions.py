"""Error descriptions in plain words: what was wrong, and with which value.

Authlib's own descriptions are terse ("Invalid 'code' in request."), and some errors have none.
`explain` replaces each with the failed check's detail from the request log, or with a plain
restatement, and keeps it to the characters RFC 6749 §5.2 allows in error_description.
"""

from __future__ import annotations

from contextvars import ContextVar

import authlib.oauth2.base
from authlib.oauth2.base import OAuth2Error

from . import request_log
from .client_request import client_parameters
from .config import DEVICE_CODE_GRANT

# Authlib descriptions that say less than the check that failed; the check's detail replaces them.
VAGUE = {
    None,
    "",
    "Invalid 'code' in request.",
    "Invalid 'redirect_uri' in request.",
    "The client does not exist on this server.",
    # insufficient_scope at /userinfo; the "scope" check names the scope needed and carried.
    "The request requires higher privileges than provided by the access token.",
}
VAGUE_STARTS = (
    "The client cannot auth",
    "Redirect URI ",
    "The client is not authorized to use 'grant_type=",
    # Authlib's device grant calls its grant_type a response_type (RFC 8628 §3.4).
    f"The client is not authorized to use 'response_type={DEVICE_CODE_GRANT}'",
)
PLAIN = {
    "Missing 'client_id' parameter.": "client_id is missing: the provider cannot tell which "
    "client is asking (RFC 6749 §2.2)",
    "Missing 'code' in request.": "code is missing: send the authorization code the redirect "
    "delivered (RFC 6749 §4.1.3)",
    "Missing 'refresh_token' in request.": "refresh_token is missing (RFC 6749 §6)",
    "Missing 'redirect_uri' in request.": "redirect_uri is missing, and the client has several "
    "registered, so the provider cannot pick one (RFC 6749 §3.1.2.3)",
    "Missing 'device_code' in payload": "device_code is missing (RFC 8628 §3.4)",
    "Missing 'nonce' in request.": "nonce is missing (OIDC Core §3.1.2.1)",
    "Invalid 'prompt' parameter.": "prompt=none cannot be combined with other prompt values "
    "(OIDC Core §3.1.2.1)",
}
# Errors Authlib raises with no description at all, said in plain words by error code.
UNDESCRIBED = {
    "login_required": "prompt=none was sent, but no user is signed in at the provider, and "
    "prompt=none forbids showing the sign-in page (OIDC Core §3.1.2.6)",
    # The device grant's polling answers (RFC 8628 §3.5).
    "authorization_pending": "the user has not approved or denied this device code yet; poll "
    "again after the interval (RFC 8628 §3.5)",
    "expired_token": "the device_code has expired before the user approved it; stop polling, "
    "and to try again start a new device authorization request (RFC 8628 §3.5)",
}
WIRE_SAFE = {"§": "section ", "…": "..."}

# Authlib 1.9.9 raises ValueError when an error is *constructed* with a description holding a
# character RFC 6749 §5.2 forbids, even for its own messages that quote the request ("Redirect
# URI <received> is not supported"), so a client's bad input became a 500. Every description
# of ours reaches the wire through explain() or wire_safe(), which replace such characters
# instead. So Authlib's check is skipped while this provider handles a request, and only then:
# the pytest plugin runs the provider inside other people's test processes, whose own Authlib
# servers keep the check (a context variable is per thread, and each request has its own).
_authlib_check = authlib.oauth2.base.invalid_error_characters
_handling_a_request = ContextVar("mock_provider_handling_a_request", default=False)


def _invalid_error_characters(text: str) -> list[str]:
    """Authlib's check, except inside this provider's requests (see above)."""
    return [] if _handling_a_request.get() else _authlib_check(text)


authlib.oauth2.base.invalid_error_characters = _invalid_error_characters


def marking_requests(wsgi_app):
    """Wrap the app so that, while it handles a request, Authlib leaves descriptions to us."""

    def marked(environ, start_response):
        token = _handling_a_request.set(True)
        try:
            return wsgi_app(environ, start_response)
        finally:
            _handling_a_request.reset(token)

    return marked


def explain(error: OAuth2Error) -> None:
    """Restate an error's description in plain words, safe for the wire (RFC 6749 §5.2)."""
    failure = request_log.last_failure()
    vague = error.description in VAGUE or error.description.startswith(VAGUE_STARTS)
    if not error.description and error.error in UNDESCRIBED:
        error.description = UNDESCRIBED[error.error]
    elif failure and vague:
        error.description = failure
    elif error.description in PLAIN:
        error.description = PLAIN[error.description]
    elif error.error == "invalid_client":
        error.description = (
            "the client did not authenticate: send client_id and client_secret in HTTP Basic "
            "(RFC 6749 §2.3.1), or client_id alone for a public client"
        )
    elif error.error == "unsupported_response_type":
        # Authlib 1.9.9 swaps this error's arguments, so the value is read from the request.
        received = client_parameters().get("response_type")
        error.description = (
            f"response_type '{received}' is not supported; this provider supports 'code' "
            "(RFC 6749 §3.1.1)"
            if received
            else "response_type is missing; send response_type=code (RFC 6749 §3.1.1)"
        )
        request_log.check("response_type supported", False, error.description)
    elif (error.description or "").startswith("Multiple '"):
        name = error.description.split("'")[1]
        error.description = (
            f"{name} was sent more than once; each parameter may appear only once (RFC 6749 §3.1)"
        )
    elif not error.description:
        error.description = error.get_error_description()
    error.description = wire_safe(error.description or "")


def wire_safe(text: str) -> str:
    """Keep only the characters RFC 6749 §5.2 allows in error_description."""
    for char, replacement in WIRE_SAFE.items():
        text = text.replace(char, replacement)
    return "".join(c if 0x20 <= ord(c) <= 0x7E and c not in '"\\' else "?" for c in text)

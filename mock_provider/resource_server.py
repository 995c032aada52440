"""The resource server's side: the demo API and UserInfo accept only live access tokens.

Authlib's resource protector parses the Authorization header; this module looks every token up,
so a revocation takes effect at once, checks its audience (RFC 9068 §4), and shapes the errors
as RFC 6750 §3 says, with a WWW-Authenticate challenge.
"""

from __future__ import annotations

from authlib.consts import default_json_headers
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.rfc6749.errors import MissingAuthorizationError, UnsupportedTokenTypeError
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError

from . import clock, request_log, resource_indicators, store
from .error_descriptions import wire_safe
from .models import Token

REALM = "mock_provider"


def bearer_error(error: OAuth2Error) -> tuple[int, dict[str, str], list[tuple[str, str]]]:
    """Errors of protected resources, shaped as RFC 6750 §3 says."""
    headers = list(default_json_headers)
    challenge = f'Bearer realm="{REALM}"'
    if isinstance(error, MissingAuthorizationError):
        # RFC 6750 §3.1: a request with no credentials gets a challenge without an error code.
        headers.append(("WWW-Authenticate", challenge))
        description = "send an access token: Authorization: Bearer <token> (RFC 6750 section 2.1)"
        return 401, {"error_description": description}, headers
    if isinstance(error, UnsupportedTokenTypeError):  # an Authorization scheme other than Bearer
        description = "the Authorization header must be: Bearer <token> (RFC 6750 section 2.1)"
        headers.append(("WWW-Authenticate", f'{challenge}, error="invalid_request"'))
        return 400, {"error": "invalid_request", "error_description": description}, headers
    scope = getattr(error, "scope", None)
    extra = f', scope="{scope}"' if scope else ""
    headers.append(("WWW-Authenticate", f'{challenge}, error="{error.error}"{extra}'))
    return (
        error.status_code,
        {"error": error.error, "error_description": error.description},
        headers,
    )


class StoredTokenValidator(BearerTokenValidator):
    """Resource servers look every token up, so revocation takes effect at once (RFC 7009 §2)."""

    def authenticate_token(self, token_string: str) -> Token | None:
        token = store.token_by("access_token", token_string)
        if token is None and store.token_by("refresh_token", token_string):
            # RFC 6749 §1.5: refresh tokens are never sent to resource servers.
            reason = "this is a refresh token, which only the token endpoint accepts; send the "
            reason += "access_token instead (RFC 6749 §1.5)"
            request_log.check("access token", False, reason)
            raise InvalidTokenError(wire_safe(reason), realm=self.realm)
        return token

    def validate_token(self, token: Token | None, scopes, request) -> None:
        reason = None
        if token is None:
            reason = "the access token was not issued by this provider"
        elif token.is_revoked():
            reason = "the access token has been revoked"
        elif token.is_expired():
            reason = f"the access token expired {clock.now() - token.expires_at:.0f} s ago"
        request_log.check("access token", reason is None, reason or "active")
        if token is None or reason:
            raise InvalidTokenError(wire_safe(f"{reason} (RFC 6750 §3.1)"), realm=self.realm)
        if self.scope_insufficient(token.get_scope(), scopes):
            # RFC 6750 §3.1: insufficient_scope, raised below; the log names what was needed and
            # what came. It goes first: a token without the scope is not for this resource
            # whatever its aud says, and the scope is what the client must fix.
            needed = " or ".join(f"'{scope}'" for scope in scopes)
            request_log.check(
                "scope",
                False,
                f"this resource needs scope {needed}; the access token carries "
                f"'{token.scope}' (RFC 6750 §3.1)",
            )
        else:
            _check_audience(token, self.realm)
        super().validate_token(token, scopes, request)


def _check_audience(token: Token, realm: str) -> None:
    """RFC 9068 §4: the resource server MUST validate that aud names it (RFC 8707 §2 for
    opaque tokens: the token was issued for the resources the client asked for)."""
    here = resource_indicators.served_here()
    audience = resource_indicators.token_audience(token)
    if here in audience:
        request_log.check("audience", True, f"aud names {here}")
        return
    reason = (
        f"the access token's aud is {', '.join(audience)}, which does not name this resource "
        f"({here}): the token was issued for another API (RFC 9068 §4)"
    )
    request_log.check("audience", False, reason)
    raise InvalidTokenError(wire_safe(reason), realm=realm)

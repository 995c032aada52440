"""Resource indicators (RFC 8707) and the audience of access tokens (RFC 9068 §3, §4).

An access token's `aud` names the resource servers that should accept it, never the client: RFC
9068 §3 says that without a `resource` parameter "the authorization server MUST use a default
resource indicator in the aud claim", inferred from the scope when there is one. This provider
serves two protected resources of its own, each named by a URI under its issuer:

- `<issuer>/api`, the demo photos API: the default resource, in every default `aud`;
- `<issuer>/userinfo`, the UserInfo endpoint (OIDC Core §5.3): in the default `aud` too when the
  scope includes `openid`, the only tokens UserInfo serves.

A client may instead name one or more of them, or an API the config's `[resources]` declares,
with `resource` parameters (RFC 8707 §2) at the authorization, device authorization and token
endpoints; the token's `aud` is then exactly what it named. The provider's own resources refuse
a token whose `aud` does not name them (RFC 9068 §4).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.base import OAuth2Error
from flask import current_app, g, request

from . import request_log
from .issuers import current_issuer


class InvalidTargetError(OAuth2Error):
    """RFC 8707 §2: the requested resource is invalid, missing, unknown, or malformed."""

    error = "invalid_target"
    status_code = 400


def own_resources(issuer: str | None = None) -> list[str]:
    """The provider's own resource indicators: its photos API, then its UserInfo endpoint."""
    issuer = issuer or current_issuer()
    return [f"{issuer}/api", f"{issuer}/userinfo"]


def known_resources() -> list[str]:
    """Every resource a client may name: the provider's own, then those the config declares."""
    declared = current_app.extensions["mock_provider"].config.resources
    return [*own_resources(), *declared]


def default_audience(scope: str, issuer: str | None = None) -> list[str]:
    """RFC 9068 §3: with no resource parameter, the default inferred from the scope: the photos
    API, and UserInfo too when the scope includes openid (OIDC Core §5.3)."""
    api, userinfo = own_resources(issuer)
    return [api, userinfo] if "openid" in scope.split() else [api]


def claim(audience: list[str]) -> str | list[str]:
    """The `aud` claim: one string for one audience, else a list (RFC 7519 §4.1.3)."""
    return audience[0] if len(audience) == 1 else audience


def sent(oauth_request: Any) -> list[str]:
    """The resource parameters of an Authlib request; RFC 8707 §2 lets a client send several."""
    return oauth_request.payload.datalist.get("resource", [])


def requested(values: list[str]) -> list[str]:
    """Check each resource parameter (RFC 8707 §2) and return them, each once, in order.

    Raises invalid_target naming the first value that is malformed or unknown.
    """
    known = known_resources()
    for value in values:
        problem = _malformed(value) or (None if value in known else _unknown(value, known))
        if problem:
            request_log.check("resource", False, problem)
            raise InvalidTargetError(problem)
    if values:
        request_log.check("resource", True, f"known to this provider: {', '.join(values)}")
    return list(dict.fromkeys(values))


def _malformed(value: str) -> str | None:
    try:
        parts = urlsplit(value)
    except ValueError as error:  # such as an unclosed [ in the host
        return (
            f"resource '{value}' is not a URI ({error}); name the API by its base URI, such as "
            f"{current_issuer()}/api (RFC 8707 §2)"
        )
    if not parts.scheme:
        return (
            f"resource '{value}' is not an absolute URI; name the API by its base URI, such as "
            f"{current_issuer()}/api (RFC 8707 §2)"
        )
    if "#" in value:
        return (
            f"resource '{value}' has a fragment (#{parts.fragment}); a resource indicator must "
            "not have one (RFC 8707 §2)"
        )
    return None


def _unknown(value: str, known: list[str]) -> str:
    return (
        f"resource '{value}' is not a resource this provider knows; it knows "
        f"{', '.join(known)} (RFC 8707 §2)"
    )


def check_token_request(values: list[str], grant: Any = None) -> None:
    """RFC 8707 §2.2: a token request may name the resources its grant authorized, or some of
    them; with no grant behind it (client credentials), any known resource. Remember the
    audience of the token to issue."""
    wanted = requested(values)
    # What the grant authorized: the resources its authorization (or device authorization)
    # request named, else the default for its scope.
    named = getattr(grant, "resources", None)
    authorized = (named or default_audience(grant.scope, grant.issuer)) if grant else None
    outside = [value for value in wanted if authorized is not None and value not in authorized]
    if outside:
        problem = (
            f"resource '{outside[0]}' was not authorized: this grant is for "
            f"{', '.join(authorized or [])}, and a token request may name those or some of "
            "them (RFC 8707 §2.2)"
        )
        request_log.check("resource authorized", False, problem)
        raise InvalidTargetError(problem)
    if wanted and authorized is not None:
        request_log.check("resource authorized", True, "within the resources of this grant")
    issue_for(wanted or named)


def issue_for(resources: list[str] | None) -> None:
    """Issue this request's access token for `resources`; None for the default of its scope."""
    g.access_token_audience = resources or None


def audience(scope: str) -> list[str]:
    """The `aud` of the access token this request issues (RFC 9068 §3): the resources the token
    request named or the grant authorized, else the default for its scope."""
    return g.get("access_token_audience") or default_audience(scope)


def served_here() -> str:
    """The resource indicator of the protected resource this request reached."""
    endpoint = (request.endpoint or "").rpartition(".")[2]
    return f"{current_issuer()}/userinfo" if endpoint == "userinfo" else f"{current_issuer()}/api"


def token_audience(token: Any) -> list[str]:
    """A stored token's audience; tokens stored before audiences were kept get the default."""
    return token.audience or default_audience(token.scope, token.grant.issuer)

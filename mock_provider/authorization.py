"""Authlib's authorization server, with our grants, endpoints and token format registered.

Authlib does the protocol work. This module adds what a teaching provider needs on top: every
rejection restated in plain words (the failed check's own detail, when there is one), tokens
stored with their lineage, and JWT access tokens (RFC 9068) or opaque ones per client.
"""

from __future__ import annotations

import secrets
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

import authlib.oauth2.base
from authlib.common.urls import add_params_to_uri
from authlib.consts import default_json_headers
from authlib.integrations.flask_oauth2 import AuthorizationServer as FlaskAuthorizationServer
from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.rfc6749.errors import (
    ForbiddenError,
    InvalidScopeError,
    MissingAuthorizationError,
    UnsupportedTokenTypeError,
)
from authlib.oauth2.rfc6750 import BearerTokenValidator, InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oauth2.rfc9207 import IssuerParameter
from flask import current_app, request
from joserfc.jwk import KeySet

from . import clock, keys, request_log, resource_indicators, store
from .client_request import carried_parameters, client_parameters
from .config import DEVICE_CODE_GRANT, SCOPES
from .endpoint_classes import (
    DeviceAuthorizationEndpoint,
    EndSessionEndpoint,
    IntrospectionEndpoint,
    RegistrationEndpoint,
    RevocationEndpoint,
    UserInfoEndpoint,
)
from .grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    DeviceCodeGrant,
    ImplicitGrant,
    OpenIDCode,
    ProofKey,
    RefreshTokenGrant,
    RequestObjectRefusal,
    ResourceIndicator,
)
from .issuers import active_faults, current_issuer, response_issuer
from .models import Client, Token

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
REALM = "mock_provider"

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


def _marking_requests(wsgi_app):
    """Wrap the app so that, while it handles a request, Authlib leaves descriptions to us."""

    def marked(environ, start_response):
        token = _handling_a_request.set(True)
        try:
            return wsgi_app(environ, start_response)
        finally:
            _handling_a_request.reset(token)

    return marked


class AuthorizationServer(FlaskAuthorizationServer):
    """The Flask integration, reading clients from the store and explaining each error."""

    def create_oauth2_request(self, request) -> FlaskOAuth2Request:
        # Authlib reads Flask's request; on a page's post back it must read the client's request
        # that the page carried, not the page's own fields (see client_request.py).
        return ClientRequest()

    def query_client(self, client_id: str) -> Client | None:
        client = store.get_client(client_id)
        if client is None:
            request_log.check(
                "client_id registered",
                False,
                f"client_id '{client_id}' is not registered with this provider (RFC 6749 §2.2)",
            )
        return client

    def save_token(self, token: dict[str, Any], request) -> None:
        save_token(token, request)

    def validate_requested_scope(self, scope: str | None) -> None:
        for name in (scope or "").split():
            if name not in SCOPES:
                raise InvalidScopeError(
                    f"scope '{name}' is unknown to this provider; it knows "
                    f"{', '.join(SCOPES)} (RFC 6749 §3.3)"
                )

    def handle_error_response(self, request, error: OAuth2Error):
        explain(error)
        if isinstance(error, ForbiddenError | InsufficientScopeError):
            return self.handle_response(*bearer_error(error))
        return super().handle_error_response(request, error)


class ClientRequest(FlaskOAuth2Request):
    """Flask's request as Authlib reads it, with the client's parameters as its payload."""

    def __init__(self) -> None:
        super().__init__(request)
        self.payload = ClientParameters(client_parameters())

    @property
    def form(self):
        return carried_parameters()


class ClientParameters(FlaskOAuth2Payload):
    """Authlib's payload over the client's parameters (`client_request.client_parameters`)."""

    def __init__(self, parameters) -> None:
        self._parameters = parameters

    @property
    def data(self):
        return self._parameters


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


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """JWT access tokens (RFC 9068) signed with the current key, or opaque ones per client."""

    def __init__(self) -> None:
        super().__init__(
            issuer="",
            # One call to the OS's CSPRNG: Authlib's generate_token draws each character
            # separately (50 us for 48 characters).
            refresh_token_generator=lambda **_: secrets.token_urlsafe(36),
            expires_generator=lambda client, grant_type: access_token_lifetime(),
        )

    def generate(
        self, grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True
    ):
        token = super().generate(grant_type, client, user, scope, expires_in, include_refresh_token)
        # Authlib leaves expires_in out when it is 0; a token issued already expired says so.
        token.setdefault("expires_in", access_token_lifetime())
        return token

    def access_token_generator(self, client: Client, grant_type: str, user, scope: str) -> str:
        if client.access_token_format == "opaque":
            return secrets.token_urlsafe(32)
        return super().access_token_generator(client, grant_type, user, scope)

    def get_jwks(self):
        return KeySet([keys.signing_key()])  # a key set makes joserfc write the `kid` header

    def get_audiences(self, client: Client, user, scope: str) -> str | list[str]:
        # RFC 9068 §3: the resources the request named, else a default resource indicator
        # inferred from the scope; Authlib's default, the client_id, names no resource.
        return resource_indicators.claim(resource_indicators.audience(scope))

    def get_extra_claims(self, client: Client, grant_type: str, user, scope: str) -> dict:
        # Authlib stamps iss/iat/exp from the wall clock; these override them with ours.
        now = int(clock.now())
        return {"iss": current_issuer(), "iat": now, "exp": now + access_token_lifetime()}


def _lifetimes():
    return current_app.extensions["mock_provider"].config.lifetimes


def access_token_lifetime() -> int:
    """Seconds a new access token lives: as configured, unless a fault of this issuer says."""
    for fault in active_faults():
        if fault.access_token_lifetime is not None:
            return fault.access_token_lifetime
    return _lifetimes().access_token


def refresh_token_lifetime() -> int:
    """Seconds a new refresh token lives: as configured, unless a fault of this issuer says."""
    for fault in active_faults():
        if fault.refresh_token_lifetime is not None:
            return fault.refresh_token_lifetime
    return _lifetimes().refresh_token


def save_token(token: dict[str, Any], request) -> None:
    """Store an issued token under its grant; a refreshed token also points at its parent."""
    now = clock.now()
    parent: Token | None = request.refresh_token
    source = request.authorization_code  # an authorization code or a device code
    # A refreshed token continues its parent's grant; a code's tokens continue the code's.
    grant = parent.grant if parent is not None else getattr(source, "grant", None)
    if grant is None:
        grant = store.new_grant(
            # Only the implicit grant issues tokens at the authorization endpoint, which
            # receives no grant_type parameter (RFC 6749 §4.2.1).
            request.payload.grant_type or "implicit",
            request.client.client_id,
            request.user.username if request.user else None,
            token.get("scope", ""),
            current_issuer(),
        )
    refresh = token.get("refresh_token")
    store.add(
        Token(
            grant=grant,
            parent_id=parent.id if parent else None,
            client_id=request.client.client_id,
            username=request.user.username if request.user else None,
            access_token=token["access_token"],
            refresh_token=refresh,
            scope=token.get("scope", ""),
            audience=resource_indicators.audience(token.get("scope", "")),
            issued_at=now,
            expires_at=now + token.get("expires_in", access_token_lifetime()),
            refresh_expires_at=now + refresh_token_lifetime() if refresh else None,
        )
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


def create_server(app) -> tuple[AuthorizationServer, ResourceProtector]:
    """Build the authorization server and the resource protector with everything registered."""
    app.wsgi_app = _marking_requests(app.wsgi_app)
    server = AuthorizationServer()
    server.init_app(app)  # registers Authlib's default generator, which ours then replaces
    server.register_token_generator("default", AccessTokenGenerator())
    server.register_grant(
        AuthorizationCodeGrant,
        [ProofKey(required=True), OpenIDCode(), RequestObjectRefusal(), ResourceIndicator()],
    )
    server.register_grant(RefreshTokenGrant)
    server.register_grant(ClientCredentialsGrant)
    server.register_grant(DeviceCodeGrant, [OpenIDCode()])
    server.register_grant(ImplicitGrant)  # VULNERABLE issuer only: see grants/implicit.py
    server.register_extension(IssuerAtCallback())
    for endpoint in (
        RevocationEndpoint,
        IntrospectionEndpoint,
        RegistrationEndpoint,
        DeviceAuthorizationEndpoint,
        EndSessionEndpoint,
    ):
        server.register_endpoint(endpoint)

    protector = ResourceProtector()
    protector.register_token_validator(StoredTokenValidator(realm=REALM))
    server.register_endpoint(UserInfoEndpoint(resource_protector=protector))
    return server, protector


class IssuerAtCallback(IssuerParameter):
    """RFC 9207 §2: authorization responses, errors included, carry `iss`."""

    def get_issuer(self) -> str:
        return response_issuer()

    def add_issuer_parameter(self, authorization_server, response) -> None:
        # The implicit grant answers in the fragment (RFC 6749 §4.2.2); iss goes beside the
        # other parameters there, not in the query.
        if response.location and urlsplit(response.location).fragment:
            response.location = add_params_to_uri(
                response.location, {"iss": self.get_issuer()}, fragment=True
            )
        else:
            super().add_issuer_parameter(authorization_server, response)

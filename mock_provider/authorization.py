"""Authlib's authorization server, with our grants, endpoints and token format registered.

Authlib does the protocol work. This module adds what a teaching provider needs on top: every
rejection restated in plain words (see `error_descriptions`), tokens stored with their lineage,
and JWT access tokens (RFC 9068) or opaque ones per client. The resource server's side is in
`resource_server`.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer as FlaskAuthorizationServer
from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.rfc6749.errors import ForbiddenError, InvalidScopeError
from authlib.oauth2.rfc6750 import InsufficientScopeError
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oauth2.rfc9207 import IssuerParameter
from flask import current_app, request
from joserfc.jwk import KeySet

from . import clock, keys, request_log, resource_indicators, store
from .client_request import carried_parameters, client_parameters
from .config import SCOPES
from .endpoint_classes import (
    DeviceAuthorizationEndpoint,
    EndSessionEndpoint,
    IntrospectionEndpoint,
    RegistrationEndpoint,
    RevocationEndpoint,
    UserInfoEndpoint,
)
from .error_descriptions import explain, marking_requests
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
from .resource_server import REALM, StoredTokenValidator, bearer_error


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
            getattr(source, "resources", None),  # a device code's, kept for its refreshes
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


def create_server(app) -> tuple[AuthorizationServer, ResourceProtector]:
    """Build the authorization server and the resource protector with everything registered."""
    app.wsgi_app = marking_requests(app.wsgi_app)
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
    # VULNERABLE issuer only: see grants/implicit.py
    server.register_grant(ImplicitGrant, [ResourceIndicator(implicit=True)])
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

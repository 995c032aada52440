"""Authlib's endpoint classes with the storage glue: revocation, introspection, registration,
device authorization, RP-initiated logout and userinfo.

Each class adds only what Authlib leaves to the server: where tokens and clients live, and who may
see what. The protocol rules themselves stay in Authlib.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.errors import AccessDeniedError, InvalidRequestError
from authlib.oauth2.rfc6750 import InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint as AuthlibRevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as AuthlibIntrospectionEndpoint
from authlib.oauth2.rfc8628 import DeviceAuthorizationEndpoint as AuthlibDeviceEndpoint
from authlib.oidc.core import UserInfoEndpoint as AuthlibUserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint as AuthlibEndSessionEndpoint
from authlib.oidc.rpinitiated.end_session import _NonExpiringClaimsRegistry
from flask import current_app, session
from flask import request as http_request
from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, DecodeError, JoseError
from joserfc.jwk import KeySet

from . import clock, keys, request_log, resource_indicators, store
from .client_metadata import (
    LogoutMetadataClaims,
    RegistrationMetadataClaims,
    check_grant_types_fit,
    check_metadata_types,
)
from .config import DEVICE_CODE_GRANT
from .grants.openid import user_claims
from .instructor import holds_instructor_token, instructor_token
from .issuers import current_issuer
from .models import Client, DeviceCode, Token

CLIENT_AUTH = ["client_secret_basic", "client_secret_post", "none"]
TOKEN_TYPE_HINTS = ("access_token", "refresh_token")  # RFC 7009 §4.1.2


class RevocationEndpoint(AuthlibRevocationEndpoint):
    """RFC 7009: revoking a refresh token revokes its whole grant (§2.1)."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH

    def check_params(self, request, client: Client) -> None:
        _check_token_parameters(request, "revoke", "RFC 7009 §2.1")

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return store.find_token(token_string, token_type_hint)

    def revoke_token(self, token: Token, request) -> None:
        if token.refresh_token and request.form["token"] == token.refresh_token:
            store.revoke_grant(token.grant_id, "refresh token revoked by the client")
            request_log.check("revocation", True, "refresh token: the whole grant is revoked")
        else:
            store.revoke_token(token)
            request_log.check("revocation", True, "access token revoked")


class IntrospectionEndpoint(AuthlibIntrospectionEndpoint):
    """RFC 7662: a client may introspect the tokens issued to it."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH

    def check_params(self, request, client: Client) -> None:
        _check_token_parameters(request, "introspect", "RFC 7662 §2.1")

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return store.find_token(token_string, token_type_hint)

    def check_permission(self, token: Token, client: Client, request) -> bool:
        allowed = token.client_id == client.client_id
        request_log.check(
            "introspection permission",
            allowed,
            "the token belongs to this client"
            if allowed
            else "the token belongs to another client, so it is reported as inactive",
        )
        return allowed

    def create_introspection_payload(self, token: Token | None) -> dict[str, Any]:
        """Judge the token the client presented. A refresh token outlives its access token and
        dies when rotated; "active" means usable now (RFC 7662 §2.2)."""
        if token is None:
            return {"active": False}
        if _presented_refresh_token(token):
            usable = not (token.is_refresh_token_expired() or token.rotated_at is not None)
            expires_at = token.refresh_expires_at or token.expires_at
        else:
            usable = not token.is_expired()
            expires_at = token.expires_at
        if not usable or token.is_revoked():
            return {"active": False}
        return {**self.introspect_token(token), "exp": int(expires_at)}

    def introspect_token(self, token: Token) -> dict[str, Any]:
        audience = resource_indicators.token_audience(token)  # as the JWT's aud names it
        return {
            "active": True,
            "client_id": token.client_id,
            "token_type": token.token_type,
            "username": token.username,
            "scope": token.scope,
            "sub": token.user.sub if token.user else token.client_id,
            "aud": resource_indicators.claim(audience),
            "iss": token.grant.issuer,
            "exp": int(token.expires_at),
            "iat": int(token.issued_at),
        }


def _check_token_parameters(request, action: str, spec: str) -> None:
    """Refuse a request that names no token; note a token_type_hint that names no kind we have.

    Authlib refuses an unknown hint with unsupported_token_type, but RFC 7009 §2.2 says "An
    invalid token type hint value is ignored by the authorization server and does not influence
    the revocation response", and RFC 7662 §2.1 has the server search every kind of token.
    """
    sent = "token" in request.form
    request_log.check(
        "token parameter",
        sent,
        "sent"
        if sent
        else f"token is missing: send the token to {action} in the token form field ({spec})",
    )
    if not sent:
        raise InvalidRequestError()
    hint = request.form.get("token_type_hint")
    if hint and hint not in TOKEN_TYPE_HINTS:
        request_log.check(
            "token_type_hint known",
            False,
            f"'{hint}' is not {' or '.join(TOKEN_TYPE_HINTS)}; ignored, both kinds of token are "
            "searched (RFC 7009 §2.2)",
        )


def _presented_refresh_token(token: Token) -> bool:
    """Whether the request names the token's refresh value rather than its access value."""
    return token.refresh_token is not None and http_request.form.get("token") == token.refresh_token


class RegistrationEndpoint(ClientRegistrationEndpoint):
    """RFC 7591 dynamic registration: open on loopback, instructor-only beyond it."""

    def __init__(self, server=None, claims_classes=None) -> None:
        # Authlib keeps only the metadata its claims classes name; without RP-Initiated Logout's
        # class a registered post_logout_redirect_uris would be dropped (RP-Initiated §3.1).
        super().__init__(
            server, claims_classes or [RegistrationMetadataClaims, LogoutMetadataClaims]
        )

    def authenticate_token(self, request) -> bool:
        # RFC 7591 §3: registration may be open, or need an initial access token. Beyond
        # loopback the instructor token plays that part, so passers-by cannot register.
        if instructor_token() is None:
            return True
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not holds_instructor_token(sent):
            raise InvalidTokenError(
                "registration beyond loopback needs the instructor token printed at start-up, "
                "sent as 'Authorization: Bearer <token>' (RFC 7591 §3)",
                realm="mock_provider",
            )
        return True

    def extract_client_metadata(self, request) -> dict[str, Any]:
        check_metadata_types(request.payload.data or {})
        return super().extract_client_metadata(request)

    def get_server_metadata(self) -> dict[str, Any]:
        from .discovery import metadata

        return metadata()

    def save_client(self, client_info: dict, client_metadata: dict, request) -> Client:
        check_grant_types_fit(client_metadata)
        auth_method = client_metadata.get("token_endpoint_auth_method", "client_secret_basic")
        grant_types = client_metadata.get("grant_types", ["authorization_code"])
        scope = client_metadata.get("scope", "openid profile email")  # checked by Authlib
        return store.add_client(
            Client(
                client_id=client_info["client_id"],
                client_secret=None if auth_method == "none" else client_info["client_secret"],
                client_name=client_metadata.get("client_name", ""),
                redirect_uris=client_metadata.get("redirect_uris", []),
                post_logout_redirect_uris=client_metadata.get("post_logout_redirect_uris", []),
                grant_types=grant_types,
                scope=scope,
                origin="registration",
                created_at=clock.now(),
            )
        )

    def generate_client_info(self, request) -> dict[str, Any]:
        info = super().generate_client_info(request)
        if request.payload.data.get("token_endpoint_auth_method") == "none":
            # RFC 7591 §2: a client whose token_endpoint_auth_method is "none" has no secret.
            info.pop("client_secret", None)
            info.pop("client_secret_expires_at", None)
        return info

    def generate_client_registration_info(self, client: Client, request) -> dict[str, Any]:
        info = dict(client.client_metadata)
        info["client_id_issued_at"] = int(client.created_at)  # the provider's clock
        if client.is_public:
            info["client_secret"] = None
        return {k: v for k, v in info.items() if v is not None}


class DeviceAuthorizationEndpoint(AuthlibDeviceEndpoint):
    """RFC 8628 §3.1-3.2: hands the device a device_code and the user a user_code."""

    def get_verification_uri(self) -> str:
        return f"{current_issuer()}/device"

    def save_device_credential(self, client_id: str, scope: str, data: dict) -> None:
        self.server.validate_requested_scope(scope)
        client = store.get_client(client_id)
        if client is None or DEVICE_CODE_GRANT not in client.grant_types:
            raise InvalidRequestError(
                f"client '{client_id}' is not registered for the device_code grant (RFC 8628 §3.1)"
            )
        scope = client.get_allowed_scope(scope)
        # RFC 8707 §2: the device names the APIs it wants tokens for, as at /authorize.
        resources = resource_indicators.requested(http_request.form.getlist("resource"))
        lifetimes = current_app.extensions["mock_provider"].config.lifetimes
        data["expires_in"] = lifetimes.device_code
        data["interval"] = lifetimes.device_poll_interval
        now = clock.now()
        store.add(
            DeviceCode(
                device_code=data["device_code"],
                user_code=data["user_code"],
                client_id=client_id,
                scope=scope,
                issuer=current_issuer(),
                issued_at=now,
                expires_at=now + lifetimes.device_code,
                interval=lifetimes.device_poll_interval,
                resources=resources or None,
            )
        )


class EndSessionEndpoint(AuthlibEndSessionEndpoint):
    """OIDC RP-Initiated Logout 1.0 §2-3: post_logout_redirect_uri must be registered."""

    def get_server_jwks(self) -> dict[str, Any]:
        return keys.jwks()

    def _validate_id_token_hint(self, id_token_hint: str) -> dict:
        # Authlib checks iat/nbf against the wall clock, so a hint issued after the control API
        # moved the clock forward was "issued in the future"; check against our clock instead.
        try:
            jwks = KeySet.import_key_set(keys.jwks())
            token = jwt.decode(id_token_hint, jwks, algorithms=["RS256"])
            registry = _NonExpiringClaimsRegistry(now=int(clock.now()), nbf={"essential": False})
            registry.validate(token.claims)
        except JoseError as error:
            raise InvalidRequestError(_id_token_hint_refused(error)) from error
        return dict(token.claims)

    def end_session(self, end_session_request) -> None:
        session.clear()

    def is_post_logout_redirect_uri_legitimate(self, request, uri, client, logout_hint) -> bool:
        # RP-Initiated Logout §3: without an id_token_hint the OP "MUST NOT perform
        # post-logout redirection unless the OP has other means of confirming the legitimacy of
        # the post-logout redirection target". Here the means is §2's client_id: Authlib has
        # already matched the URI against that client's registered post_logout_redirect_uris.
        return True


def _id_token_hint_refused(error: JoseError) -> str:
    """Why an id_token_hint was refused: RP-Initiated Logout §2 says the OP MUST validate that
    it issued the ID token. joserfc's descriptions are terse, and empty for a bad signature."""
    if isinstance(error, BadSignatureError):
        why = (
            "its signature does not verify with this provider's keys (published at jwks_uri): "
            "the ID token was issued by another provider, or altered"
        )
    elif isinstance(error, DecodeError):
        why = f"it is not a JWT ({error.description}); send the id_token of a token response"
    elif isinstance(error, ClaimError):
        why = f"its {error.claim} claim does not check out ({error.description})"
    else:
        why = f"this provider did not issue it ({error.description or error.error})"
    return f"id_token_hint was refused: {why} (RP-Initiated Logout §2)"


class UserInfoEndpoint(AuthlibUserInfoEndpoint):
    """OIDC Core §5.3: the claims the access token's scopes allow."""

    def get_issuer(self) -> str:
        return current_issuer()

    def generate_user_info(self, user, scope: str):
        if user is None:
            raise AccessDeniedError("this access token was issued to a client, not to a user")
        return user_claims(user, scope)

    def resolve_private_key(self):
        return keys.signing_key()

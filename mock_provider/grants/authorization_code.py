"""Authorization code grant (RFC 6749 §4.1); PKCE and OpenID Connect are added as extensions."""

from __future__ import annotations

import secrets

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError
from flask import current_app, session

from .. import clock, request_log, resource_indicators, store
from ..issuers import active_faults, current_issuer
from ..models import AuthorizationCode, Client, User

CONFIDENTIAL_AND_PUBLIC = ["client_secret_basic", "client_secret_post", "none"]


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """Issues codes at the authorization endpoint and redeems them, once, at the token endpoint."""

    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_AND_PUBLIC

    def generate_authorization_code(self) -> str:
        return secrets.token_urlsafe(36)  # 288 random bits in one call; Authlib's takes 50 us

    def save_authorization_code(self, code: str, request) -> None:
        now = clock.now()
        grant = store.new_grant(
            "authorization_code",
            request.client.client_id,
            request.user.username,
            request.scope,
            current_issuer(),
            getattr(request, "resources", None),  # checked by the ResourceIndicator extension
        )
        store.add(
            AuthorizationCode(
                code=code,
                grant=grant,
                client_id=request.client.client_id,
                username=request.user.username,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                nonce=request.payload.data.get("nonce"),
                code_challenge=request.payload.data.get("code_challenge"),
                code_challenge_method=request.payload.data.get("code_challenge_method"),
                auth_time=int(session.get("auth_time", now)),
                issued_at=now,
                expires_at=now + _code_lifetime(),
            )
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        row = store.find_code(code, client.client_id)
        if row is None:
            request_log.check(
                "authorization code",
                False,
                f"code '{_short(code)}' was not issued to client '{client.client_id}' by this "
                "provider (RFC 6749 §4.1.3)",
            )
            return None
        if row.grant.issuer != current_issuer():  # each scenario is an issuer of its own
            request_log.check(
                "authorization code",
                False,
                f"code '{_short(code)}' was issued by {row.grant.issuer}; redeem it at that "
                "issuer's token endpoint (each scenario is an issuer of its own)",
            )
            return None
        if row.redeemed_at is not None:
            _revoke_after_replay(row)
            return None
        if row.is_expired():
            request_log.check(
                "authorization code",
                False,
                f"code '{_short(code)}' expired {clock.now() - row.expires_at:.0f} s ago; codes "
                "live a few minutes at most (RFC 6749 §4.1.2)",
            )
            return None
        request_log.check("authorization code", True, "issued to this client, unused, unexpired")
        sent = self.request.payload.redirect_uri
        if row.redirect_uri and sent != row.redirect_uri:
            # Authlib rejects this next; the check says with which values.
            request_log.check(
                "redirect_uri identical to the authorization request",
                False,
                f"redirect_uri must be identical to the one in the authorization request: "
                f"received {sent or '(none)'}, expected {row.redirect_uri} (RFC 6749 §4.1.3)",
            )
        return row

    def validate_token_request(self) -> None:
        super().validate_token_request()  # Authlib checks the client, code, redirect_uri, PKCE
        code = self.request.authorization_code
        # RFC 8707 §2.2: checked before the code is spent, so a client can correct its request.
        resource_indicators.check_token_request(resource_indicators.sent(self.request), code.grant)
        # RFC 6749 §4.1.2: the client MUST NOT use the code more than once. Claiming it with
        # one conditional UPDATE makes exactly one of two racing requests the winner.
        if not store.claim_code(code):
            _revoke_after_replay(code)
            raise InvalidGrantError(request_log.last_failure())

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Keep the code, marked redeemed, so a replay is recognised and its tokens revoked."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User | None:
        return store.get_user(authorization_code.username)


def _revoke_after_replay(code: AuthorizationCode) -> None:
    # RFC 6749 §4.1.2: the server MUST deny the request and SHOULD revoke all tokens
    # previously issued based on that authorization code.
    store.revoke_grant(code.grant_id, "authorization code used twice")
    request_log.check(
        "authorization code",
        False,
        f"code '{_short(code.code)}' was already redeemed; a code is single use, so the tokens "
        "issued for it are now revoked too (RFC 6749 §4.1.2)",
    )


def _code_lifetime() -> int:
    for fault in active_faults():
        if fault.authorization_code_lifetime is not None:
            return fault.authorization_code_lifetime
    return current_app.extensions["mock_provider"].config.lifetimes.authorization_code


def _short(value: str) -> str:
    return value if len(value) <= 12 else value[:8] + "…"

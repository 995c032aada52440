"""Refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2)."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidScopeError

from .. import request_log, resource_indicators, store
from ..config import SCOPES
from ..issuers import current_issuer
from ..models import Token, User
from .authorization_code import CONFIDENTIAL_AND_PUBLIC


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """Every refresh returns a new refresh token; presenting a spent one revokes the grant."""

    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_AND_PUBLIC
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        token = store.token_by("refresh_token", refresh_token)
        failure = None
        if token is None and store.token_by("access_token", refresh_token):
            failure = "this is an access token; send the refresh_token from the token response"
        elif token is None:
            failure = "refresh_token was not issued by this provider"
        # Whose token it is comes before whether it was spent: another client presenting a
        # rotated refresh token must not revoke the owner's grant (RFC 6749 §6).
        elif token.client_id != self.request.client.client_id:
            failure = f"refresh_token was issued to client '{token.client_id}', not to this one"
        elif token.grant.issuer != current_issuer():
            failure = (
                f"refresh_token was issued by {token.grant.issuer}; refresh it at that issuer's "
                "token endpoint (each scenario is an issuer of its own)"
            )
        elif token.rotated_at is not None:
            _revoke_after_reuse(token)
            return None
        elif token.is_revoked():
            failure = f"refresh_token was revoked ({token.grant.revoked_reason or 'revocation'})"
        elif token.is_refresh_token_expired():
            failure = "refresh_token has expired; the user must sign in again (RFC 6749 §5.2)"
        request_log.check("refresh_token", failure is None, failure or "valid and unused")
        return None if failure else token

    def _validate_token_scope(self, token: Token) -> None:
        """RFC 6749 §6: the requested scope "MUST NOT include any scope not originally granted
        by the resource owner". Authlib compares it with the presented token's scope, which an
        earlier refresh may have narrowed; the grant keeps what the user originally granted."""
        beyond = _scope_beyond_grant(token.grant.scope, self.request.payload.scope)
        request_log.check("refresh scope", beyond is None, beyond or "within the granted scope")
        if beyond:
            raise InvalidScopeError(beyond)

    def issue_token(self, user: User, refresh_token: Token) -> dict:
        # RFC 6749 §6: an omitted scope "is treated as equal to the scope originally granted by
        # the resource owner", not the narrower scope of the token presented.
        return self.generate_token(
            user=user,
            scope=self.request.payload.scope or refresh_token.grant.scope,
            include_refresh_token=self.INCLUDE_NEW_REFRESH_TOKEN,
        )

    def validate_token_request(self) -> None:
        super().validate_token_request()  # client, token, and scope no broader than granted
        token = self.request.refresh_token
        # RFC 8707 §2.2: the resources of the original grant, or some of them.
        resource_indicators.check_token_request(resource_indicators.sent(self.request), token.grant)
        if not store.claim_refresh_token(token):  # a racing request rotated it first
            _revoke_after_reuse(token)
            raise InvalidGrantError(request_log.last_failure())

    def authenticate_user(self, refresh_token: Token) -> User | None:
        return refresh_token.user

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """Nothing left to do: `claim_refresh_token` already marked the old token rotated."""


def _scope_beyond_grant(granted_scope: str, requested: str | None) -> str | None:
    """Why a refresh may not have the scope it asks for, naming each extra scope; None if the
    request keeps or narrows the scope the user granted (RFC 6749 §6)."""
    granted = granted_scope.split()
    extra = [name for name in dict.fromkeys((requested or "").split()) if name not in granted]
    if not extra:
        return None
    named = ", ".join(
        f"'{name}'" if name in SCOPES else f"'{name}' (unknown to this provider)" for name in extra
    )
    noun, verb = ("scope", "was") if len(extra) == 1 else ("scopes", "were")
    carries = f"'{granted_scope}'" if granted else "no scope"
    return (
        f"{noun} {named} {verb} not granted: the user granted {carries}, and a refresh "
        "may only keep or narrow the granted scope; ask for more in a new authorization "
        "request (RFC 6749 §6)"
    )


def _revoke_after_reuse(token: Token) -> None:
    # RFC 9700 §4.14.2: if a rotated refresh token is presented again, the server cannot tell
    # the attacker from the client, so it revokes the active refresh token of the grant too.
    store.revoke_grant(token.grant_id, "rotated refresh token presented again")
    request_log.check(
        "refresh_token",
        False,
        "refresh_token was already exchanged for a new one; presenting it again looks like "
        "theft, so every token of this grant is now revoked (RFC 9700 §4.14.2)",
    )

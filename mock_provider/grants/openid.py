"""OpenID Connect ID tokens (OIDC Core §2, §3.1.3.6): RS256, with `kid`, `iss`, `azp`.

Faults that a correct client must catch are applied here, in one place, to the finished
token: its claims, then how it is signed. The default issuer has no faults, so its ID tokens
leave exactly as Authlib built them.
"""

from __future__ import annotations

from typing import Any

from authlib.oidc.core import UserInfo
from authlib.oidc.core import grants as oidc_grants
from flask import current_app
from joserfc import jwt
from joserfc.jwk import RSAKey

from .. import clock, keys
from ..issuers import active_faults, current_issuer
from ..models import Client, User


class OpenIDCode(oidc_grants.OpenIDCode):
    """Adds an ID token to the token response when the scope includes `openid`."""

    def exists_nonce(self, nonce: str, request) -> bool:
        # OIDC Core §3.1.3.7 (11): the client SHOULD check the nonce for replay; not the provider.
        return False

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(clock.now())
        lifetime = current_app.extensions["mock_provider"].config.lifetimes.id_token
        return {
            "iss": current_issuer(),
            "aud": client.client_id,
            "azp": client.client_id,
            "iat": now,
            "exp": now + lifetime,
        }

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": "RS256", "typ": "JWT", "kid": keys.signing_key().kid or ""}

    def resolve_client_private_key(self, client: Client):
        return keys.signing_key()

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        return user_claims(user, scope)

    def encode_id_token(self, token: dict, request) -> str:
        id_token = super().encode_id_token(token, request)
        faults = [f for f in active_faults() if f.tamper_id_token or f.sign_id_token]
        if not faults:
            return id_token
        key = keys.signing_key()
        decoded = jwt.decode(id_token, key)
        header, claims = dict(decoded.header), dict(decoded.claims)
        sign = _sign
        for fault in faults:
            if fault.tamper_id_token is not None:
                claims = fault.tamper_id_token(claims)
            if fault.sign_id_token is not None:
                sign = fault.sign_id_token
        return sign(header, claims, key)


def _sign(header: dict[str, Any], claims: dict[str, Any], key: RSAKey) -> str:
    return jwt.encode(header, claims, key)


def user_claims(user: User, scope: str) -> UserInfo:
    """The claims the granted scopes allow (OIDC Core §5.4)."""
    return UserInfo(user.claims).filter(scope)

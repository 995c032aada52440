"""Client credentials grant (RFC 6749 §4.4): a confidential client acting on its own behalf."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import grants


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Only confidential clients may use it (RFC 6749 §4.4), so `none` is not accepted."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

"""Development signing keys: RS256 keys kept in the database and published as a JWKS.

Importing an RSA private key costs about 40 ms and signing with it about 0.4 ms, so each process
parses a key once and keeps it. Keys live in the database so every worker signs with the same key
and tokens stay verifiable after a restart. Rotation adds a new active key and keeps the old one
in the JWKS, so tokens already issued still verify (OIDC Core §10.1.1).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from flask import g
from joserfc.jwk import RSAKey

from . import clock, store
from .models import SigningKey

_parsed: dict[str, RSAKey] = {}  # kid -> key, per process
WARNING = (
    "mock_provider WARNING: development signing keys in use. They sign tokens for this "
    "sandbox only; never trust them anywhere else."
)


def _new_key() -> SigningKey:
    kid = f"dev-{secrets.token_hex(4)}"
    key = RSAKey.generate_key(
        2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True
    )
    _parsed[kid] = key
    return SigningKey(kid=kid, private_jwk=key.as_dict(private=True), created_at=clock.now())


def ensure_key() -> None:
    """Create the first signing key if the database has none."""
    if not store.signing_keys():
        # Workers starting together each propose a key; the first stored proposal wins, so
        # they all add the same row and the JWKS starts with one key.
        proposal = json.dumps(_new_key().private_jwk)
        chosen = json.loads(store.get_setting("first_signing_key", proposal))
        row = SigningKey(kid=chosen["kid"], private_jwk=chosen, created_at=clock.now())
        store.add_signing_key(row, retire_others=False)


def rotate() -> str:
    """Make a fresh key the signing key; earlier keys stay published. Returns the new kid."""
    key = _new_key()
    store.add_signing_key(key, retire_others=True)
    g.pop("signing_key", None)
    return key.kid


def _parse(row: SigningKey) -> RSAKey:
    if row.kid not in _parsed:
        _parsed[row.kid] = RSAKey.import_key(row.private_jwk)
    return _parsed[row.kid]


def signing_key() -> RSAKey:
    """The key that signs new tokens: the newest active one, looked up once per request."""
    if "signing_key" not in g:  # an ID token and an access token ask for it several times
        kid = store.active_kid()
        if kid is None:
            ensure_key()
            return signing_key()
        if kid not in _parsed:  # made by another worker, or before a restart
            _parse(store.get_signing_key(kid))
        g.signing_key = _parsed[kid]
    return g.signing_key


def jwks() -> dict[str, Any]:
    """The public keys, active and retired, as RFC 7517 §5 JWK Set."""
    return {"keys": [_parse(row).as_dict(private=False) for row in store.signing_keys()]}

"""ID token validation as a checklist: one named check per rule of OIDC Core §3.1.3.7.

A real client stops at the first failure. The sandbox runs every check and shows each verdict
with its reason, because the point is to see which rule catches which fault. joserfc verifies the
signature; the claim checks are plain comparisons, written out so a learner can read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.oidc.core.util import create_half_hash
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .answers import loads

CLOCK_SKEW = 120  # seconds of clock difference tolerated between client and provider


@dataclass(frozen=True)
class Check:
    """One rule, its verdict and why."""

    name: str
    passed: bool
    reason: str
    spec: str


@dataclass(frozen=True)
class Expected:
    """What the client knows and compares the token against."""

    issuer: str
    client_id: str
    nonce: str | None
    access_token: str | None
    now: float


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Header and claims of a compact JWS, for display only; None if it is not one, or if its
    payload is not a JSON object of claims (RFC 7519 §7.2)."""
    try:
        extracted = jws.extract_compact(token.encode())
        header, claims = dict(extracted.protected), loads(extracted.payload)
    except (JoseError, ValueError, TypeError, RecursionError):  # joserfc parses the header
        return None
    return (header, claims) if isinstance(claims, dict) else None


def checklist(id_token: str, jwks: dict[str, Any], expected: Expected) -> list[Check]:
    """Every check of OIDC Core §3.1.3.7, in the spec's order, each with its verdict."""
    decoded = decode_unverified(id_token)
    if decoded is None:
        reason = "the ID token is not a compact JWS whose payload is a JSON object of claims"
        return [Check("format", False, reason, "RFC 7515 §7.1")]
    header, claims = decoded
    return [
        _signature(id_token, header, jwks),
        _issuer(claims, expected),
        _audience(claims, expected),
        _authorized_party(claims, expected),
        _expiry(claims, expected),
        _issued_at(claims, expected),
        _nonce(claims, expected),
        _access_token_hash(header, claims, expected),
    ]


def _signature(id_token: str, header: dict[str, Any], jwks: dict[str, Any]) -> Check:
    spec = "OIDC Core §3.1.3.7 (6)"
    kid, alg = header.get("kid"), header.get("alg")
    if alg != "RS256":
        return Check("signature", False, f"alg is {alg!r}; this client accepts RS256 only", spec)
    try:
        keys = KeySet.import_key_set(jwks)
        key = keys.get_by_kid(kid) if kid else None
    except (JoseError, ValueError, TypeError, KeyError):  # a JWKS without a list of keys
        key = None
    if key is None:
        return Check("signature", False, f"no key with kid {kid!r} in the provider's JWKS", spec)
    try:
        jws.deserialize_compact(id_token, key, algorithms=["RS256"])
    except (JoseError, ValueError, TypeError):
        return Check("signature", False, f"the RS256 signature does not verify with {kid}", spec)
    return Check("signature", True, f"RS256 signature verified with the JWKS key {kid}", spec)


def _issuer(claims: dict[str, Any], expected: Expected) -> Check:
    passed = claims.get("iss") == expected.issuer
    reason = (
        "iss is exactly the issuer the client discovered"
        if passed
        else f"iss is {claims.get('iss')!r}, expected {expected.issuer!r}"
    )
    return Check("iss", passed, reason, "OIDC Core §3.1.3.7 (2)")


def _audience(claims: dict[str, Any], expected: Expected) -> Check:
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else list(aud or [])
    passed = expected.client_id in audiences
    reason = (
        f"aud contains this client's client_id ({expected.client_id})"
        if passed
        else f"aud is {aud!r}, which does not contain {expected.client_id!r}"
    )
    return Check("aud", passed, reason, "OIDC Core §3.1.3.7 (3)")


def _authorized_party(claims: dict[str, Any], expected: Expected) -> Check:
    spec = "OIDC Core §3.1.3.7 (4)-(5)"
    if "azp" not in claims:
        aud = claims.get("aud")
        several = isinstance(aud, list) and len(aud) > 1
        reason = "azp is absent, but aud has several values" if several else "no azp; one aud"
        return Check("azp", not several, reason, spec)
    passed = claims["azp"] == expected.client_id
    reason = "azp is this client" if passed else f"azp is {claims['azp']!r}, not this client"
    return Check("azp", passed, reason, spec)


def _expiry(claims: dict[str, Any], expected: Expected) -> Check:
    exp = claims.get("exp")
    if not isinstance(exp, int | float):
        return Check("exp", False, "exp is missing", "OIDC Core §3.1.3.7 (9)")
    left = exp - expected.now
    passed = left > -CLOCK_SKEW
    reason = f"expires {relative(left)}" if passed else f"expired {relative(left)}"
    return Check("exp", passed, reason, "OIDC Core §3.1.3.7 (9)")


def _issued_at(claims: dict[str, Any], expected: Expected) -> Check:
    iat = claims.get("iat")
    if not isinstance(iat, int | float):
        return Check("iat", False, "iat is missing", "OIDC Core §3.1.3.7 (10)")
    passed = iat <= expected.now + CLOCK_SKEW
    reason = f"issued {relative(iat - expected.now)}"
    return Check(
        "iat", passed, reason if passed else reason + ", in the future", "OIDC Core §3.1.3.7 (10)"
    )


def _nonce(claims: dict[str, Any], expected: Expected) -> Check:
    spec = "OIDC Core §3.1.3.7 (11)"
    if expected.nonce is None:
        return Check("nonce", "nonce" not in claims, "no nonce was sent", spec)
    passed = claims.get("nonce") == expected.nonce
    reason = (
        "nonce equals the value this client sent"
        if passed
        else f"nonce is {claims.get('nonce')!r}, not the value this client sent"
    )
    return Check("nonce", passed, reason, spec)


def _access_token_hash(header: dict[str, Any], claims: dict[str, Any], expected: Expected) -> Check:
    spec = "OIDC Core §3.2.2.9"
    if "at_hash" not in claims or expected.access_token is None:
        return Check("at_hash", True, "no at_hash to compare (it is optional here)", spec)
    digest = create_half_hash(expected.access_token, header.get("alg", "RS256"))
    passed = digest is not None and digest.decode() == claims["at_hash"]
    reason = (
        "at_hash matches the access token"
        if passed
        else "at_hash does not match the access token: it was not issued with this ID token"
    )
    return Check("at_hash", passed, reason, spec)


def relative(seconds: float) -> str:
    """'in 59 min' or '3 s ago': a time difference a person reads at a glance."""
    size = abs(seconds)
    if size < 90:
        amount = f"{size:.0f} s"
    elif size < 5400:
        amount = f"{size / 60:.0f} min"
    elif size < 172800:
        amount = f"{size / 3600:.0f} h"
    else:
        amount = f"{size / 86400:.0f} days"
    return f"in {amount}" if seconds >= 0 else f"{amount} ago"

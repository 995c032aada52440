"""Validate an ID token yourself, one check at a time (OIDC Core §3.1.3.7).

The script signs alice in at the issuer it is given, as the web app of tutorial 2 would, and then
checks the ID token it receives rule by rule instead of leaving that to Authlib's client: the
signature against the key the provider publishes (joserfc does the cryptography), then iss, aud,
azp, exp, iat, nonce and at_hash. It prints each check with pass or FAIL, and exits with status 1
if any failed.

Run it with `python validate_id_token.py ISSUER` while `oauth-sandbox provider --auto-login alice`
runs, so that the provider signs alice in without a browser.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core.util import create_half_hash
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

# The seeded confidential client of the mock provider, and its registered redirect_uri.
CLIENT_ID = "web-app"
CLIENT_SECRET = "web-app-secret"
REDIRECT_URI = "http://127.0.0.1:8000/callback"
CLOCK_SKEW = 60  # seconds of difference tolerated between our clock and the provider's


@dataclass(frozen=True)
class Check:
    """One rule of OIDC Core §3.1.3.7, its verdict, and what we saw."""

    name: str
    passed: bool
    detail: str


# --8<-- [start:discover]
def discover(issuer: str) -> dict[str, Any]:
    """Read the provider's discovery document (OIDC Discovery 1.0 §4)."""
    url = issuer + "/.well-known/openid-configuration"
    try:
        metadata = requests.get(url, timeout=10).json()
    except requests.ConnectionError:
        raise SystemExit(f"no provider answers at {issuer}: is it running?") from None
    # OIDC Discovery 1.0 §4.3: the issuer in the document MUST be the one we asked for.
    if metadata["issuer"] != issuer:
        raise SystemExit(f"discovery names issuer {metadata['issuer']}, not {issuer}")
    return metadata


def fetch_jwks(metadata: dict[str, Any]) -> KeySet:
    """The provider's public signing keys, from the jwks_uri that discovery names."""
    return KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())


# --8<-- [end:discover]


# --8<-- [start:sign_in]
def sign_in(metadata: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Run the authorization code flow for alice, playing the browser; return tokens and nonce."""
    client = OAuth2Session(
        CLIENT_ID,
        CLIENT_SECRET,
        scope="openid profile",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )
    nonce, code_verifier = generate_token(20), generate_token(48)
    url, _state = client.create_authorization_url(
        metadata["authorization_endpoint"], nonce=nonce, code_verifier=code_verifier
    )
    # With --auto-login alice the provider answers at once with a redirect to our redirect_uri.
    # Nothing listens there: we read the code from the Location header instead.
    answer = requests.get(url, allow_redirects=False, timeout=10)
    if "code=" not in answer.headers.get("Location", ""):
        raise SystemExit("no code came back: start the provider with --auto-login alice")
    tokens = client.fetch_token(
        metadata["token_endpoint"],
        authorization_response=answer.headers["Location"],
        code_verifier=code_verifier,
    )
    return tokens, nonce


# --8<-- [end:sign_in]


# --8<-- [start:provider_clock]
def provider_now(metadata: dict[str, Any]) -> float:
    """The time to compare exp and iat with.

    A real client uses its own clock. The mock provider's clock can be moved forward (its control
    API) to make tokens expire on demand, and it stamps iat and exp with that clock, so we ask it
    for the time when it says where its control API is.
    """
    control = metadata.get("mock_provider_control_endpoint")
    if control is None:
        return time.time()
    return requests.get(control + "/clock", timeout=10).json()["now"]


# --8<-- [end:provider_clock]


# --8<-- [start:signature]
def check_signature(id_token: str, jwks: KeySet, metadata: dict[str, Any]) -> Check:
    """The RS256 signature verifies with the JWKS key the header's kid names (§3.1.3.7 (6)-(7))."""
    header = jws.extract_compact(id_token.encode()).headers()  # read, not yet trusted
    alg, kid = header.get("alg"), header.get("kid")
    # §3.1.3.7 (7): the alg is RS256 unless we registered another; we never accept "none".
    if alg != "RS256":
        return Check("signature", False, f"alg is {alg!r}; we accept RS256 only")
    try:
        key = jwks.get_by_kid(kid)
    except JoseError:
        # OIDC Core §10.1.1: an unfamiliar kid may be a new key: fetch the JWKS once more.
        try:
            key = fetch_jwks(metadata).get_by_kid(kid)
        except JoseError:
            return Check("signature", False, "no key with the token's kid, even after refetching")
    try:
        jwt.decode(id_token, key, algorithms=["RS256"])  # joserfc checks the signature only
    except JoseError:
        return Check("signature", False, "does not verify with the JWKS key the kid names")
    return Check("signature", True, "RS256, verifies with the JWKS key the kid names")


# --8<-- [end:signature]


# --8<-- [start:claims]
def check_iss(claims: dict[str, Any], issuer: str) -> Check:
    """§3.1.3.7 (2): iss MUST exactly match the issuer we discovered."""
    if claims.get("iss") == issuer:
        return Check("iss", True, "is exactly the issuer from discovery")
    return Check("iss", False, f"is {claims.get('iss')}, not {issuer}")


def check_aud(claims: dict[str, Any]) -> Check:
    """§3.1.3.7 (3): aud MUST contain our client_id."""
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else list(aud or [])
    if CLIENT_ID in audiences:
        return Check("aud", True, f"contains our client_id, {CLIENT_ID}")
    return Check("aud", False, f"is {aud!r}, without our client_id {CLIENT_ID}")


def check_azp(claims: dict[str, Any]) -> Check:
    """§3.1.3.7 (4)-(5): with several audiences azp should be present, and be our client_id."""
    several = isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1
    if "azp" not in claims:
        return Check(
            "azp", not several, "is absent" + (", with several audiences" if several else "")
        )
    if claims["azp"] == CLIENT_ID:
        return Check("azp", True, "is our client_id")
    return Check("azp", False, f"is {claims['azp']!r}, not our client_id")


def check_exp(claims: dict[str, Any], now: float) -> Check:
    """§3.1.3.7 (9): the current time MUST be before exp (with a small leeway)."""
    left = claims.get("exp", 0) - now
    if left > -CLOCK_SKEW:
        return Check("exp", True, f"is {minutes(left)} ahead of the provider's clock")
    return Check("exp", False, f"is {minutes(-left)} behind the provider's clock")


def check_iat(claims: dict[str, Any], now: float) -> Check:
    """§3.1.3.7 (10): iat may be used to reject tokens issued too far from now."""
    if claims.get("iat", now + CLOCK_SKEW + 1) <= now + CLOCK_SKEW:
        return Check("iat", True, "is not in the future")
    return Check("iat", False, "is missing or in the future")


def check_nonce(claims: dict[str, Any], nonce: str) -> Check:
    """§3.1.3.7 (11): the nonce MUST be the value we sent in the authorization request."""
    if claims.get("nonce") == nonce:
        return Check("nonce", True, "equals the nonce we sent")
    return Check("nonce", False, f"is {claims.get('nonce')!r}, not the nonce we sent")


def check_at_hash(claims: dict[str, Any], access_token: str) -> Check:
    """§3.1.3.8 and §3.2.2.9: at_hash, when present, is the hash of the access token."""
    if "at_hash" not in claims:
        return Check("at_hash", True, "is absent (optional in the code flow)")
    if create_half_hash(access_token, "RS256").decode() == claims["at_hash"]:
        return Check("at_hash", True, "matches the access token")
    return Check("at_hash", False, "does not match the access token")


# --8<-- [end:claims]


def minutes(seconds: float) -> str:
    """Seconds as whole minutes, as people read a token's lifetime."""
    return f"{round(seconds / 60)} min"


# --8<-- [start:validate]
def validate(issuer: str) -> list[Check]:
    """Sign in at `issuer` and run every check on the ID token that comes back."""
    metadata = discover(issuer)
    jwks = fetch_jwks(metadata)
    tokens, nonce = sign_in(metadata)
    id_token = tokens["id_token"]
    # A real client stops at the first failure. We read the claims unverified and run every
    # check, so that we can see which one each broken token trips.
    claims = json.loads(jws.extract_compact(id_token.encode()).payload)
    now = provider_now(metadata)
    return [
        check_signature(id_token, jwks, metadata),
        check_iss(claims, metadata["issuer"]),
        check_aud(claims),
        check_azp(claims),
        check_exp(claims, now),
        check_iat(claims, now),
        check_nonce(claims, nonce),
        check_at_hash(claims, tokens["access_token"]),
    ]


# --8<-- [end:validate]


def report(issuer: str, checks: list[Check]) -> list[str]:
    """The lines the script prints: one per check, then the verdict."""
    lines = [f"ID token from {issuer} for {CLIENT_ID}:"]
    lines += [f"  {'pass' if c.passed else 'FAIL'}  {c.name:<9}  {c.detail}" for c in checks]
    failed = [c.name for c in checks if not c.passed]
    lines.append(f"Rejected: {', '.join(failed)} failed." if failed else "Valid.")
    return [line.rstrip() for line in lines]


def main(argv: list[str]) -> int:
    """Validate an ID token from the issuer named on the command line; 1 if it is rejected."""
    issuer = argv[1] if len(argv) > 1 else "http://127.0.0.1:9000"
    checks = validate(issuer.rstrip("/"))
    sys.stdout.write("\n".join(report(issuer.rstrip("/"), checks)) + "\n")
    return 0 if all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

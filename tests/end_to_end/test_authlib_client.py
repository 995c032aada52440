"""Authlib's requests client (`OAuth2Session`) against the real provider, step by step.

The client is code nobody here wrote: if it accepts the provider's answers, other clients built on
the specs will too. The ID token is checked independently with joserfc against the published JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jws, jwt
from joserfc.jwk import KeySet

from .flows import ALICE_SUB, REDIRECT_URI, callback_params, follow_authorize

SCOPE = "openid profile email photos.read"
CLIENTS = {
    "spa-public": ("spa", None, "none"),
    "web-app-basic": ("web-app", "web-app-secret", "client_secret_basic"),
    "web-app-post": ("web-app", "web-app-secret", "client_secret_post"),
}


@dataclass
class SignIn:
    """One finished authorization code flow, as the client saw it."""

    session: OAuth2Session
    metadata: dict
    callback: dict[str, str]
    state: str
    nonce: str
    token: dict


def make_session(client_id: str, secret: str | None, auth_method: str) -> OAuth2Session:
    return OAuth2Session(
        client_id,
        secret,
        token_endpoint_auth_method=auth_method,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )


def sign_in(issuer: str, session: OAuth2Session) -> SignIn:
    """Discovery, authorization request with PKCE, state and nonce, then the token request."""
    metadata = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    location = follow_authorize(url)
    token = session.fetch_token(
        metadata["token_endpoint"],
        authorization_response=location,
        state=state,  # Authlib raises MismatchingStateException if the redirect's state differs
        code_verifier=verifier,
    )
    return SignIn(session, metadata, callback_params(location), state, nonce, dict(token))


@pytest.fixture(params=CLIENTS.values(), ids=CLIENTS.keys())
def signed_in(provider, request) -> SignIn:
    return sign_in(provider.issuer, make_session(*request.param))


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: left half of the SHA-256 of the access token, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def test_authorization_response_carries_code_state_and_issuer(provider, signed_in):
    assert signed_in.callback["code"]
    assert signed_in.callback["state"] == signed_in.state
    assert signed_in.callback["iss"] == provider.issuer  # RFC 9207 §2
    assert signed_in.metadata["authorization_response_iss_parameter_supported"] is True


def test_id_token_passes_every_check_against_the_published_jwks(provider, signed_in):
    id_token = signed_in.token["id_token"]
    jwks = requests.get(signed_in.metadata["jwks_uri"], timeout=10).json()
    header = jws.extract_compact(id_token.encode()).protected
    key = KeySet.import_key_set(jwks).get_by_kid(header["kid"])

    verified = jwt.decode(id_token, key, algorithms=["RS256"])  # raises on a bad signature
    client_id = signed_in.session.client_id
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True, "value": ALICE_SUB},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": signed_in.nonce},
    ).validate(verified.claims)
    assert header["alg"] == "RS256"
    assert verified.claims["at_hash"] == at_hash(signed_in.token["access_token"])
    assert verified.claims["azp"] == client_id


def test_userinfo_describes_alice(signed_in):
    response = signed_in.session.get(signed_in.metadata["userinfo_endpoint"], timeout=10)

    assert response.status_code == 200
    claims = response.json()
    assert claims["sub"] == ALICE_SUB
    assert claims["name"] == "Alice Adams"
    assert claims["email"] == "alice@example.com"


def test_access_token_reads_the_demo_photos(provider, signed_in):
    response = signed_in.session.get(f"{provider.issuer}/api/photos", timeout=10)

    assert response.status_code == 200
    assert len(response.json()["photos"]) == 3


def test_refresh_rotates_the_refresh_token_and_the_spent_one_is_refused(provider, signed_in):
    session, token_endpoint = signed_in.session, signed_in.metadata["token_endpoint"]
    first = signed_in.token["refresh_token"]

    renewed = session.refresh_token(token_endpoint, refresh_token=first)

    assert renewed["refresh_token"] != first
    assert renewed["access_token"] != signed_in.token["access_token"]
    assert session.get(f"{provider.issuer}/api/photos", timeout=10).status_code == 200
    with pytest.raises(OAuthError) as refused:
        session.refresh_token(token_endpoint, refresh_token=first)
    assert refused.value.error == "invalid_grant"
    assert "already exchanged" in refused.value.description


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_wrong_client_secret_is_refused_as_invalid_client(provider, auth_method):
    session = make_session("web-app", "not-the-secret", auth_method)

    with pytest.raises(OAuthError) as refused:
        sign_in(provider.issuer, session)

    assert refused.value.error == "invalid_client"
    assert "does not match" in refused.value.description

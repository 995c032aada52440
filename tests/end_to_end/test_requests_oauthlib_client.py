"""requests-oauthlib's `OAuth2Session` against the real provider.

oauthlib refuses plain http, even on loopback, unless OAUTHLIB_INSECURE_TRANSPORT is set. Its own
PKCE support keeps the verifier on one session object, so these tests make the verifier and pass
it to the token request themselves, as a web app that handles the callback in a later request
(with a new session object) must.
"""

from __future__ import annotations

import secrets

import pytest
from oauthlib.oauth2 import BackendApplicationClient
from oauthlib.oauth2.rfc6749.errors import OAuth2Error
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from .flows import ALICE_SUB, REDIRECT_URI, WEB_APP, follow_authorize, pkce_pair

SCOPE = ["openid", "profile", "email", "photos.read"]
BACKEND = ("backend-service", "backend-service-secret")


@pytest.fixture(autouse=True)
def _insecure_transport_allowed(monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def front_channel(issuer: str, challenge: str) -> tuple[str, str]:
    """The authorization request, from a session object that is then thrown away."""
    front = OAuth2Session(WEB_APP[0], redirect_uri=REDIRECT_URI, scope=SCOPE)
    url, state = front.authorization_url(
        f"{issuer}/authorize",
        nonce=secrets.token_urlsafe(16),
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    return follow_authorize(url), state


def back_channel(state: str) -> OAuth2Session:
    """The session that handles the callback: it knows the state, not the verifier."""
    return OAuth2Session(WEB_APP[0], redirect_uri=REDIRECT_URI, scope=SCOPE, state=state)


def test_code_is_redeemed_with_the_verifier_passed_explicitly(provider):
    verifier, challenge = pkce_pair()
    location, state = front_channel(provider.issuer, challenge)
    session = back_channel(state)

    token = session.fetch_token(
        f"{provider.issuer}/token",
        authorization_response=location,
        client_secret=WEB_APP[1],  # sent as HTTP Basic
        code_verifier=verifier,
    )

    assert token["token_type"] == "Bearer"
    assert token["scope"] == SCOPE
    assert {"access_token", "refresh_token", "id_token"} <= set(token)
    userinfo = session.get(f"{provider.issuer}/userinfo", timeout=10)
    assert userinfo.status_code == 200
    assert userinfo.json()["sub"] == ALICE_SUB


def test_token_request_without_the_verifier_is_refused(provider):
    _, challenge = pkce_pair()
    location, state = front_channel(provider.issuer, challenge)

    with pytest.raises(OAuth2Error) as refused:
        back_channel(state).fetch_token(
            f"{provider.issuer}/token", authorization_response=location, client_secret=WEB_APP[1]
        )

    assert refused.value.error == "invalid_request"
    assert "code_verifier is missing" in refused.value.description
    assert "RFC 7636 section 4.5" in refused.value.description


def test_refresh_token_rotates_and_the_spent_one_is_refused(provider):
    verifier, challenge = pkce_pair()
    location, state = front_channel(provider.issuer, challenge)
    session = back_channel(state)
    first = session.fetch_token(
        f"{provider.issuer}/token",
        authorization_response=location,
        client_secret=WEB_APP[1],
        code_verifier=verifier,
    )["refresh_token"]

    renewed = session.refresh_token(f"{provider.issuer}/token", auth=HTTPBasicAuth(*WEB_APP))

    assert renewed["refresh_token"] != first
    assert session.get(f"{provider.issuer}/api/photos", timeout=10).status_code == 200
    with pytest.raises(OAuth2Error) as refused:
        session.refresh_token(
            f"{provider.issuer}/token", refresh_token=first, auth=HTTPBasicAuth(*WEB_APP)
        )
    assert refused.value.error == "invalid_grant"


def test_backend_service_reads_and_writes_photos_with_client_credentials(provider):
    session = OAuth2Session(
        client=BackendApplicationClient(client_id=BACKEND[0]), scope=["photos.read", "photos.write"]
    )

    token = session.fetch_token(f"{provider.issuer}/token", client_secret=BACKEND[1])

    assert token["token_type"] == "Bearer"
    assert "refresh_token" not in token  # RFC 6749 section 4.4.3
    assert "id_token" not in token
    assert session.get(f"{provider.issuer}/api/photos", timeout=10).status_code == 200
    added = session.post(f"{provider.issuer}/api/photos", data={"title": "Harbour"}, timeout=10)
    assert added.status_code == 201
    assert added.json()["photo"]["title"] == "Harbour"


def test_backend_service_with_a_wrong_secret_is_refused(provider):
    session = OAuth2Session(client=BackendApplicationClient(client_id=BACKEND[0]))

    with pytest.raises(OAuth2Error) as refused:
        session.fetch_token(f"{provider.issuer}/token", client_secret="not-the-secret")

    assert refused.value.error == "invalid_client"

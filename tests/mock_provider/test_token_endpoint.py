"""The token endpoint (RFC 6749 §3.2): client authentication, codes, PKCE, token formats."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from urllib.parse import quote

import pytest

from mock_provider.config import Lifetimes

from .conftest import (
    BACKEND_SECRET,
    FIXED_START,
    ISSUER,
    WEB_APP_SECRET,
    Pkce,
    advance_clock,
    basic,
    decode_jwt,
    redirect_params,
)

ALICE_SUB = "248289761001"


def _strict(value: str) -> str:
    """Percent-encode everything but letters and digits, as some strict clients do."""
    return "".join(c if c.isascii() and c.isalnum() else f"%{ord(c):02X}" for c in value)


def _basic_header(client_id: str, secret: str, encode) -> dict[str, str]:
    raw = f"{encode(client_id)}:{encode(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def _code_form(code: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "http://127.0.0.1:8000/callback",
        **extra,
    }


# PKCE (RFC 7636)


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_public_client_redeems_its_code_with_the_pkce_verifier(flows, method):
    pkce = Pkce.new(method)
    code = flows.code("spa", pkce=pkce)

    response = flows.redeem(code, "spa", pkce.verifier)

    assert response.status_code == 200
    assert response.get_json()["access_token"]


def test_wrong_code_verifier_is_rejected_with_an_explanation(flows):
    code = flows.code("spa", pkce=Pkce.new())

    response = flows.redeem(code, "spa", Pkce.new().verifier)

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_grant",
        "error_description": "code_verifier does not match the code_challenge sent in the "
        "authorization request (RFC 7636 section 4.6)",
    }


def test_missing_code_verifier_is_rejected_when_a_challenge_was_sent(flows):
    code = flows.code("spa", pkce=Pkce.new())

    response = flows.redeem(code, "spa")

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert "code_verifier is missing" in response.get_json()["error_description"]


def test_confidential_client_may_skip_pkce(flows):
    code = flows.code("web-app")

    response = flows.redeem(code, "web-app")

    assert response.status_code == 200


def test_confidential_client_registered_with_require_pkce_must_send_a_challenge(config, make_flows):
    clients = tuple(
        dataclasses.replace(spec, require_pkce=True) if spec.client_id == "web-app" else spec
        for spec in config.clients
    )
    flows = make_flows(clients=clients)

    params = redirect_params(flows.authorize("web-app"))

    assert params["error"] == "invalid_request"
    assert "code_challenge" in params["error_description"]
    assert "require_pkce" in params["error_description"]


# Client authentication (RFC 6749 §2.3.1)


@pytest.mark.parametrize(
    "encode", [lambda v: quote(v, safe=""), _strict], ids=["urlencoded", "strict-urlencoded"]
)
def test_client_secret_basic_accepts_form_urlencoded_credentials(flows, encode):
    code = flows.code("web-app")

    response = flows.client.post(
        "/token", data=_code_form(code), headers=_basic_header("web-app", WEB_APP_SECRET, encode)
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["token_type"] == "Bearer"


def test_client_secret_post_is_accepted(flows):
    code = flows.code("web-app")

    response = flows.client.post(
        "/token", data=_code_form(code, client_id="web-app", client_secret=WEB_APP_SECRET)
    )

    assert response.status_code == 200, response.get_json()


def test_wrong_client_secret_is_a_401_invalid_client_with_www_authenticate(flows):
    code = flows.code("web-app")

    response = flows.client.post(
        "/token", data=_code_form(code), headers=_basic_header("web-app", "wrong", quote)
    )

    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert "client_secret does not match" in response.get_json()["error_description"]
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_client_is_invalid_client(flows):
    code = flows.code("web-app")

    response = flows.client.post(
        "/token", data=_code_form(code), headers=_basic_header("no-such-client", "x", quote)
    )

    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert "no-such-client" in response.get_json()["error_description"]


def test_public_client_asking_for_client_credentials_is_told_the_grant_needs_a_confidential_one(
    flows,
):
    response = flows.client.post(
        "/token", data={"grant_type": "client_credentials", "client_id": "spa"}
    )

    # RFC 6749 §5.2: a client that did not authenticate gets invalid_client.
    assert response.status_code == 401
    assert response.get_json() == {
        "error": "invalid_client",
        "error_description": "client 'spa' is a public client (token_endpoint_auth_method none), "
        "but the client_credentials grant needs a confidential client that authenticates with "
        "its client_secret (RFC 6749 section 4.4, section 2.1)",
    }


# Redeeming the code (RFC 6749 §4.1.3)


def test_code_issued_to_one_client_is_rejected_for_another(flows):
    code = flows.code("web-app")

    response = flows.redeem(code, "spa", Pkce.new().verifier)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "spa" in response.get_json()["error_description"]


def test_redirect_uri_differing_from_the_authorization_request_is_rejected(flows):
    code = flows.code("web-app")

    response = flows.redeem(code, redirect_uri="http://127.0.0.1:8000/other")

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "redirect_uri" in response.get_json()["error_description"]


def test_code_is_rejected_after_it_expires(flows):
    code = flows.code("web-app")
    advance_clock(flows.client, 601)

    response = flows.redeem(code)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "expired" in response.get_json()["error_description"]


def test_code_is_rejected_when_replayed(flows):
    code = flows.code("web-app")
    assert flows.redeem(code).status_code == 200

    response = flows.redeem(code)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_token_endpoint_rejects_a_json_body(flows):
    response = flows.client.post("/token", json={"grant_type": "client_credentials"})

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert "x-www-form-urlencoded" in response.get_json()["error_description"]


@pytest.mark.parametrize("path", ["/token", "/revoke", "/introspect"])
def test_a_parameter_sent_twice_is_invalid_request_naming_it(flows, path):
    body = "grant_type=client_credentials&token=t&scope=photos.read&scope=photos.write"

    response = flows.client.post(
        path,
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers=basic("backend-service", BACKEND_SECRET),
    )

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_request",
        "error_description": "scope was sent more than once; each parameter may appear only "
        "once (RFC 6749 section 3.2)",
    }


# What is issued


def test_client_credentials_for_backend_service_returns_an_opaque_token_without_refresh(flows):
    response = flows.token_request({"grant_type": "client_credentials"}, "backend-service")

    body = response.get_json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["access_token"].count(".") == 0  # opaque, not a JWT
    assert "refresh_token" not in body
    assert "id_token" not in body


def test_web_app_access_token_is_an_rfc_9068_jwt_matching_the_clock(flows):
    body = flows.tokens("web-app", scope="openid profile")

    header, claims = decode_jwt(flows.client, body["access_token"])
    jwks_kids = {key["kid"] for key in flows.client.get("/jwks").get_json()["keys"]}
    assert header["typ"] == "at+jwt"
    assert header["kid"] in jwks_kids
    assert claims["iss"] == ISSUER
    assert claims["sub"] == ALICE_SUB
    # RFC 9068 §3: resource indicators, not the client: the photos API, and UserInfo for openid.
    assert claims["aud"] == [f"{ISSUER}/api", f"{ISSUER}/userinfo"]
    assert claims["client_id"] == "web-app"
    assert claims["scope"] == "openid profile"
    assert claims["iat"] == FIXED_START
    assert claims["exp"] == FIXED_START + 3600
    assert body["expires_in"] == 3600


def test_id_token_carries_the_oidc_core_claims(flows):
    body = flows.tokens("web-app", scope="openid")

    header, claims = decode_jwt(flows.client, body["id_token"])
    digest = hashlib.sha256(body["access_token"].encode()).digest()
    assert header["alg"] == "RS256"
    assert header["kid"]
    assert claims["iss"] == ISSUER
    assert claims["sub"] == ALICE_SUB
    assert claims["aud"] == "web-app"
    assert claims["azp"] == "web-app"
    assert claims["iat"] == FIXED_START
    assert claims["exp"] == FIXED_START + 3600
    assert claims["auth_time"] == FIXED_START
    assert claims["nonce"] == "nonce-456"
    # OIDC Core §3.1.3.6: the left half of the SHA-256 of the access token.
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("scope", "present", "absent"),
    [
        ("openid", set(), {"name", "email", "preferred_username"}),
        ("openid profile", {"name", "preferred_username", "locale"}, {"email"}),
        ("openid email", {"email", "email_verified"}, {"name"}),
    ],
)
def test_id_token_has_profile_and_email_claims_only_when_granted(flows, scope, present, absent):
    body = flows.tokens("web-app", scope=scope)

    _, claims = decode_jwt(flows.client, body["id_token"])
    assert present <= set(claims)
    assert not absent & set(claims)


def test_no_id_token_without_the_openid_scope(flows):
    body = flows.tokens("web-app", scope="photos.read")

    assert "id_token" not in body


def test_access_token_lifetime_is_configurable(config, make_flows):
    flows = make_flows(lifetimes=Lifetimes(access_token=60))

    body = flows.tokens("web-app")

    _, claims = decode_jwt(flows.client, body["access_token"])
    assert body["expires_in"] == 60
    assert claims["exp"] - claims["iat"] == 60

"""The implicit grant (RFC 6749 §4.2) exists only at the VULNERABLE `vulnerable-implicit` issuer.

The default issuer behaves as OAuth 2.1 and RFC 9700 §2.1.2 ask: response_type=token is refused.
The browser suite (tests/browser/test_implicit_flow_attack.py) shows the token leaking from the
fragment through a script on the client's page.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import decode_jwt

VULNERABLE = "/scenarios/vulnerable-implicit"
APP = "http://127.0.0.1:8000/app"


def register_implicit_client(client, issuer_path: str):
    return client.post(
        f"{issuer_path}/register",
        json={
            "client_name": "a legacy single-page app",
            "redirect_uris": [APP],
            "grant_types": ["implicit"],
            "response_types": ["token"],
            "token_endpoint_auth_method": "none",
            "scope": "openid profile",
        },
    )


def ask_for_a_token(client, issuer_path: str, client_id: str, **extra: str):
    query = {
        "response_type": "token",
        "client_id": client_id,
        "redirect_uri": APP,
        "scope": "openid profile",
        "state": "af0ifjsldkj",
        **extra,
    }
    return client.get(f"{issuer_path}/authorize", query_string=query)


def test_only_the_vulnerable_issuer_lists_response_type_token_in_its_discovery(auto_client):
    default = auto_client.get("/.well-known/openid-configuration").json
    vulnerable = auto_client.get(f"{VULNERABLE}/.well-known/openid-configuration").json
    assert default["response_types_supported"] == ["code"]
    assert "implicit" not in default["grant_types_supported"]
    assert vulnerable["response_types_supported"] == ["code", "token"]
    assert "implicit" in vulnerable["grant_types_supported"]
    assert "fragment" in vulnerable["response_modes_supported"]


def test_the_default_issuer_registers_no_implicit_client(auto_client):
    response = register_implicit_client(auto_client, "")
    assert response.status_code == 400
    assert response.json["error"] == "invalid_client_metadata"


def test_the_vulnerable_issuer_sends_the_access_token_in_the_fragment_with_state_and_iss(
    auto_client,
):
    client_id = register_implicit_client(auto_client, VULNERABLE).json["client_id"]
    response = ask_for_a_token(auto_client, VULNERABLE, client_id)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.query == ""  # everything is in the fragment (RFC 6749 §4.2.2)
    fragment = parse_qs(location.fragment)
    assert fragment["token_type"] == ["Bearer"]
    assert fragment["state"] == ["af0ifjsldkj"]
    assert fragment["iss"] == [f"http://127.0.0.1:9000{VULNERABLE}"]  # RFC 9207 §2
    assert "refresh_token" not in fragment  # RFC 6749 §4.2.2: MUST NOT issue one
    userinfo = auto_client.get(
        f"{VULNERABLE}/userinfo",
        headers={"Authorization": f"Bearer {fragment['access_token'][0]}"},
    )
    assert userinfo.json["name"] == "Alice Adams"
    checks = auto_client.get("/control/log?limit=5").json["entries"]
    assert any(
        "VULNERABLE: implicit grant offered" in c["check"] for e in checks for c in e["checks"]
    )


@pytest.mark.parametrize("client_id", ["spa", "web-app"])
def test_the_default_issuer_answers_response_type_token_with_unsupported_response_type(
    auto_client, client_id
):
    query = {
        "response_type": "token",
        "client_id": client_id,
        "redirect_uri": "http://127.0.0.1:8000/callback",
        "state": "xyz",
    }
    response = auto_client.get("/authorize", query_string=query)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.fragment == ""
    answer = parse_qs(location.query)
    assert answer["error"] == ["unsupported_response_type"]
    assert "response_type 'token' is not supported" in answer["error_description"][0]
    entry = auto_client.get("/control/log?limit=1").json["entries"][0]
    failed = [c for c in entry["checks"] if not c["passed"]]
    assert failed[0]["check"] == "response_type supported"


def _implicit_answer(auto_client, **extra: str) -> dict[str, list[str]]:
    """Ask the VULNERABLE issuer for a token; the parameters of the fragment it answers with."""
    client_id = register_implicit_client(auto_client, VULNERABLE).json["client_id"]
    response = ask_for_a_token(auto_client, VULNERABLE, client_id, **extra)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.query == ""  # everything goes in the fragment (RFC 6749 §4.2.2, §4.2.2.1)
    return parse_qs(location.fragment)


def test_an_implicit_error_carries_iss_in_the_fragment_beside_the_error(auto_client):
    fragment = _implicit_answer(auto_client, scope="openid photos.delete")

    assert fragment["error"] == ["invalid_scope"]
    assert fragment["state"] == ["af0ifjsldkj"]
    assert fragment["iss"] == [f"http://127.0.0.1:9000{VULNERABLE}"]  # RFC 9207 §2


def test_an_implicit_token_is_for_the_resource_the_request_names(auto_client):
    fragment = _implicit_answer(auto_client, resource="http://127.0.0.1:8080")

    claims = decode_jwt(auto_client, fragment["access_token"][0], prefix=VULNERABLE)[1]
    assert claims["aud"] == "http://127.0.0.1:8080"  # RFC 8707 §2.1, RFC 9068 §3


def test_an_implicit_request_naming_an_unknown_resource_gets_invalid_target_in_the_fragment(
    auto_client,
):
    fragment = _implicit_answer(auto_client, resource="https://elsewhere.test/api")

    assert fragment["error"] == ["invalid_target"]
    assert "https://elsewhere.test/api" in fragment["error_description"][0]
    assert fragment["state"] == ["af0ifjsldkj"]
    assert fragment["iss"] == [f"http://127.0.0.1:9000{VULNERABLE}"]

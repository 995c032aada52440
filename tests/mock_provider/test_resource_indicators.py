"""The audience of access tokens (RFC 9068 §3, §4) and resource indicators (RFC 8707)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from urllib.parse import urlencode

import pytest

from mock_provider import create_app

from .conftest import (
    BACKEND_SECRET,
    ISSUER,
    WEB_APP_SECRET,
    Flows,
    Pkce,
    authorize_url,
    basic,
    bearer,
    decode_jwt,
    redirect_params,
)

API = f"{ISSUER}/api"
USERINFO = f"{ISSUER}/userinfo"
TUTORIAL_API = "http://127.0.0.1:8080"  # declared in the seed's [resources]


def _code(flows, pkce: Pkce, *resources: str, scope: str = "openid photos.read") -> str:
    """An authorization code for web-app, the request naming `resources` (RFC 8707 §2.1)."""
    url = authorize_url("web-app", scope=scope, pkce=pkce)
    if resources:
        url += "&" + urlencode({"resource": resources}, doseq=True)
    params = redirect_params(flows.client.get(url))
    assert "code" in params, params
    return params["code"]


def _client_credentials(flows, *resources: str, scope: str = "photos.read"):
    return flows.client.post(
        "/token",
        data={"grant_type": "client_credentials", "scope": scope, "resource": list(resources)},
        headers=basic("backend-service", BACKEND_SECRET),
    )


def _introspect(flows, token: str, client_id: str, secret: str) -> dict:
    response = flows.client.post(
        "/introspect", data={"token": token}, headers=basic(client_id, secret)
    )
    return response.get_json()


def _aud(flows, access_token: str):
    return decode_jwt(flows.client, access_token)[1]["aud"]


def _last_checks(flows) -> list[dict]:
    return flows.client.get("/control/log?limit=1").json["entries"][0]["checks"]


def test_without_resource_the_token_is_for_the_photos_api_and_for_userinfo_when_openid(flows):
    oidc = flows.tokens(scope="openid profile")
    oauth = flows.tokens(scope="photos.read")

    # RFC 9068 §3: a default resource indicator, never the client_id.
    assert _aud(flows, oidc["access_token"]) == [API, USERINFO]
    assert _aud(flows, oauth["access_token"]) == API
    introspected = _introspect(flows, oidc["access_token"], "web-app", WEB_APP_SECRET)
    assert introspected["aud"] == [API, USERINFO]
    assert flows.client.get("/userinfo", headers=bearer(oidc["access_token"])).status_code == 200
    assert flows.client.get("/api/photos", headers=bearer(oauth["access_token"])).status_code == 200


def test_a_resource_named_at_authorization_is_the_token_s_only_audience(flows):
    pkce = Pkce.new()
    code = _code(flows, pkce, API)

    response = flows.redeem(code, "web-app", pkce.verifier)

    assert response.status_code == 200, response.get_json()
    token = response.get_json()["access_token"]
    assert _aud(flows, token) == API
    assert flows.client.get("/api/photos", headers=bearer(token)).status_code == 200
    # The token was not asked for UserInfo, so UserInfo refuses it although it carries openid.
    refused = flows.client.get("/userinfo", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json["error"] == "invalid_token"
    assert refused.json["error_description"] == (
        f"the access token's aud is {API}, which does not name this resource ({USERINFO}): "
        "the token was issued for another API (RFC 9068 section 4)"
    )


def test_a_token_request_may_name_some_of_the_resources_authorized(flows):
    pkce = Pkce.new()
    code = _code(flows, pkce, API, USERINFO)

    response = flows.redeem(code, "web-app", pkce.verifier, resource=USERINFO)

    assert response.status_code == 200, response.get_json()
    assert _aud(flows, response.get_json()["access_token"]) == USERINFO


@pytest.mark.parametrize(
    ("resource", "description"),
    [
        pytest.param(
            "photos",
            f"resource 'photos' is not an absolute URI; name the API by its base URI, such as "
            f"{API} (RFC 8707 section 2)",
            id="relative",
        ),
        pytest.param(
            f"{API}#top",
            f"resource '{API}#top' has a fragment (#top); a resource indicator must not have "
            "one (RFC 8707 section 2)",
            id="fragment",
        ),
        pytest.param(
            "http://[::1",
            "resource 'http://[::1' is not a URI (Invalid IPv6 URL); name the API by its base "
            f"URI, such as {API} (RFC 8707 section 2)",
            id="not-a-uri",
        ),
        pytest.param(
            "https://elsewhere.test/api",
            "resource 'https://elsewhere.test/api' is not a resource this provider knows; it "
            f"knows {API}, {USERINFO}, {TUTORIAL_API} (RFC 8707 section 2)",
            id="unknown",
        ),
    ],
)
def test_a_bad_resource_is_invalid_target_at_both_endpoints(flows, resource, description):
    url = authorize_url("web-app", pkce=Pkce.new(), resource=resource)

    at_authorization = redirect_params(flows.client.get(url))
    authorization_checks = _last_checks(flows)
    at_token = _client_credentials(flows, resource)

    # RFC 8707 §2: invalid_target, back to the client with state at the authorization endpoint.
    assert at_authorization["error"] == "invalid_target"
    assert at_authorization["error_description"] == description
    assert at_authorization["state"] == "state-123"
    failed = [check for check in authorization_checks if not check["passed"]]
    assert failed[-1]["check"] == "resource"
    assert failed[-1]["detail"].replace("§", "section ") == description  # as logged
    assert at_token.status_code == 400
    assert at_token.get_json() == {"error": "invalid_target", "error_description": description}


def test_a_resource_not_authorized_is_invalid_target_and_the_code_stays_usable(flows):
    pkce = Pkce.new()
    code = _code(flows, pkce, API)

    refused = flows.redeem(code, "web-app", pkce.verifier, resource=USERINFO)
    retried = flows.redeem(code, "web-app", pkce.verifier)

    assert refused.status_code == 400
    assert refused.get_json() == {
        "error": "invalid_target",
        "error_description": f"resource '{USERINFO}' was not authorized: this grant is for "
        f"{API}, and a token request may name those or some of them (RFC 8707 section 2.2)",
    }
    assert retried.status_code == 200  # checked before the code is spent
    assert _aud(flows, retried.get_json()["access_token"]) == API


def test_without_resource_at_authorization_a_token_request_may_not_name_another_api(flows):
    pkce = Pkce.new()
    code = _code(flows, pkce)

    response = flows.redeem(code, "web-app", pkce.verifier, resource=TUTORIAL_API)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_target"
    assert response.get_json()["error_description"].startswith(
        f"resource '{TUTORIAL_API}' was not authorized: this grant is for {API}, {USERINFO}"
    )


def test_a_refresh_may_narrow_the_audience_and_the_refresh_token_keeps_the_whole_grant(flows):
    tokens = flows.tokens(scope="openid photos.read")

    narrowed = flows.refresh(tokens["refresh_token"], resource=API).get_json()
    whole = flows.refresh(narrowed["refresh_token"]).get_json()
    beyond = flows.refresh(whole["refresh_token"], resource=TUTORIAL_API)

    assert _aud(flows, narrowed["access_token"]) == API
    # RFC 8707 §2.2: "any refresh token that is returned is bound to the full original grant".
    assert _aud(flows, whole["access_token"]) == [API, USERINFO]
    assert beyond.status_code == 400
    assert beyond.get_json()["error"] == "invalid_target"
    assert f"resource '{TUTORIAL_API}' was not authorized" in beyond.get_json()["error_description"]


def test_client_credentials_with_resources_gets_a_token_for_exactly_those(flows):
    one = _client_credentials(flows, TUTORIAL_API)
    two = _client_credentials(flows, API, TUTORIAL_API)  # RFC 8707 §2: MAY be repeated

    assert one.status_code == 200, one.get_json()
    assert two.status_code == 200, two.get_json()
    # backend-service's tokens are opaque: introspection says whom they are for.
    secret = ("backend-service", BACKEND_SECRET)
    assert _introspect(flows, one.get_json()["access_token"], *secret)["aud"] == TUTORIAL_API
    assert _introspect(flows, two.get_json()["access_token"], *secret)["aud"] == [
        API,
        TUTORIAL_API,
    ]


def test_the_photos_api_refuses_a_jwt_issued_for_another_api(flows):
    pkce = Pkce.new()
    code = _code(flows, pkce, TUTORIAL_API)
    token = flows.redeem(code, "web-app", pkce.verifier).get_json()["access_token"]

    response = flows.client.get("/api/photos", headers=bearer(token))
    checks = _last_checks(flows)

    assert _aud(flows, token) == TUTORIAL_API
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith(
        'Bearer realm="mock_provider", error="invalid_token"'
    )
    assert response.json == {
        "error": "invalid_token",
        "error_description": f"the access token's aud is {TUTORIAL_API}, which does not name "
        f"this resource ({API}): the token was issued for another API (RFC 9068 section 4)",
    }
    assert {
        "check": "audience",
        "passed": False,
        "detail": f"the access token's aud is {TUTORIAL_API}, which does not name this resource "
        f"({API}): the token was issued for another API (RFC 9068 §4)",
    } in checks


def test_the_photos_api_refuses_an_opaque_token_issued_for_another_api(flows):
    token = _client_credentials(flows, TUTORIAL_API).get_json()["access_token"]

    response = flows.client.get("/api/photos", headers=bearer(token))

    assert response.status_code == 401
    assert response.json["error"] == "invalid_token"
    assert (
        f"aud is {TUTORIAL_API}, which does not name this resource ({API})"
        in (response.json["error_description"])
    )


def test_a_database_from_before_audiences_gains_the_new_columns_and_its_tokens_keep_working(
    config, tmp_path
):
    app = create_app(config.replace(auto_login="alice"))
    flows_before = Flows(app.test_client())
    token = flows_before.tokens(scope="openid photos.read")["access_token"]
    app.extensions["mock_provider"].engine.dispose()
    database = config.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(database)) as connection:  # as an earlier version left it
        connection.execute("ALTER TABLE tokens DROP COLUMN audience")
        connection.execute("ALTER TABLE grants DROP COLUMN resources")

    restarted = create_app(config).test_client()

    assert restarted.get("/api/photos", headers=bearer(token)).status_code == 200
    assert restarted.get("/userinfo", headers=bearer(token)).status_code == 200

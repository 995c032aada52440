"""Faults under scenario issuers, and the control API: log, state view, clock, keys, reset."""

from __future__ import annotations

import pytest

from mock_provider import create_app
from mock_provider.faults import FAULTS

from .conftest import (
    FIXED_START,
    ISSUER,
    REDIRECT_URI,
    Pkce,
    bearer,
    decode_jwt,
    redirect_params,
)

WRONG_AUDIENCE = "/scenarios/wrong-audience"
EXPIRED_CODE = "/scenarios/code-expired"


# Faults and scenarios


def test_wrong_audience_scenario_issues_an_id_token_for_another_client(flows):
    body = flows.tokens("web-app", prefix=WRONG_AUDIENCE)

    _, claims = decode_jwt(flows.client, body["id_token"], prefix=WRONG_AUDIENCE)
    assert claims["aud"] == "some-other-client"


def test_default_issuer_is_untouched_by_the_wrong_audience_fault(flows):
    flows.tokens("web-app", prefix=WRONG_AUDIENCE)

    body = flows.tokens("web-app")

    _, claims = decode_jwt(flows.client, body["id_token"])
    assert claims["aud"] == "web-app"


def test_expired_code_scenario_issues_codes_the_token_endpoint_rejects(flows):
    pkce = Pkce.new()
    code = flows.code("web-app", pkce=pkce, prefix=EXPIRED_CODE)

    response = flows.redeem(code, "web-app", pkce.verifier, prefix=EXPIRED_CODE)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "expired" in response.get_json()["error_description"]


def test_tokens_issued_under_a_scenario_carry_its_issuer(flows):
    scenario_issuer = ISSUER + WRONG_AUDIENCE
    pkce = Pkce.new()
    authorization = redirect_params(flows.authorize(pkce=pkce, prefix=WRONG_AUDIENCE))
    body = flows.redeem(
        authorization["code"], "web-app", pkce.verifier, prefix=WRONG_AUDIENCE
    ).get_json()

    _, id_claims = decode_jwt(flows.client, body["id_token"], prefix=WRONG_AUDIENCE)
    _, access_claims = decode_jwt(flows.client, body["access_token"], prefix=WRONG_AUDIENCE)
    assert authorization["iss"] == scenario_issuer
    assert id_claims["iss"] == scenario_issuer
    assert access_claims["iss"] == scenario_issuer


def test_control_api_lists_every_fault_with_the_scenarios_that_apply_it(client):
    response = client.get("/control/faults")

    listed = {fault["id"]: fault["scenarios"] for fault in response.get_json()["faults"]}
    assert set(listed) == set(FAULTS)
    assert listed["expired-code"] == [
        {"id": "code-expired", "issuer": f"{ISSUER}/scenarios/code-expired"}
    ]
    assert all(listed.values())  # every fault is reachable through a scenario


# The request log


def test_request_log_shows_the_failed_redirect_uri_check_with_both_values(flows):
    received = "http://127.0.0.1:8000/callback/"
    flows.authorize("web-app", redirect_uri=received)

    entries = flows.client.get("/control/log", query_string={"client_id": "web-app"}).get_json()

    checks = [
        check
        for entry in entries["entries"]
        if entry["request"] == "GET /authorize"
        for check in entry["checks"]
        if check["check"] == "redirect_uri exact match"
    ]
    assert len(checks) == 1
    assert checks[0]["passed"] is False
    assert f"registered {REDIRECT_URI}" in checks[0]["detail"]
    assert f"received {received}" in checks[0]["detail"]


def _failed_checks(client, request: str) -> list[dict]:
    """The failed checks the request log recorded for the newest `request` ("GET /path")."""
    entries = client.get("/control/log").get_json()["entries"]
    entry = next(e for e in entries if e["request"] == request)
    return [check for check in entry["checks"] if not check["passed"]]


def test_request_log_shows_the_failed_pkce_check_when_a_public_client_sends_no_code_challenge(
    flows,
):
    flows.authorize("spa")

    assert _failed_checks(flows.client, "GET /authorize") == [
        {
            "check": "PKCE required",
            "passed": False,
            "detail": "code_challenge is required: client 'spa' is a public client "
            "(RFC 7636 §4.4.1, RFC 9700 §2.1.1)",
        }
    ]


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [("POST", "/api/photos", "photos.write"), ("GET", "/userinfo", "openid")],
)
def test_request_log_shows_the_failed_scope_check_naming_both_scopes(flows, method, path, needed):
    tokens = flows.tokens(scope="profile photos.read")

    response = flows.client.open(path, method=method, headers=bearer(tokens["access_token"]))

    assert response.status_code == 403
    assert f"needs scope '{needed}'" in response.get_json()["error_description"]
    assert _failed_checks(flows.client, f"{method} {path}") == [
        {
            "check": "scope",
            "passed": False,
            "detail": f"this resource needs scope '{needed}'; the access token carries "
            "'profile photos.read' (RFC 6750 §3.1)",
        }
    ]


def test_request_log_masks_secrets(flows):
    flows.client.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "backend-service",
            "client_secret": "backend-service-secret",
        },
    )

    entry = flows.client.get("/control/log", query_string={"limit": 1}).get_json()["entries"][0]

    assert entry["request"] == "POST /token"
    assert "backend-service-secret" not in str(entry["params"])


# The state view


def test_state_view_shows_the_grant_with_its_code_and_tokens(flows):
    pkce = Pkce.new()
    code = flows.code("web-app", pkce=pkce, scope="openid profile")
    tokens = flows.redeem(code, "web-app", pkce.verifier).get_json()

    grants = flows.client.get("/control/state").get_json()["grants"]

    assert len(grants) == 1
    grant = grants[0]
    assert (grant["client_id"], grant["username"], grant["scope"]) == (
        "web-app",
        "alice",
        "openid profile",
    )
    assert [c["code"] for c in grant["authorization_codes"]] == [code]
    assert grant["authorization_codes"][0]["redeemed"] is True
    assert [t["access_token"] for t in grant["tokens"]] == [tokens["access_token"]]


def test_state_view_shows_the_rotated_lineage_after_a_refresh(flows):
    first = flows.tokens()
    second = flows.refresh(first["refresh_token"]).get_json()

    tokens = flows.client.get("/control/state").get_json()["grants"][0]["tokens"]

    by_refresh = {t["refresh_token"]: t for t in tokens}
    parent, child = by_refresh[first["refresh_token"]], by_refresh[second["refresh_token"]]
    assert child["rotated_from"] == parent["token_id"]
    assert parent["refresh_token_rotated"] is True
    assert child["refresh_token_rotated"] is False


def test_state_view_marks_the_grant_revoked_after_refresh_token_reuse(flows):
    first = flows.tokens()
    flows.refresh(first["refresh_token"])
    flows.refresh(first["refresh_token"])

    grant = flows.client.get("/control/state").get_json()["grants"][0]

    assert grant["revoked"] is True
    assert "rotated refresh token presented again" in grant["revoked_reason"]
    assert all(token["revoked"] for token in grant["tokens"])


# The clock


def test_clock_advance_and_reset_change_the_providers_time(client):
    before = client.get("/control/clock").get_json()

    client.post("/control/clock/advance", data={"seconds": "120"})
    advanced = client.get("/control/clock").get_json()
    client.post("/control/clock/reset")
    after_reset = client.get("/control/clock").get_json()

    assert before == {"now": FIXED_START, "offset_seconds": 0}
    assert advanced == {"now": FIXED_START + 120, "offset_seconds": 120}
    assert after_reset == before


def test_clock_advance_refuses_a_non_number(client):
    response = client.post("/control/clock/advance", data={"seconds": "soon"})

    assert response.status_code == 400
    assert "seconds must be a number" in response.get_json()["error_description"]


@pytest.mark.parametrize(
    "sent", [True, "1" + "0" * 400, 1e400], ids=["true", "400-digit", "infinity"]
)
def test_clock_advance_refuses_a_json_value_that_is_no_usable_number(client, sent):
    body = '{"seconds": ' + ("true" if sent is True else str(sent)) + "}"

    response = client.post("/control/clock/advance", data=body, content_type="application/json")

    assert response.status_code == 400
    assert "seconds must be" in response.get_json()["error_description"]


def test_a_log_limit_in_a_digit_that_is_not_ascii_is_refused(client):
    response = client.get("/control/log", query_string={"limit": "\u00b2"})  # superscript two

    assert response.status_code == 400
    assert "limit must be a whole number from 1 to 1000" in response.get_json()["error_description"]


def test_beyond_loopback_a_control_call_without_the_token_gets_a_bearer_challenge(config):
    instructor = create_app(config.replace(instructor_token="t0k3n")).test_client()

    refused = instructor.get("/control/log")
    lower_case = instructor.get("/control/log", headers={"Authorization": "bearer t0k3n"})
    open_head = instructor.head("/control/clock")

    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer ")
    assert lower_case.status_code == 200  # RFC 9110 §11.1: the scheme is case-insensitive
    assert open_head.status_code == 200


def test_a_code_issued_at_the_root_issuer_is_refused_at_a_scenarios_token_endpoint(flows):
    pkce = Pkce.new()
    code = flows.code(pkce=pkce)

    response = flows.redeem(code, verifier=pkce.verifier, prefix="/scenarios/alg-none")

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert (
        "was issued by http://127.0.0.1:9000; redeem it at that issuer"
        in response.get_json()["error_description"]
    )


def test_a_refresh_token_issued_at_the_root_issuer_is_refused_at_a_scenarios_token_endpoint(
    flows,
):
    tokens = flows.tokens()
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}

    elsewhere = flows.token_request(form, "web-app", prefix="/scenarios/refresh-token-expired")
    at_home = flows.refresh(tokens["refresh_token"])

    assert elsewhere.status_code == 400
    assert "refresh it at that issuer's token endpoint" in elsewhere.get_json()["error_description"]
    assert at_home.status_code == 200


# Keys


def test_key_rotation_publishes_a_new_kid_and_keeps_the_old_one(flows):
    old_kids = {key["kid"] for key in flows.client.get("/jwks").get_json()["keys"]}
    old_token = flows.tokens()["id_token"]

    rotated = flows.client.post("/control/keys/rotate").get_json()
    new_token = flows.tokens()["id_token"]

    kids = {key["kid"] for key in flows.client.get("/jwks").get_json()["keys"]}
    assert rotated["signing_kid"] not in old_kids
    assert kids == old_kids | {rotated["signing_kid"]}
    assert decode_jwt(flows.client, new_token)[0]["kid"] == rotated["signing_kid"]
    assert decode_jwt(flows.client, old_token)[0]["kid"] in old_kids  # still verifies


# Reset


def test_reset_forgets_every_grant(flows):
    tokens = flows.tokens()

    response = flows.client.post("/control/reset")

    assert response.status_code == 200
    assert flows.client.get("/control/state").get_json()["grants"] == []
    assert flows.client.get("/userinfo", headers=bearer(tokens["access_token"])).status_code == 401


def test_reset_forgets_the_retired_signing_keys_and_keeps_the_one_that_signs(flows):
    rotated = flows.client.post("/control/keys/rotate").get_json()

    flows.client.post("/control/reset")

    kids = [key["kid"] for key in flows.client.get("/jwks").get_json()["keys"]]
    assert kids == [rotated["signing_kid"]]  # the tokens the old keys signed are gone too
    new_token = flows.tokens()["access_token"]
    assert decode_jwt(flows.client, new_token)[0]["kid"] == rotated["signing_kid"]

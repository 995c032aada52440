"""The scenario catalogue as the sandbox reads it, and each provider fault under its own issuer.

Every fault test has two halves: the fault shows under its scenario's issuer, and the default
issuer stays spec-faithful beside it.
"""

from __future__ import annotations

import json

import pytest
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from joserfc.util import urlsafe_b64decode

from mock_provider.faults import FAULTS
from mock_provider.scenarios import SCENARIOS

from .conftest import ISSUER, Pkce, bearer, button_names, decode_jwt, redirect_params

# The contract between the apps (/tmp/scenario_schema.md): the keys, and the values the
# sandbox knows how to act on.
CONTRACT_KEYS = {
    "id",
    "issuer",
    "title",
    "flow",
    "variant",
    "step",
    "at_fault",
    "learner_sees",
    "rule",
    "spec",
    "fix",
    "faults",
    "client_mistake",
}
REQUIRED_TEXT = ["id", "issuer", "title", "flow", "step", "learner_sees", "rule", "spec", "fix"]
AT_FAULT = {"client", "provider", "attacker", "user"}
CONTRACT_SCENARIOS = {
    "redirect-uri-trailing-slash": ("client", "authorization_request"),
    "redirect-uri-port": ("client", "authorization_request"),
    "redirect-uri-scheme": ("client", "authorization_request"),
    "redirect-uri-unregistered": ("client", "authorization_request"),
    "unknown-client": ("client", "authorization_request"),
    "invalid-scope": ("client", "authorization_request"),
    "unsupported-response-type": ("client", "authorization_request"),
    "consent-denied": ("user", "authorization_request"),
    "pkce-missing": ("client", "authorization_request"),
    "login-required": ("client", "authorization_request"),
    "state-mismatch": ("attacker", "authorization_response"),
    "iss-mismatch": ("attacker", "authorization_response"),
    "wrong-client-secret": ("client", "token_request"),
    "code-replay": ("attacker", "token_request"),
    "code-expired": ("provider", "token_request"),
    "redirect-uri-differs": ("client", "token_request"),
    "pkce-verifier-mismatch": ("attacker", "token_request"),
    "pkce-verifier-missing": ("client", "token_request"),
    "code-for-another-client": ("attacker", "token_request"),
    "bad-signature": ("provider", "id_token_validation"),
    "alg-none": ("provider", "id_token_validation"),
    "wrong-issuer": ("provider", "id_token_validation"),
    "wrong-audience": ("provider", "id_token_validation"),
    "expired-id-token": ("provider", "id_token_validation"),
    "nonce-mismatch": ("provider", "id_token_validation"),
    "unknown-kid": ("provider", "id_token_validation"),
    "expired-access-token": ("provider", "resource_request"),
    "insufficient-scope": ("client", "resource_request"),
    "revoked-token": ("client", "resource_request"),
    "refresh-token-reuse": ("attacker", "refresh_request"),
    "refresh-token-expired": ("provider", "refresh_request"),
    "refresh-broader-scope": ("client", "refresh_request"),
}


def _prefix(scenario_id: str) -> str:
    return f"/scenarios/{scenario_id}"


def _id_token(flows, scenario_id: str = "") -> str:
    prefix = _prefix(scenario_id) if scenario_id else ""
    return flows.tokens("web-app", prefix=prefix)["id_token"]


def _jwks(flows, scenario_id: str = "") -> KeySet:
    prefix = _prefix(scenario_id) if scenario_id else ""
    return KeySet.import_key_set(flows.client.get(f"{prefix}/jwks").get_json())


def _header(token: str) -> dict:
    """A JWT's header, read without verifying anything (as a client must, to pick the key)."""
    return json.loads(urlsafe_b64decode(token.split(".")[0].encode()))


def _refresh(flows, refresh_token: str, prefix: str = ""):
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return flows.token_request(form, "web-app", prefix)


# The catalogue, as GET /control/scenarios serves it


@pytest.fixture
def listed(client) -> list[dict]:
    response = client.get("/control/scenarios")
    assert response.status_code == 200
    return response.get_json()["scenarios"]


def test_control_api_lists_every_scenario_of_the_contract_at_its_step(listed):
    by_id = {scenario["id"]: scenario for scenario in listed}

    assert len(listed) >= 26
    assert len(by_id) == len(listed)  # ids are unique
    assert {
        scenario_id: (by_id[scenario_id]["at_fault"], by_id[scenario_id]["step"])
        for scenario_id in CONTRACT_SCENARIOS
    } == CONTRACT_SCENARIOS


def test_every_listed_scenario_has_exactly_the_contract_fields_filled_in(listed):
    for scenario in listed:
        assert set(scenario) == CONTRACT_KEYS, scenario["id"]
        assert all(isinstance(scenario[k], str) and scenario[k].strip() for k in REQUIRED_TEXT)
        assert scenario["issuer"] == f"{ISSUER}/scenarios/{scenario['id']}"
        assert scenario["at_fault"] in AT_FAULT
        assert scenario["variant"] is None or scenario["variant"].strip()
        # That flow, variant, step and client_mistake exist in the sandbox is checked where both
        # apps may be imported: tests/end_to_end/test_scenario_contract.py.


def test_every_listed_scenario_breaks_through_a_fault_or_a_client_mistake(client, listed):
    faults = {fault["id"] for fault in client.get("/control/faults").get_json()["faults"]}

    for scenario in listed:
        assert set(scenario["faults"]) <= faults, scenario["id"]
        assert scenario["faults"] or scenario["client_mistake"], scenario["id"]


def test_each_scenario_issuer_is_its_own_in_discovery(client, listed):
    for scenario in listed:
        path = f"/scenarios/{scenario['id']}/.well-known/openid-configuration"
        assert client.get(path).get_json()["issuer"] == scenario["issuer"]


def test_every_fault_is_applied_by_some_scenario():
    applied = {fault_id for scenario in SCENARIOS.values() for fault_id in scenario.faults}

    assert applied == set(FAULTS)


# ID token faults


def test_bad_signature_id_token_does_not_verify_with_the_jwks(flows):
    id_token = _id_token(flows, "bad-signature")

    with pytest.raises(BadSignatureError):
        decode_jwt(flows.client, id_token, prefix=_prefix("bad-signature"))
    decode_jwt(flows.client, _id_token(flows))  # the default issuer's still verifies


def test_alg_none_id_token_has_alg_none_and_an_empty_signature(flows):
    id_token = _id_token(flows, "alg-none")

    assert _header(id_token)["alg"] == "none"
    assert id_token.endswith(".")  # header.payload. and no signature
    assert id_token.count(".") == 2
    assert decode_jwt(flows.client, _id_token(flows))[0]["alg"] == "RS256"


def test_unknown_kid_names_a_key_the_jwks_never_lists(flows):
    kid = _header(_id_token(flows, "unknown-kid"))["kid"]

    for _ in range(2):  # a correct client fetches the JWKS again once
        kids = {key.kid for key in _jwks(flows, "unknown-kid").keys}
        assert kids
        assert kid not in kids
    header, _ = decode_jwt(flows.client, _id_token(flows))
    assert header["kid"] in {key.kid for key in _jwks(flows).keys}


def test_wrong_issuer_id_token_verifies_but_names_the_default_issuer(flows):
    _, claims = decode_jwt(flows.client, _id_token(flows, "wrong-issuer"), _prefix("wrong-issuer"))

    assert claims["iss"] == ISSUER
    assert ISSUER + _prefix("wrong-issuer") != claims["iss"]
    assert decode_jwt(flows.client, _id_token(flows))[1]["iss"] == ISSUER


def test_expired_id_token_expires_before_it_was_issued(flows):
    prefix = _prefix("expired-id-token")
    _, claims = decode_jwt(flows.client, _id_token(flows, "expired-id-token"), prefix)

    assert claims["exp"] == claims["iat"] - 3600
    _, default = decode_jwt(flows.client, _id_token(flows))
    assert default["exp"] > default["iat"]


def test_nonce_mismatch_id_token_carries_another_nonce(flows):
    prefix = _prefix("nonce-mismatch")
    _, claims = decode_jwt(flows.client, _id_token(flows, "nonce-mismatch"), prefix)

    assert claims["nonce"] != "nonce-456"  # the nonce authorize_url sends
    assert decode_jwt(flows.client, _id_token(flows))[1]["nonce"] == "nonce-456"


# The authorization response's iss (RFC 9207)


def test_iss_mismatch_authorization_response_names_another_issuer(flows):
    response = redirect_params(flows.authorize(pkce=Pkce.new(), prefix=_prefix("iss-mismatch")))

    assert "code" in response
    assert response["iss"] == ISSUER != ISSUER + _prefix("iss-mismatch")


def test_iss_mismatch_error_responses_also_name_another_issuer(flows):
    prefix = _prefix("iss-mismatch")
    response = redirect_params(
        flows.authorize(pkce=Pkce.new(), scope="openid no-such-scope", prefix=prefix)
    )

    assert response["error"] == "invalid_scope"
    assert response["iss"] == ISSUER


def test_other_issuers_send_their_own_iss_in_the_authorization_response(flows):
    elsewhere = redirect_params(flows.authorize(pkce=Pkce.new(), prefix=_prefix("wrong-audience")))
    default = redirect_params(flows.authorize(pkce=Pkce.new()))

    assert elsewhere["iss"] == ISSUER + _prefix("wrong-audience")
    assert default["iss"] == ISSUER


# Sign-in


def test_login_required_issuer_ignores_auto_login_for_prompt_none(flows):
    prefix = _prefix("login-required")
    response = redirect_params(flows.authorize(pkce=Pkce.new(), prompt="none", prefix=prefix))

    assert response["error"] == "login_required"
    assert response["iss"] == ISSUER + prefix
    assert "code" in redirect_params(flows.authorize(pkce=Pkce.new(), prompt="none"))


def test_login_required_issuer_ignores_a_sign_in_made_at_another_issuer(flows):
    flows.tokens()  # alice is now signed in at the default issuer, in this browser

    prefix = _prefix("login-required")
    response = redirect_params(flows.authorize(pkce=Pkce.new(), prompt="none", prefix=prefix))

    assert response["error"] == "login_required"


def test_login_required_issuer_shows_its_sign_in_page_without_prompt_none(flows):
    response = flows.authorize(pkce=Pkce.new(), prefix=_prefix("login-required"))

    assert response.status_code == 200
    assert "Sign in as alice" in button_names(response)


# Token lifetimes


def test_expired_access_token_issuer_gives_tokens_the_api_refuses_at_once(flows):
    prefix = _prefix("expired-access-token")
    tokens = flows.tokens("web-app", prefix=prefix)

    response = flows.client.get(f"{prefix}/userinfo", headers=bearer(tokens["access_token"]))

    assert tokens["expires_in"] == 0
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    default = flows.tokens()
    assert default["expires_in"] > 0
    assert flows.client.get("/userinfo", headers=bearer(default["access_token"])).status_code == 200


def test_expired_refresh_token_issuer_refuses_the_first_refresh(flows):
    prefix = _prefix("refresh-token-expired")
    tokens = flows.tokens("web-app", prefix=prefix)

    response = _refresh(flows, tokens["refresh_token"], prefix)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "expired" in response.get_json()["error_description"]
    assert _refresh(flows, flows.tokens()["refresh_token"]).status_code == 200


# The default issuer beside every fault


@pytest.mark.parametrize("fault_id", sorted(FAULTS))
def test_default_issuer_stays_spec_faithful_after_a_fault_scenario_ran(flows, fault_id):
    scenario = next(s for s in SCENARIOS.values() if fault_id in s.faults)
    flows.authorize(pkce=Pkce.new(), prefix=_prefix(scenario.id))

    authorization = redirect_params(flows.authorize(pkce=Pkce.new(), prompt="none"))
    tokens = flows.tokens()
    header, claims = decode_jwt(flows.client, tokens["id_token"])

    assert authorization["iss"] == ISSUER
    assert header["alg"] == "RS256"
    assert (claims["iss"], claims["aud"], claims["nonce"]) == (ISSUER, "web-app", "nonce-456")
    assert claims["exp"] > claims["iat"]
    assert flows.client.get("/userinfo", headers=bearer(tokens["access_token"])).status_code == 200
    assert _refresh(flows, tokens["refresh_token"]).status_code == 200

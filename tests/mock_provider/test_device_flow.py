"""The device authorization grant (RFC 8628) for tv-app, a public client."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import (
    BOB_PASSWORD,
    ISSUER,
    advance_clock,
    button_names,
    decode_jwt,
    html,
    submit,
)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _start(client, scope: str = "openid profile") -> dict:
    response = client.post("/device_authorization", data={"client_id": "tv-app", "scope": scope})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _poll(client, device_code: str):
    return client.post(
        "/token",
        data={"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": "tv-app"},
    )


def _decide(client, user_code: str, action: str):
    """The person types the code, signs in as alice, and approves or denies."""
    entered = submit(client, client.get("/device"), user_code=user_code)
    assert html(entered).h1.get_text() == "Sign in"
    signed_in = submit(client, entered, username="alice")
    assert html(signed_in).h1.get_text() == "Approve the device?"
    assert html(signed_in).select_one(".user-code").get_text() == user_code
    return submit(client, signed_in, action=action)


def test_device_authorization_returns_codes_and_where_to_enter_them(client):
    body = _start(client)

    assert body["device_code"]
    assert body["user_code"]
    assert body["verification_uri"] == f"{ISSUER}/device"
    complete = urlsplit(body["verification_uri_complete"])
    assert body["verification_uri_complete"].startswith(body["verification_uri"])
    assert parse_qs(complete.query)["user_code"] == [body["user_code"]]
    assert body["expires_in"] == 600
    assert body["interval"] == 5


def test_device_authorization_is_refused_to_a_client_without_the_device_grant(client):
    response = client.post("/device_authorization", data={"client_id": "spa"})

    assert response.status_code == 400
    assert "device_code grant" in response.get_json()["error_description"]


def test_polling_before_the_user_decides_is_authorization_pending(client):
    body = _start(client)

    response = _poll(client, body["device_code"])

    assert response.status_code == 400
    assert response.get_json()["error"] == "authorization_pending"
    assert "has not approved or denied" in response.get_json()["error_description"]


def test_polling_again_at_once_is_slow_down_and_the_interval_grows_by_five(client):
    body = _start(client)
    _poll(client, body["device_code"])

    response = _poll(client, body["device_code"])

    assert response.status_code == 400
    assert response.get_json()["error"] == "slow_down"
    assert "the interval is now 10 s" in response.get_json()["error_description"]
    pending = client.get("/control/state").get_json()["pending_device_codes"]
    assert [p["interval"] for p in pending] == [body["interval"] + 5]  # RFC 8628 §3.5


def test_state_view_lists_only_device_codes_still_pending(app, client):
    expired = _start(client)["user_code"]
    advance_clock(client, 601)
    denied, approved, undecided = (_start(client)["user_code"] for _ in range(3))
    _decide(app.test_client(), denied, "deny")  # each person in a browser of their own
    _decide(app.test_client(), approved, "approve")

    pending = client.get("/control/state").get_json()["pending_device_codes"]

    decisions = {p["user_code"]: p["decision"] for p in pending}
    assert expired not in decisions
    assert decisions == {approved: "approved", undecided: None}


def test_polling_after_waiting_the_interval_is_not_slowed_down(client):
    body = _start(client)
    _poll(client, body["device_code"])
    advance_clock(client, body["interval"] + 1)

    response = _poll(client, body["device_code"])

    assert response.get_json()["error"] == "authorization_pending"


def test_user_page_asks_for_the_code(client):
    response = client.get("/device")

    assert response.status_code == 200
    assert html(response).find("label", attrs={"for": "user_code"}) is not None
    assert "Continue" in button_names(response)


def test_unknown_user_code_is_reported_on_the_page(client):
    response = submit(client, client.get("/device"), user_code="ZZZZ-ZZZZ")

    assert response.status_code == 400
    assert "unknown or has expired" in html(response).select_one('[role="alert"]').get_text()


@pytest.mark.parametrize("password", ["", "wrong"])
def test_signing_in_as_bob_on_the_device_page_needs_his_password(client, password):
    user_code = _start(client)["user_code"]
    entered = submit(client, client.get("/device"), user_code=user_code)

    refused = submit(client, entered, username="bob", password=password)

    assert html(refused).h1.get_text() == "Sign in"
    assert "That username and password do not match a seeded user." in refused.get_data(
        as_text=True
    )
    signed_in = submit(client, refused, username="bob", password=BOB_PASSWORD)
    assert html(signed_in).h1.get_text() == "Approve the device?"


def test_approved_device_gets_tokens_on_its_next_poll(client):
    body = _start(client)
    _poll(client, body["device_code"])

    done = _decide(client, body["user_code"], "approve")
    advance_clock(client, body["interval"] + 1)
    response = _poll(client, body["device_code"])

    assert html(done).h1.get_text() == "Device approved"
    tokens = response.get_json()
    assert response.status_code == 200, tokens
    assert tokens["access_token"]
    assert tokens["refresh_token"]
    _, claims = decode_jwt(client, tokens["id_token"])
    assert claims["aud"] == "tv-app"
    assert claims["iss"] == ISSUER
    assert claims["sub"] == "248289761001"


@pytest.mark.parametrize("typed", ["{code}", "{lower_without_dash}", " {lower_with_space} "])
def test_the_user_code_may_be_typed_in_lowercase_without_its_dash(client, typed):
    body = _start(client)
    code = body["user_code"]  # two groups of four letters, such as WDJB-MJHT
    typed = typed.format(
        code=code,
        lower_without_dash=code.replace("-", "").lower(),
        lower_with_space=code.replace("-", " ").lower(),
    )

    entered = submit(client, client.get("/device"), user_code=typed)
    signed_in = submit(client, entered, username="alice")

    assert html(signed_in).h1.get_text() == "Approve the device?"
    assert html(signed_in).select_one(".user-code").get_text() == code


def test_denied_device_gets_access_denied(client):
    body = _start(client)

    _decide(client, body["user_code"], "deny")
    response = _poll(client, body["device_code"])

    assert response.status_code == 400
    assert response.get_json()["error"] == "access_denied"


def test_expired_device_code_gets_expired_token(client):
    body = _start(client)
    advance_clock(client, body["expires_in"] + 1)

    response = _poll(client, body["device_code"])

    assert response.status_code == 400
    assert response.get_json()["error"] == "expired_token"
    assert "the device_code has expired" in response.get_json()["error_description"]


def test_device_code_is_single_use(client):
    body = _start(client)
    _decide(client, body["user_code"], "approve")
    assert _poll(client, body["device_code"]).status_code == 200
    advance_clock(client, body["interval"] + 1)

    response = _poll(client, body["device_code"])

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize("action", ["approve", "deny"])
def test_a_decided_code_cannot_be_decided_again(client, action):
    body = _start(client)
    _decide(client, body["user_code"], action)

    response = submit(client, client.get("/device"), user_code=body["user_code"])

    assert response.status_code == 400
    alert = html(response).select_one('[role="alert"]').get_text()
    assert "already been" in alert


def test_device_code_from_another_provider_is_rejected(client):
    response = _poll(client, "not-a-device-code")

    assert response.status_code == 400
    assert "not issued by this provider" in response.get_json()["error_description"]


def test_polling_as_a_client_without_the_device_grant_is_unauthorized_client_naming_grant_type(
    client,
):
    body = _start(client)

    response = client.post(
        "/token",
        data={"grant_type": DEVICE_GRANT, "device_code": body["device_code"], "client_id": "spa"},
    )

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "unauthorized_client",
        "error_description": f"client 'spa' is not registered for grant_type={DEVICE_GRANT}; it "
        "may use: authorization_code, refresh_token (RFC 6749 section 5.2)",
    }


def test_polling_another_clients_device_code_is_invalid_grant_naming_both_clients(client):
    registered = client.post(
        "/register", json={"grant_types": [DEVICE_GRANT], "token_endpoint_auth_method": "none"}
    )
    other = registered.get_json()["client_id"]
    body = _start(client)

    response = client.post(
        "/token",
        data={"grant_type": DEVICE_GRANT, "device_code": body["device_code"], "client_id": other},
    )

    # RFC 6749 §5.2: a grant "issued to another client" is invalid_grant.
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_grant",
        "error_description": f"device_code was issued to client 'tv-app', not to client "
        f"'{other}' (RFC 6749 section 5.2)",
    }


def test_a_device_code_issued_at_the_root_issuer_is_refused_at_a_scenarios_token_endpoint(client):
    body = _start(client)

    response = client.post(
        "/scenarios/wrong-audience/token",
        data={
            "grant_type": DEVICE_GRANT,
            "device_code": body["device_code"],
            "client_id": "tv-app",
        },
    )
    entered = submit(
        client, client.get("/scenarios/wrong-audience/device"), user_code=body["user_code"]
    )

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "poll that issuer's token endpoint" in response.get_json()["error_description"]
    assert "is unknown or has expired" in html(entered).get_text()


def test_a_device_may_ask_for_a_token_for_a_declared_api_with_resource(client):
    api = "http://127.0.0.1:8080"  # declared in the seed's [resources]
    body = client.post(
        "/device_authorization",
        data={"client_id": "tv-app", "scope": "openid photos.read", "resource": api},
    ).get_json()
    _decide(client, body["user_code"], "approve")

    response = _poll(client, body["device_code"])

    assert response.status_code == 200, response.get_json()
    assert decode_jwt(client, response.get_json()["access_token"])[1]["aud"] == api


def test_device_authorization_naming_an_unknown_resource_is_invalid_target(client):
    response = client.post(
        "/device_authorization",
        data={"client_id": "tv-app", "resource": "https://elsewhere.test/api"},
    )

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_target"
    assert "https://elsewhere.test/api" in response.get_json()["error_description"]

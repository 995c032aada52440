"""Tokens after issue: refresh, userinfo, revocation, introspection and the demo API."""

from __future__ import annotations

import pytest

from .conftest import BACKEND_SECRET, WEB_APP_SECRET, advance_clock, basic, bearer

THIRTY_DAYS = 30 * 24 * 3600


def _userinfo(flows, access_token: str):
    return flows.client.get("/userinfo", headers=bearer(access_token))


def _revoke(flows, token: str, **extra: str):
    return flows.client.post(
        "/revoke", data={"token": token, **extra}, headers=basic("web-app", WEB_APP_SECRET)
    )


def _post_as_web_app(flows, path: str, form: dict[str, str]):
    """POST `form` to `path`, authenticated as web-app."""
    return flows.client.post(path, data=form, headers=basic("web-app", WEB_APP_SECRET))


def _introspect(flows, token: str, client_id: str = "web-app", secret: str = WEB_APP_SECRET):
    response = flows.client.post(
        "/introspect", data={"token": token}, headers=basic(client_id, secret)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _backend_token(flows, scope: str = "photos.read photos.write") -> str:
    response = flows.client.post(
        "/token",
        data={"grant_type": "client_credentials", "scope": scope},
        headers=basic("backend-service", BACKEND_SECRET),
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


# Refresh (RFC 6749 §6, RFC 9700 §4.14.2)


def test_each_refresh_returns_a_new_refresh_token(flows):
    first = flows.tokens()

    second = flows.refresh(first["refresh_token"]).get_json()
    third = flows.refresh(second["refresh_token"]).get_json()

    refresh_tokens = [first["refresh_token"], second["refresh_token"], third["refresh_token"]]
    assert len(set(refresh_tokens)) == 3
    assert third["access_token"] != second["access_token"]


def test_refreshed_access_token_works(flows):
    first = flows.tokens()

    second = flows.refresh(first["refresh_token"]).get_json()

    assert _userinfo(flows, second["access_token"]).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_grant(flows):
    first = flows.tokens()
    newest = flows.refresh(first["refresh_token"]).get_json()

    reuse = flows.refresh(first["refresh_token"])

    assert reuse.status_code == 400
    assert reuse.get_json()["error"] == "invalid_grant"
    assert "already exchanged" in reuse.get_json()["error_description"]
    assert flows.refresh(newest["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert _userinfo(flows, newest["access_token"]).status_code == 401
    assert _userinfo(flows, first["access_token"]).status_code == 401


@pytest.mark.parametrize("narrowed_first", [False, True], ids=["at-once", "after-narrowing"])
def test_refresh_asking_for_a_scope_the_user_never_granted_is_invalid_scope_naming_it(
    flows, narrowed_first
):
    refresh_token = flows.tokens(scope="openid profile")["refresh_token"]
    if narrowed_first:
        refresh_token = flows.refresh(refresh_token, scope="openid").get_json()["refresh_token"]

    response = flows.refresh(refresh_token, scope="openid profile email")

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_scope",
        "error_description": "scope 'email' was not granted: the user granted "
        "'openid profile', and a refresh may only keep or narrow the granted scope; ask for "
        "more in a new authorization request (RFC 6749 section 6)",
    }


def test_refresh_asking_for_scopes_never_granted_or_unknown_names_each_of_them(flows):
    first = flows.tokens(scope="openid profile")

    response = flows.refresh(first["refresh_token"], scope="openid email no-such-scope")

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_scope",
        "error_description": "scopes 'email', 'no-such-scope' (unknown to this provider) were "
        "not granted: the user granted 'openid profile', and a refresh may only keep or narrow "
        "the granted scope; ask for more in a new authorization request "
        "(RFC 6749 section 6)",
    }


def test_refresh_may_narrow_the_scope(flows):
    first = flows.tokens(scope="openid profile email")

    response = flows.refresh(first["refresh_token"], scope="openid")

    assert response.status_code == 200
    assert response.get_json()["scope"] == "openid"


def test_refresh_after_a_narrower_one_may_ask_back_a_scope_the_user_granted(flows):
    first = flows.tokens(scope="openid profile email")
    narrowed = flows.refresh(first["refresh_token"], scope="openid").get_json()

    response = flows.refresh(narrowed["refresh_token"], scope="openid profile")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["scope"] == "openid profile"


def test_refresh_without_scope_after_a_narrower_one_gets_the_scope_the_user_granted(flows):
    first = flows.tokens(scope="openid profile email")
    narrowed = flows.refresh(first["refresh_token"], scope="openid").get_json()

    response = flows.refresh(narrowed["refresh_token"])

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["scope"] == "openid profile email"


def test_expired_refresh_token_is_invalid_grant(flows):
    first = flows.tokens()
    advance_clock(flows.client, THIRTY_DAYS + 1)

    response = flows.refresh(first["refresh_token"])

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "expired" in response.get_json()["error_description"]


def test_another_client_presenting_a_rotated_refresh_token_does_not_revoke_the_owners_grant(
    flows,
):
    first = flows.tokens()
    second = flows.refresh(first["refresh_token"]).get_json()

    stranger = flows.refresh(first["refresh_token"], client_id="spa")
    owner = flows.refresh(second["refresh_token"])

    assert stranger.status_code == 400
    assert (
        "was issued to client 'web-app', not to this one"
        in stranger.get_json()["error_description"]
    )
    assert owner.status_code == 200


def test_refresh_token_of_another_client_is_rejected(flows):
    first = flows.tokens("spa")

    response = flows.refresh(first["refresh_token"], "web-app")

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "issued to client 'spa'" in response.get_json()["error_description"]


# Userinfo (OIDC Core §5.3)


def test_userinfo_returns_the_claims_the_scopes_allow(flows):
    tokens = flows.tokens(scope="openid email")

    response = _userinfo(flows, tokens["access_token"])

    assert response.status_code == 200
    assert response.get_json() == {
        "sub": "248289761001",
        "email": "alice@example.com",
        "email_verified": True,
    }


def test_userinfo_rejects_an_expired_access_token(flows):
    tokens = flows.tokens()
    advance_clock(flows.client, tokens["expires_in"] + 1)

    response = _userinfo(flows, tokens["access_token"])

    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert "expired" in response.get_json()["error_description"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert 'error="invalid_token"' in challenge


@pytest.mark.parametrize("path", ["/userinfo", "/api/photos"])
def test_a_refresh_token_sent_as_a_bearer_token_is_refused_as_invalid_token(flows, path):
    tokens = flows.tokens(scope="openid profile photos.read")

    response = flows.client.get(path, headers=bearer(tokens["refresh_token"]))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.get_json()["error_description"] == (
        "this is a refresh token, which only the token endpoint accepts; send the access_token "
        "instead (RFC 6749 section 1.5)"
    )


def test_an_access_token_sent_as_a_refresh_token_is_invalid_grant(flows):
    tokens = flows.tokens()

    response = flows.refresh(tokens["access_token"])

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "this is an access token" in response.get_json()["error_description"]


def test_userinfo_without_a_token_is_401(flows):
    response = flows.client.get("/userinfo")

    assert response.status_code == 401
    # RFC 7235 §2.1: the scheme name is case-insensitive.
    assert response.headers["WWW-Authenticate"].split()[0].lower() == "bearer"


# Revocation (RFC 7009)


def test_revoked_access_token_no_longer_opens_userinfo(flows):
    tokens = flows.tokens()

    response = _revoke(flows, tokens["access_token"])

    assert response.status_code == 200
    assert _userinfo(flows, tokens["access_token"]).status_code == 401
    assert "revoked" in _userinfo(flows, tokens["access_token"]).get_json()["error_description"]


def test_revoking_a_refresh_token_revokes_the_grant(flows):
    tokens = flows.tokens()

    response = _revoke(flows, tokens["refresh_token"], token_type_hint="refresh_token")

    assert response.status_code == 200
    assert flows.refresh(tokens["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert _userinfo(flows, tokens["access_token"]).status_code == 401


def test_revoking_an_unknown_token_still_answers_200(flows):
    response = _revoke(flows, "never-issued")

    assert response.status_code == 200  # RFC 7009 §2.2


def test_revocation_needs_client_authentication(flows):
    tokens = flows.tokens()

    response = flows.client.post(
        "/revoke", data={"token": tokens["access_token"]}, headers=basic("web-app", "wrong")
    )

    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert _userinfo(flows, tokens["access_token"]).status_code == 200


@pytest.mark.parametrize(
    ("action", "spec"), [("revoke", "RFC 7009 section 2.1"), ("introspect", "RFC 7662 section 2.1")]
)
def test_revocation_or_introspection_without_a_token_parameter_is_invalid_request_saying_so(
    flows, action, spec
):
    response = _post_as_web_app(flows, f"/{action}", {"token_type_hint": "access_token"})

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_request",
        "error_description": f"token is missing: send the token to {action} in the token form "
        f"field ({spec})",
    }


def test_revoking_another_clients_token_is_refused_naming_both_clients(flows):
    spa_tokens = flows.tokens("spa")

    response = _revoke(flows, spa_tokens["access_token"])

    # RFC 7009 §2.1: the request is refused, with an RFC 6749 §5.2 error (§2.2.1).
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_grant",
        "error_description": "the token was issued to client 'spa', not to client 'web-app'; a "
        "client may revoke only its own tokens (RFC 7009 section 2.1)",
    }
    assert _userinfo(flows, spa_tokens["access_token"]).status_code == 200


# Introspection (RFC 7662)


def test_introspection_describes_the_clients_own_active_token(flows):
    tokens = flows.tokens(scope="openid profile")

    body = _introspect(flows, tokens["access_token"])

    assert body["active"] is True
    assert body["scope"] == "openid profile"
    assert body["client_id"] == "web-app"
    assert body["sub"] == "248289761001"
    assert body["exp"] == body["iat"] + tokens["expires_in"]


def test_introspection_reports_another_clients_token_as_inactive(flows):
    tokens = flows.tokens()

    body = _introspect(flows, tokens["access_token"], "backend-service", BACKEND_SECRET)

    assert body == {"active": False}


@pytest.mark.parametrize("how", ["revoked", "expired"])
def test_introspection_reports_a_dead_token_as_inactive(flows, how):
    tokens = flows.tokens()
    if how == "revoked":
        _revoke(flows, tokens["access_token"])
    else:
        advance_clock(flows.client, tokens["expires_in"] + 1)

    body = _introspect(flows, tokens["access_token"])

    assert body == {"active": False}


def test_a_refresh_token_stays_active_after_its_access_token_expires_until_its_own_expiry(flows):
    tokens = flows.tokens()
    advance_clock(flows.client, tokens["expires_in"] + 1)

    access = _introspect(flows, tokens["access_token"])
    refresh = _introspect(flows, tokens["refresh_token"])

    assert access == {"active": False}
    assert refresh["active"] is True
    assert refresh["exp"] == refresh["iat"] + 30 * 24 * 3600  # seed.toml: refresh_token


def test_a_rotated_refresh_token_is_reported_inactive(flows):
    tokens = flows.tokens()
    rotated = flows.client.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=basic("web-app", WEB_APP_SECRET),
    )
    assert rotated.status_code == 200

    assert _introspect(flows, tokens["refresh_token"]) == {"active": False}
    assert _introspect(flows, rotated.get_json()["refresh_token"])["active"] is True


# The demo photos API (RFC 6750)


def test_photos_are_listed_with_a_photos_read_token(flows):
    tokens = flows.tokens(scope="openid photos.read")

    response = flows.client.get("/api/photos", headers=bearer(tokens["access_token"]))

    assert response.status_code == 200
    assert len(response.get_json()["photos"]) == 3


def test_adding_a_photo_with_a_read_only_token_is_403_insufficient_scope(flows):
    tokens = flows.tokens(scope="openid photos.read")

    response = flows.client.post(
        "/api/photos", data={"title": "Cat"}, headers=bearer(tokens["access_token"])
    )

    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
    assert 'scope="photos.write"' in response.headers["WWW-Authenticate"]


def test_adding_a_photo_with_photos_write_is_201(flows):
    token = _backend_token(flows)

    response = flows.client.post("/api/photos", data={"title": "Cat"}, headers=bearer(token))

    assert response.status_code == 201
    assert response.get_json()["photo"]["title"] == "Cat"


def test_photos_without_a_token_is_401(flows):
    response = flows.client.get("/api/photos")

    assert response.status_code == 401
    # RFC 7235 §2.1: the scheme name is case-insensitive.
    assert response.headers["WWW-Authenticate"].split()[0].lower() == "bearer"


def test_photos_with_a_token_lacking_photos_read_is_403(flows):
    tokens = flows.tokens(scope="openid profile")

    response = flows.client.get("/api/photos", headers=bearer(tokens["access_token"]))

    assert response.status_code == 403
    assert 'scope="photos.read"' in response.headers["WWW-Authenticate"]


def test_an_unknown_token_type_hint_is_ignored_at_revocation_and_noted_in_the_log(flows):
    tokens = flows.tokens()

    response = _revoke(flows, tokens["access_token"], token_type_hint="id_token")

    assert response.status_code == 200  # RFC 7009 §2.2: the hint does not change the answer
    assert _userinfo(flows, tokens["access_token"]).status_code == 401
    entry = flows.client.get("/control/log?limit=2").get_json()["entries"][1]
    assert entry["request"] == "POST /revoke"
    assert {
        "check": "token_type_hint known",
        "passed": False,
        "detail": "'id_token' is not access_token or refresh_token; ignored, both kinds of token "
        "are searched (RFC 7009 §2.2)",
    } in entry["checks"]


def test_an_unknown_token_type_hint_is_ignored_at_introspection(flows):
    tokens = flows.tokens()

    response = _post_as_web_app(
        flows, "/introspect", {"token": tokens["refresh_token"], "token_type_hint": "mac"}
    )

    assert response.status_code == 200
    assert response.get_json()["active"] is True

"""Dynamic client registration (RFC 7591) and RP-initiated logout (OIDC RP-Initiated Logout 1.0)."""

from __future__ import annotations

import pytest

from .conftest import (
    POST_LOGOUT_URI,
    REDIRECT_URI,
    Flows,
    Pkce,
    advance_clock,
    authorize_url,
    basic,
    button_names,
    html,
    redirect_params,
    sign_in,
    submit,
)

CLIENT_CB = "https://client.test/cb"


def _register(client, **metadata):
    body = {"client_name": "Registered in a test", "redirect_uris": [CLIENT_CB], **metadata}
    return client.post("/register", json=body)


def _problem(response) -> str:
    """The error a logout page shows, as the person reads it."""
    return " ".join(html(response).select_one(".problem").get_text().split())


def _code_for(flows: Flows, client_id: str, pkce: Pkce | None = None) -> str:
    params = redirect_params(
        flows.authorize(client_id, scope="openid", pkce=pkce, redirect_uri=CLIENT_CB)
    )
    return params["code"]


# Registration


def test_registration_returns_a_client_id_and_secret(flows):
    response = _register(flows.client, grant_types=["authorization_code"])

    body = response.get_json()
    assert response.status_code == 201
    assert body["client_id"]
    assert body["client_secret"]
    assert body["redirect_uris"] == [CLIENT_CB]


def test_registered_client_completes_a_flow(flows):
    registered = _register(flows.client, scope="openid profile").get_json()
    code = _code_for(flows, registered["client_id"])

    response = flows.client.post(
        "/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CLIENT_CB},
        headers=basic(registered["client_id"], registered["client_secret"]),
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id_token"]


def test_public_registration_has_no_secret_and_uses_pkce(flows):
    registered = _register(flows.client, token_endpoint_auth_method="none").get_json()
    pkce = Pkce.new()
    code = _code_for(flows, registered["client_id"], pkce)

    response = flows.client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CLIENT_CB,
            "client_id": registered["client_id"],
            "code_verifier": pkce.verifier,
        },
    )

    assert "client_secret" not in registered
    assert registered["token_endpoint_auth_method"] == "none"
    assert response.status_code == 200, response.get_json()


def test_registration_without_redirect_uris_for_the_code_grant_is_invalid_redirect_uri(flows):
    response = flows.client.post(
        "/register", json={"client_name": "No callback", "grant_types": ["authorization_code"]}
    )

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_redirect_uri",
        "error_description": "redirect_uris is missing: a client of the authorization_code "
        "grant must register at least one, such as https://client.test/cb (RFC 7591 section 2, "
        "RFC 6749 section 3.1.2.2)",
    }


@pytest.mark.parametrize(
    "redirect_uris",
    [["/cb"], ["not a uri"], ["https://provider.test@client.test/cb"], ["https://[::1/cb"]],
    ids=["relative", "not-a-uri", "userinfo", "unclosed-bracket"],
)
def test_registration_with_a_malformed_redirect_uri_is_invalid_redirect_uri_naming_it(
    flows, redirect_uris
):
    response = _register(flows.client, redirect_uris=redirect_uris)

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_redirect_uri",
        "error_description": "redirect_uris must be a list of absolute URIs, each with a host "
        "and without a fragment, such as https://client.test/cb; got "
        f"'{redirect_uris[-1]}' (RFC 7591 section 2, RFC 6749 section 3.1.2)",
    }


@pytest.mark.parametrize("fragment", ["#done", "#"], ids=["fragment", "empty-fragment"])
def test_registration_with_a_fragment_in_a_redirect_uri_is_invalid_redirect_uri_naming_it(
    flows, fragment
):
    uri = CLIENT_CB + fragment

    response = _register(flows.client, redirect_uris=[CLIENT_CB, uri])

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_redirect_uri",
        "error_description": f"redirect_uris: '{uri}' has a fragment (#), which a redirection "
        "endpoint URI must not have (RFC 6749 section 3.1.2)",
    }


@pytest.mark.parametrize(
    "uri",
    [
        "javascript://client.test/%0aalert(document.cookie)",
        "data://client.test/text/html,hello",
        "file://client.test/etc/passwd",
        "myapp://callback",
    ],
)
def test_registration_with_a_scheme_no_client_may_use_is_invalid_redirect_uri_naming_it(flows, uri):
    response = _register(flows.client, redirect_uris=[uri])

    scheme = uri.split(":")[0]
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_redirect_uri",
        "error_description": f"redirect_uris: '{uri}' uses the scheme {scheme}, which no "
        "client may register; use https, http, or for a native app a private-use scheme "
        "named after a domain it controls, reversed, such as com.example.app:/callback "
        "(RFC 6749 section 3.1.2, RFC 8252 section 7.1)",
    }


@pytest.mark.parametrize(
    "uri", ["javascript://client.test/%0aalert(1)", "file://client.test/x", "com.example.app:/out"]
)
def test_registration_with_a_post_logout_redirect_uri_not_in_http_is_refused_naming_it(flows, uri):
    response = _register(flows.client, post_logout_redirect_uris=[uri])

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_client_metadata",
        "error_description": f"post_logout_redirect_uris: '{uri}' uses the scheme "
        f"{uri.split(':')[0]}; use https, or http for a confidential client (RP-Initiated "
        "Logout section 3.1)",
    }


@pytest.mark.parametrize("uri", ["com.example.app:/callback", "com.example.app://callback"])
def test_native_app_registers_a_private_use_scheme_and_gets_its_code_there(flows, uri):
    registered = _register(
        flows.client, redirect_uris=[uri], token_endpoint_auth_method="none"
    ).get_json()

    response = flows.authorize(
        registered["client_id"], scope="openid", pkce=Pkce.new(), redirect_uri=uri
    )

    assert registered["redirect_uris"] == [uri]
    assert response.headers["Location"].startswith(f"{uri}?code=")


def test_registration_with_unknown_scopes_names_them_and_the_supported_ones(flows):
    response = _register(flows.client, scope="openid photos.delete admin")

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_client_metadata",
        "error_description": "scope 'photos.delete admin' is not supported by this provider, "
        "which supports openid, profile, email, photos.read, photos.write (its "
        "scopes_supported; RFC 7591 section 2)",
    }


@pytest.mark.parametrize(
    ("field", "value", "sent", "supported"),
    [
        ("grant_types", ["password"], "password", "grant_types_supported"),
        ("response_types", ["token"], "token", "response_types_supported"),
        (
            "token_endpoint_auth_method",
            "private_key_jwt",
            "private_key_jwt",
            "token_endpoint_auth_methods_supported",
        ),
    ],
    ids=["grant_types", "response_types", "token_endpoint_auth_method"],
)
def test_registration_with_an_unsupported_value_names_it_and_the_discovery_member(
    flows, field, value, sent, supported
):
    listed = ", ".join(flows.client.get("/.well-known/openid-configuration").get_json()[supported])

    response = _register(flows.client, **{field: value})

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_client_metadata",
        "error_description": f"{field} '{sent}' is not supported by this provider, which "
        f"supports {listed} (its {supported}; RFC 7591 section 2)",
    }


def test_registration_of_a_public_client_for_client_credentials_is_refused(flows):
    response = flows.client.post(
        "/register",
        json={"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"},
    )

    # Such a client could never obtain a token; the config file refuses it too.
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_client_metadata",
        "error_description": "token_endpoint_auth_method none makes a public client, but only "
        "confidential clients may use the client_credentials grant (RFC 6749 section 4.4): "
        "register with client_secret_basic or client_secret_post, or leave client_credentials "
        "out of grant_types",
    }


def test_registration_with_a_malformed_post_logout_redirect_uri_names_it(flows):
    response = _register(flows.client, post_logout_redirect_uris=["nope"])

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_client_metadata",
        "error_description": "post_logout_redirect_uris must be a list of absolute URIs, each "
        "with a host and without a fragment; got 'nope' (RP-Initiated Logout section 3.1)",
    }


def test_registration_needs_a_json_body(flows):
    response = flows.client.post("/register", data={"client_name": "form"})

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_metadata"


# Logout


def test_logout_with_id_token_hint_returns_to_the_registered_uri_with_state(flows):
    id_token = flows.tokens()["id_token"]

    response = flows.client.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": POST_LOGOUT_URI,
            "state": "bye-1",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"{POST_LOGOUT_URI}?state=bye-1"


def test_logout_to_an_unregistered_uri_signs_out_without_redirecting(flows):
    id_token = flows.tokens()["id_token"]

    response = flows.client.get(
        "/logout",
        query_string={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": "https://evil.test/",
            "state": "bye-1",
        },
    )

    assert response.status_code == 200
    assert "Location" not in response.headers
    page = html(response)
    assert page.h1.get_text() == "You are signed out"
    assert "not a registered" in " ".join(page.get_text().split())


def test_logout_without_id_token_hint_asks_for_confirmation(flows):
    response = flows.client.get(
        "/logout", query_string={"post_logout_redirect_uri": POST_LOGOUT_URI}
    )

    assert response.status_code == 200
    assert "Location" not in response.headers
    assert html(response).h1.get_text() == "Sign out?"
    assert "Sign out" in button_names(response)


def test_logout_with_an_id_token_hint_from_elsewhere_is_rejected(flows):
    response = flows.client.get("/logout", query_string={"id_token_hint": "not.a.jwt"})

    assert response.status_code == 400
    assert html(response).h1.get_text() == "Logout request rejected"
    assert _problem(response) == (
        "invalid_request: id_token_hint was refused: it is not a JWT (Invalid header); send the "
        "id_token of a token response (RP-Initiated Logout section 2)"
    )


def test_logout_with_an_id_token_hint_whose_signature_does_not_verify_says_so(flows):
    header, payload, signature = flows.tokens()["id_token"].split(".")
    altered = "A" if signature[0] != "A" else "B"

    response = flows.client.get(
        "/logout", query_string={"id_token_hint": f"{header}.{payload}.{altered}{signature[1:]}"}
    )

    assert response.status_code == 400
    assert _problem(response) == (
        "invalid_request: id_token_hint was refused: its signature does not verify with this "
        "provider's keys (published at jwks_uri): the ID token was issued by another provider, "
        "or altered (RP-Initiated Logout section 2)"
    )


def test_after_logout_the_next_authorization_asks_to_sign_in(client):
    url = authorize_url(scope="openid")
    consent = sign_in(client, url, "alice")
    code = redirect_params(submit(client, consent, action="allow"))["code"]
    id_token = Flows(client).redeem(code).get_json()["id_token"]
    assert client.get(authorize_url(scope="openid")).status_code == 302  # still signed in

    client.get("/logout", query_string={"id_token_hint": id_token})
    response = client.get(authorize_url(scope="openid"))

    assert response.status_code == 200
    assert html(response).h1.get_text() == "Sign in"


def test_confirmed_logout_without_hint_signs_out(client):
    url = authorize_url(scope="openid")
    submit(client, sign_in(client, url, "alice"), action="allow")

    submit(client, client.get("/logout"), action="logout")
    response = client.get(authorize_url(scope="openid", redirect_uri=REDIRECT_URI))

    assert html(response).h1.get_text() == "Sign in"


def test_logout_accepts_an_id_token_issued_after_the_clock_was_advanced(flows):
    advance_clock(flows.client, 5 * 365 * 24 * 3600)
    id_token = flows.tokens()["id_token"]

    response = flows.client.get(
        "/logout",
        query_string={"id_token_hint": id_token, "post_logout_redirect_uri": POST_LOGOUT_URI},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == POST_LOGOUT_URI


def test_a_logout_request_sent_by_post_returns_to_the_registered_uri_after_confirmation(client):
    # RP-Initiated Logout §2: the request may come as a form POST, its parameters in the body.
    submit(client, sign_in(client, authorize_url(scope="openid"), "alice"), action="allow")
    request = {
        "client_id": "web-app",
        "post_logout_redirect_uri": POST_LOGOUT_URI,
        "state": "bye-2",
    }
    confirmation = client.post("/logout", data=request)

    response = submit(client, confirmation, action="logout")

    assert html(confirmation).h1.get_text() == "Sign out?"
    assert response.status_code == 302
    assert response.headers["Location"] == f"{POST_LOGOUT_URI}?state=bye-2"
    assert html(client.get(authorize_url(scope="openid"))).h1.get_text() == "Sign in"

"""Every error the provider must produce, as the client and the person at the browser see it.

RFC 6749 §4.1.2.1 splits authorization errors in two: an unknown client or an unverified
redirect_uri is shown to the person and never redirected; anything else goes back to the client
with error, error_description, state and (RFC 9207) iss. Token endpoint errors are JSON
(RFC 6749 §5.2); protected resources answer as RFC 6750 §3 says. Each test checks the status,
the error code, that the description names the offending value, and where the answer goes.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.oauth2.base import OAuth2Error
from bs4 import BeautifulSoup

REDIRECT_URI = "http://127.0.0.1:8000/callback"
# RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
DESCRIPTION_CHARS = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]*")


def basic(client_id: str, secret: str) -> dict[str, str]:
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


WEB_APP = basic("web-app", "web-app-secret")
BACKEND = basic("backend-service", "backend-service-secret")


def authorize(client, params: list[tuple[str, str]] | dict[str, str]):
    return client.get(f"/authorize?{urlencode(params)}")


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": "web-app",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "af0ifjsldkj",
    }
    return {**params, **overrides}


def wire_description(text: str) -> str:
    """An error_description as received; it must keep to RFC 6749's characters."""
    assert DESCRIPTION_CHARS.fullmatch(text), f"forbidden characters in {text!r}"
    return text


def redirected_error(response) -> dict[str, str]:
    """The error parameters of a redirect back to the client."""
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert "code" not in params
    wire_description(params["error_description"])
    return params


def json_error(response) -> dict[str, str]:
    """A JSON error body; its description must keep to RFC 6749's characters."""
    assert response.mimetype == "application/json"
    body = response.get_json()
    wire_description(body.get("error_description", ""))
    return body


def challenge_description(response) -> str | None:
    match = re.search(r'error_description="([^"]*)"', response.headers["WWW-Authenticate"])
    return wire_description(match.group(1)) if match else None


def page(response) -> BeautifulSoup:
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.data, "html.parser")


def text_of(element) -> str:
    return " ".join(element.get_text(" ").split())


# -- authorization endpoint: shown to the person, never redirected --------------------------------


def test_unknown_client_id_is_shown_on_a_page_naming_it_and_not_redirected(client):
    response = authorize(client, authorize_params(client_id="no-such-client"))

    assert response.status_code == 400
    assert "Location" not in response.headers
    problem = text_of(page(response).select_one(".problem"))
    assert problem.startswith("invalid_client")
    assert "client_id 'no-such-client' is not registered" in problem


def test_missing_client_id_is_shown_on_a_page_and_not_redirected(client):
    params = authorize_params()
    del params["client_id"]

    response = authorize(client, params)

    assert response.status_code == 400
    assert "Location" not in response.headers
    problem = text_of(page(response).select_one(".problem"))
    assert "client_id is missing" in problem


@pytest.mark.parametrize(
    ("received", "difference"),
    [
        pytest.param(
            "http://127.0.0.1:8000/callback/", "the path has a trailing slash", id="trailing-slash"
        ),
        pytest.param(
            "http://127.0.0.1:8001/callback", "the port is 8001, registered 8000", id="port"
        ),
        pytest.param(
            "https://127.0.0.1:8000/callback", "the scheme is https, registered http", id="scheme"
        ),
        pytest.param(
            "HTTP://127.0.0.1:8000/callback", "the scheme differs in letter case", id="scheme-case"
        ),
        pytest.param(
            "http://LOCALHOST:8000/callback",
            "the host is localhost, registered 127.0.0.1",
            id="host",
        ),
        pytest.param(
            "http://127.0.0.1:8000/cb", "the path is /cb, registered /callback", id="path"
        ),
        pytest.param(
            "http://evil.test/callback",
            "the host is evil.test, registered 127.0.0.1",
            id="elsewhere",
        ),
    ],
)
def test_redirect_uri_unlike_the_registered_one_is_shown_with_the_difference_not_redirected(
    client, received, difference
):
    response = authorize(client, authorize_params(redirect_uri=received))

    assert response.status_code == 400
    assert "Location" not in response.headers
    html = page(response)
    problem = text_of(html.select_one(".problem"))
    assert problem.startswith("invalid_request")
    assert received in problem
    rows = {text_of(row.th): text_of(row.td) for row in html.select("table.compare tr")}
    assert rows == {"Registered": REDIRECT_URI, "Received": received}
    assert difference in [text_of(item) for item in html.select("ul.differences li")]
    assert "RFC 6749 §3.1.2.4" in text_of(html)


# -- authorization endpoint: errors that go back to the client ------------------------------------


@pytest.mark.parametrize(
    ("params", "error", "description"),
    [
        pytest.param(
            authorize_params(scope="openid xyz"),
            "invalid_scope",
            "scope 'xyz' is unknown",
            id="unknown-scope",
        ),
        pytest.param(
            authorize_params(scope="openid photos.write"),
            "invalid_scope",
            "scope 'photos.write' is not registered for client 'web-app'",
            id="scope-not-registered-to-client",
        ),
        pytest.param(
            authorize_params(response_type="token"),
            "unsupported_response_type",
            "response_type 'token' is not supported",
            id="implicit-response-type",
        ),
        pytest.param(
            [*authorize_params().items(), ("state", "second-state")],
            "invalid_request",
            "state was sent more than once",
            id="repeated-state",
        ),
    ],
)
def test_authorization_error_for_a_verified_client_redirects_with_error_state_and_iss(
    client, config, params, error, description
):
    response = authorize(client, params)

    received = redirected_error(response)
    assert received["error"] == error
    assert description in received["error_description"]
    assert received["state"] == "af0ifjsldkj"
    assert received["iss"] == config.issuer


@pytest.mark.parametrize(
    ("parameter", "error", "description"),
    [
        pytest.param(
            "request",
            "request_not_supported",
            "request (a request object) was sent, but this provider does not support request "
            "objects (its discovery says request_parameter_supported false): send the "
            "authorization parameters in the query instead (OIDC Core section 6.1, "
            "section 3.1.2.6)",
            id="request",
        ),
        pytest.param(
            "request_uri",
            "request_uri_not_supported",
            "request_uri was sent, but this provider does not fetch request objects (its "
            "discovery says request_uri_parameter_supported false): send the authorization "
            "parameters in the query instead (OIDC Core section 6.2, section 3.1.2.6)",
            id="request_uri",
        ),
    ],
)
def test_request_object_is_refused_back_to_the_client_as_discovery_announces(
    client, config, parameter, error, description
):
    value = "eyJhbGciOiJub25lIn0.e30." if parameter == "request" else "https://client.test/r/1"
    discovery = client.get("/.well-known/openid-configuration").get_json()

    response = authorize(client, authorize_params(**{parameter: value}))

    assert discovery[f"{parameter}_parameter_supported"] is False
    assert redirected_error(response) == {
        "error": error,
        "error_description": description,
        "state": "af0ifjsldkj",
        "iss": config.issuer,
    }


def test_repeated_redirect_uri_is_shown_on_a_page_because_it_cannot_be_verified(client):
    params = [*authorize_params().items(), ("redirect_uri", "http://evil.test/callback")]

    response = authorize(client, params)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "redirect_uri was sent more than once" in text_of(page(response).select_one(".problem"))


# -- token endpoint: RFC 6749 §5.2 JSON -----------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "headers", "status", "error", "description"),
    [
        pytest.param(
            {"grant_type": "password", "username": "alice", "password": "x"},
            WEB_APP,
            400,
            "unsupported_grant_type",
            "grant_type=password is not supported",
            id="unsupported-grant-type",
        ),
        pytest.param(
            {"grant_type": "authorization_code", "redirect_uri": REDIRECT_URI},
            WEB_APP,
            400,
            "invalid_request",
            "code is missing",
            id="missing-code",
        ),
        pytest.param(
            {
                "grant_type": "authorization_code",
                "code": "bogus-code",
                "redirect_uri": REDIRECT_URI,
            },
            WEB_APP,
            400,
            "invalid_grant",
            "code 'bogus-code' was not issued to client 'web-app'",
            id="unknown-code",
        ),
        pytest.param(
            {"grant_type": "client_credentials"},
            WEB_APP,
            400,
            "unauthorized_client",
            "grant_type=client_credentials",
            id="grant-not-registered-to-client",
        ),
        pytest.param(
            {"grant_type": "client_credentials", "scope": "openid"},
            BACKEND,
            400,
            "invalid_scope",
            "scope 'openid' is not registered for client 'backend-service'",
            id="scope-not-registered-to-client",
        ),
        pytest.param(
            {"grant_type": "client_credentials", "scope": "xyz"},
            BACKEND,
            400,
            "invalid_scope",
            "scope 'xyz' is unknown",
            id="unknown-scope",
        ),
        pytest.param(
            {"grant_type": "authorization_code", "code": "bogus-code"},
            basic("web-app", "wrong-secret"),
            401,
            "invalid_client",
            "client_secret does not match the one registered for client 'web-app'",
            id="wrong-secret",
        ),
    ],
)
def test_token_endpoint_error_is_json_that_is_never_cached(
    client, form, headers, status, error, description
):
    response = client.post("/token", data=form, headers=headers)

    assert response.status_code == status
    body = json_error(response)
    assert body["error"] == error
    assert description in body["error_description"]
    assert "no-store" in response.headers["Cache-Control"]


def test_wrong_basic_credentials_get_401_with_a_basic_challenge(client):
    response = client.post(
        "/token",
        data={"grant_type": "authorization_code", "code": "bogus-code"},
        headers=basic("web-app", "wrong-secret"),
    )

    # RFC 6749 §5.2: with HTTP Basic, invalid_client is a 401 carrying WWW-Authenticate.
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert 'error="invalid_client"' in response.headers["WWW-Authenticate"]
    assert "client_secret does not match" in challenge_description(response)


def test_get_on_the_token_endpoint_is_a_json_405_naming_the_allowed_method(client):
    response = client.get("/token")

    assert response.status_code == 405
    body = json_error(response)
    assert body["error"] == "invalid_request"
    assert "GET is not allowed" in body["error_description"]
    assert "POST" in response.headers["Allow"]


def test_json_token_request_is_rejected_naming_the_content_type(client):
    response = client.post("/token", json={"grant_type": "client_credentials"}, headers=BACKEND)

    assert response.status_code == 400
    body = json_error(response)
    assert body["error"] == "invalid_request"
    assert "got application/json" in body["error_description"]
    assert "application/x-www-form-urlencoded" in body["error_description"]
    assert "no-store" in response.headers["Cache-Control"]


# -- protected resources: RFC 6750 §3 --------------------------------------------------------------


def access_token(client, scope: str) -> str:
    response = client.post(
        "/token", data={"grant_type": "client_credentials", "scope": scope}, headers=BACKEND
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


@pytest.mark.parametrize("path", ["/api/photos", "/userinfo"])
def test_request_without_a_token_gets_401_with_a_bearer_challenge(client, path):
    response = client.get(path)

    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'realm="' in challenge
    # RFC 6750 §3.1: a request with no credentials SHOULD NOT get an error code.
    assert "error=" not in challenge


@pytest.mark.parametrize("path", ["/api/photos", "/userinfo"])
def test_unknown_token_gets_401_invalid_token(client, path):
    response = client.get(path, headers={"Authorization": "Bearer not-a-token-we-issued"})

    assert response.status_code == 401
    assert json_error(response)["error"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "not issued by this provider" in challenge_description(response)


def test_token_without_the_needed_scope_gets_403_insufficient_scope(client):
    token = access_token(client, "photos.read")

    response = client.post("/api/photos", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403
    body = json_error(response)
    assert body["error"] == "insufficient_scope"
    assert "needs scope 'photos.write'" in body["error_description"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="photos.write"' in challenge


# -- error_description characters ------------------------------------------------------------------

HOSTILE = 'é"\\§…'  # each outside RFC 6749's error_description characters


def authorize_with(**overrides: str) -> dict:
    return {"path": "/authorize", "method": "GET", "query_string": authorize_params(**overrides)}


@pytest.mark.parametrize(
    "request_args",
    [
        pytest.param(authorize_with(scope=f"openid {HOSTILE}"), id="authorize-scope"),
        pytest.param(authorize_with(response_type=HOSTILE), id="authorize-response-type"),
        pytest.param(authorize_with(code_challenge=HOSTILE), id="authorize-code-challenge"),
        pytest.param({"data": {"grant_type": HOSTILE}, "headers": WEB_APP}, id="token-grant-type"),
        pytest.param(
            {"data": {"grant_type": "authorization_code", "code": HOSTILE}, "headers": WEB_APP},
            id="token-code",
        ),
        pytest.param(
            {"data": {"grant_type": "client_credentials", "scope": HOSTILE}, "headers": BACKEND},
            id="token-scope",
        ),
        pytest.param(
            {"data": {"grant_type": "client_credentials"}, "headers": basic(HOSTILE, "x")},
            id="token-client-id",
        ),
        pytest.param(
            {"data": "grant_type=x", "headers": {"Content-Type": f"text/{HOSTILE}"}},
            id="token-content-type",
        ),
        pytest.param(
            {"path": "/device_authorization", "data": {"client_id": HOSTILE}},
            id="device-client-id",
        ),
        pytest.param(
            {"path": "/api/photos", "method": "GET", "headers": {"Authorization": HOSTILE}},
            id="resource-authorization",
        ),
    ],
)
def test_error_description_keeps_to_the_characters_rfc_6749_allows(client, request_args):
    args = {"path": "/token", "method": "POST", **request_args}
    # Header values travel as bytes; the test client takes them as latin-1 text.
    headers = {k: v.encode().decode("latin-1") for k, v in args.pop("headers", {}).items()}

    response = client.open(**args, headers=headers)

    assert 400 <= response.status_code < 500 or response.status_code == 302
    descriptions = []
    if response.status_code == 302:
        descriptions.append(redirected_error(response)["error_description"])
    elif response.mimetype == "application/json":
        descriptions.append(json_error(response).get("error_description", ""))
    if "WWW-Authenticate" in response.headers:
        descriptions.append(challenge_description(response) or "")
    assert any(descriptions), "the error came without a description"
    for description in descriptions:
        assert DESCRIPTION_CHARS.fullmatch(description), description


def test_authlib_still_refuses_a_forbidden_character_in_other_code_of_the_same_process(client):
    # The pytest plugin runs the provider inside other people's test processes, where their own
    # Authlib server must keep RFC 6749 §5.2's check on error_description.
    client.get("/authorize", query_string={"client_id": "web-app", "redirect_uri": "https://é"})

    with pytest.raises(ValueError, match="forbidden characters"):
        OAuth2Error("see RFC 6749 §5.2")


def test_a_forbidden_character_in_the_request_is_still_answered_not_a_500(client):
    response = client.get(
        "/authorize",
        query_string={"client_id": "web-app", "response_type": "code", "redirect_uri": "https://é"},
    )

    assert response.status_code == 400

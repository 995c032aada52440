"""Tutorial 8, "Protect your own API with bearer tokens", run as the learner runs it.

The walkthrough test follows tutorials/08-protect-your-api/commands.sh line by line: `export` sets
the API's settings, `flask --app api run` imports the tutorial's api.py fresh with them (Flask's
test client then plays curl), `TOKEN=$(python get_token.py ...)` gets a real token from a real
mock provider on a free loopback port, and curl to the provider goes there over HTTP. Each API
response is compared with the section of the same name in responses.txt, which the page shows.
The other tests check what the page says in passing.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import socket
from pathlib import Path
from types import ModuleType

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from flask.testing import FlaskClient

from .tutorial_files import import_fresh

TUTORIAL = Path(__file__).parents[2] / "tutorials" / "08-protect-your-api"
COMMANDS = (TUTORIAL / "commands.sh").read_text()
SECTION = re.compile(r"^# --8<-- \[start:(\w+)\]\n(.*?)^# --8<-- \[end:\1\]", re.M | re.S)
DOCS_PROVIDER = "http://127.0.0.1:9000"
DOCS_API = "http://127.0.0.1:8080"  # also the API's resource indicator, its AUDIENCE

pytestmark = pytest.mark.oauth_provider(auto_login="alice")


def shown(response) -> str:
    """A response as the page shows it: status line, WWW-Authenticate if any, then the body."""
    lines = [f"HTTP/1.1 {response.status}"]
    if "WWW-Authenticate" in response.headers:
        lines.append(f"WWW-Authenticate: {response.headers['WWW-Authenticate']}")
    return "\n".join(lines) + "\n\n" + response.get_data(as_text=True)


class Terminal:
    """Runs the lines of commands.sh against the test's provider, keeping $TOKEN and the API."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, provider) -> None:
        self.monkeypatch = monkeypatch
        self.provider = provider.issuer
        self.token = ""
        self.api: FlaskClient | None = None
        self.get_token = import_fresh(monkeypatch, TUTORIAL / "get_token.py")

    def run(self, line: str) -> str | None:
        """Run one line; return what the page shows for a request to the API, else None."""
        line = line.replace(DOCS_PROVIDER, self.provider).replace("$TOKEN", self.token)
        words = shlex.split(line)
        if words[0] == "export":
            name, value = words[1].split("=", 1)
            self.monkeypatch.setenv(name, value)
        elif words[:3] == ["flask", "--app", "api"]:
            assert words[3:] == ["run", "--port", DOCS_API.rsplit(":", 1)[1]]
            self.api = import_fresh(self.monkeypatch, TUTORIAL / "api.py").app.test_client()
        elif words[0].startswith("TOKEN=$(python"):
            args = shlex.split(line.split("get_token.py", 1)[1].rstrip(")"))
            self.token = self.get_new_token(args)
        elif words[0] == "curl":
            return self.curl(words[1:])
        else:
            assert words[0] in ("cd", "oauth-sandbox"), line
        return None

    def get_new_token(self, args: list[str]) -> str:
        issuer = os.environ.get("ISSUER", self.provider)
        if args[0] == "alice":
            return self.get_token.token_for_alice(issuer, *args[1:])
        assert args[0] == "backend-service"
        return self.get_token.token_for_service(issuer, args[1])

    def curl(self, words: list[str]) -> str | None:
        url, method, headers, data, auth = words[-1], "GET", {}, {}, None
        options = iter(words[:-1])
        for option in options:
            if option == "-X":
                method = next(options)
            elif option == "-H":
                name, value = next(options).split(": ", 1)
                headers[name] = value
            elif option == "-d":
                name, value = next(options).split("=", 1)
                data[name] = value
                method = "POST" if method == "GET" else method
            elif option == "-u":
                auth = tuple(next(options).split(":", 1))
            else:
                assert option == "-i", option
        if url.startswith(DOCS_API):
            assert self.api is not None, "the API is not running"
            path = url.removeprefix(DOCS_API)
            answer = self.api.open(path, method=method, headers=headers, data=data)
            return shown(answer).replace(self.provider, DOCS_PROVIDER)  # as the page shows it
        answer = requests.request(method, url, data=data, auth=auth, timeout=10)
        assert answer.status_code == 200, answer.text
        return None


def expected_responses() -> dict[str, str]:
    text = (TUTORIAL / "responses.txt").read_text()
    return {name: body for name, body in SECTION.findall(text)}


def test_the_walkthrough_gets_every_response_the_page_shows(monkeypatch, oauth_provider):
    terminal = Terminal(monkeypatch, oauth_provider)
    seen: dict[str, str] = {}

    for name, body in SECTION.findall(COMMANDS):
        for line in body.splitlines():
            if shown_response := terminal.run(line):
                seen[name] = shown_response

    expected = expected_responses()
    assert list(seen) == list(expected)
    for name in expected:
        assert seen[name] == expected[name], name


def test_the_page_s_settings_name_the_seeded_clients_and_resource(oauth_provider, get_token):
    exports = dict(re.findall(r"^export (\w+)=(\S+)$", COMMANDS, re.M))
    backend = oauth_provider.client(exports["INTROSPECTION_CLIENT_ID"])
    assert backend.client_secret == exports["INTROSPECTION_CLIENT_SECRET"]
    assert backend.access_token_format == "opaque"
    assert oauth_provider.client("web-app").access_token_format != "opaque"
    # The API's resource indicator is the one get_token.py asks for, and the seed declares it.
    assert exports["AUDIENCE"] == get_token.API == DOCS_API
    assert exports["AUDIENCE"] in oauth_provider.config.resources


# The settings of the API that introspects, as commands.sh exports them.
INTROSPECTION = {
    "TOKEN_CHECK": "introspection",
    "INTROSPECTION_CLIENT_ID": "backend-service",
    "INTROSPECTION_CLIENT_SECRET": "backend-service-secret",
}


@pytest.fixture
def make_api(monkeypatch: pytest.MonkeyPatch, oauth_provider):
    """Build the tutorial's API with the given settings, as commands.sh would."""

    def make(**settings: str) -> FlaskClient:
        monkeypatch.setenv("ISSUER", oauth_provider.issuer)
        monkeypatch.setenv("AUDIENCE", DOCS_API)
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        return import_fresh(monkeypatch, TUTORIAL / "api.py").app.test_client()

    return make


@pytest.fixture
def get_token(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return import_fresh(monkeypatch, TUTORIAL / "get_token.py")


# An unsigned token ({"alg": "none", "typ": "at+jwt"}, {"iss": "x"}): anyone could write one.
UNSIGNED = "eyJhbGciOiAibm9uZSIsICJ0eXAiOiAiYXQrand0In0.eyJpc3MiOiAieCJ9."


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_alice_s_token_is_a_jwt_for_our_api_and_the_service_s_is_opaque(oauth_provider, get_token):
    alice = get_token.token_for_alice(oauth_provider.issuer)
    service = get_token.token_for_service(oauth_provider.issuer, "photos.read")

    assert alice.count(".") == 2
    claims = json.loads(base64.urlsafe_b64decode(alice.split(".")[1] + "=="))
    assert (claims["client_id"], claims["aud"]) == ("web-app", DOCS_API)  # RFC 8707 resource
    assert "." not in service
    introspected = requests.post(
        oauth_provider.url("/introspect"),
        data={"token": service},
        auth=("backend-service", "backend-service-secret"),
        timeout=10,
    ).json()
    assert introspected["aud"] == DOCS_API


def test_the_jwt_api_rejects_a_token_meant_for_another_audience(
    make_api, oauth_provider, get_token
):
    api = make_api(TOKEN_CHECK="jwt", AUDIENCE="https://some-other-api.test")
    token = get_token.token_for_alice(oauth_provider.issuer)

    response = api.get("/photos", headers=bearer(token))

    assert response.status_code == 401
    assert response.json == {
        "error": "invalid_token",
        "error_description": f"the token is for {DOCS_API}, not for this API",
    }


def test_the_introspection_api_rejects_a_token_the_provider_issued_for_another_api(
    make_api, oauth_provider, get_token
):
    api = make_api(**INTROSPECTION)
    client = OAuth2Session("backend-service", "backend-service-secret", scope="photos.read")
    # No resource parameter: the provider's default, its own photos API (RFC 9068 section 3).
    token = client.fetch_token(oauth_provider.url("/token"), grant_type="client_credentials")

    response = api.get("/photos", headers=bearer(token["access_token"]))

    assert response.status_code == 401
    assert response.json["error_description"] == (
        f"the token is for {oauth_provider.issuer}/api, not for this API"
    )


def test_the_jwt_api_rejects_a_token_from_another_issuer(make_api, oauth_provider, get_token):
    api = make_api(TOKEN_CHECK="jwt")
    # Every scenario is an issuer of its own; its access tokens carry its iss, signed alike.
    token = get_token.token_for_alice(oauth_provider.issuer + "/scenarios/wrong-audience")

    response = api.get("/photos", headers=bearer(token))

    assert response.status_code == 401
    assert "iss" in response.json["error_description"]


def test_a_revoked_jwt_still_passes_the_jwt_api_until_it_expires(
    make_api, oauth_provider, get_token
):
    token = get_token.token_for_alice(oauth_provider.issuer)
    web_app = ("web-app", "web-app-secret")
    revoked = requests.post(
        oauth_provider.url("/revoke"), data={"token": token}, auth=web_app, timeout=10
    )
    assert revoked.status_code == 200
    introspected = requests.post(
        oauth_provider.url("/introspect"), data={"token": token}, auth=web_app, timeout=10
    )
    assert introspected.json() == {"active": False}  # the provider knows

    response = make_api(TOKEN_CHECK="jwt").get("/photos", headers=bearer(token))

    assert response.status_code == 200  # the JWT API checks only the token itself


@pytest.mark.parametrize("check", ["jwt", "introspection"])
@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Bearer a.b.c",
        "Bearer !!!",
        "Bearer " + "x" * 5000,
        "Basic eDp5",
        "Bearer " + UNSIGNED,
    ],
    ids=["no-token", "empty-token", "not-base64", "not-a-token", "5000-chars", "basic", "alg-none"],
)
def test_malformed_tokens_get_a_401_never_a_server_error(make_api, check, authorization):
    api = make_api(
        TOKEN_CHECK=check,
        INTROSPECTION_CLIENT_ID="backend-service",
        INTROSPECTION_CLIENT_SECRET="backend-service-secret",
    )

    response = api.get("/photos", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="photos-api"')


def test_the_introspection_api_rejects_a_token_once_the_provider_s_clock_passes_its_expiry(
    make_api, oauth_provider, get_token
):
    api = make_api(**INTROSPECTION)
    token = get_token.token_for_service(oauth_provider.issuer, "photos.read")
    assert api.get("/photos", headers=bearer(token)).status_code == 200

    oauth_provider.advance_clock(3600)
    response = api.get("/photos", headers=bearer(token))

    assert response.status_code == 401
    assert response.json["error_description"] == "the provider says the token is not active"


@pytest.mark.parametrize("check", ["jwt", "introspection"])
def test_while_the_provider_is_down_the_api_answers_503_saying_so(
    make_api, oauth_provider, get_token, check
):
    token = get_token.token_for_alice(oauth_provider.issuer)
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{probe.getsockname()[1]}"
    api = make_api(
        ISSUER=nobody,
        TOKEN_CHECK=check,
        INTROSPECTION_CLIENT_ID="backend-service",
        INTROSPECTION_CLIENT_SECRET="backend-service-secret",
    )

    response = api.get("/photos", headers=bearer(token))

    assert response.status_code == 503
    assert response.json == {
        "error": "temporarily_unavailable",
        "error_description": f"the provider at {nobody} did not answer, so the token cannot "
        "be checked",
    }

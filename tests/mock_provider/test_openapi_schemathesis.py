"""Schemathesis against a real provider on loopback: whatever a client sends to a JSON endpoint,
valid or not, the answer is never a 5xx and always matches `mock_provider/openapi.yaml`.

Examples are few and derandomized, so that the run is short and the same on every machine; a
failure names the request to replay, as a curl command. The provider's own answers decide the
result: it is served by waitress on loopback, exactly as a client meets it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import mock_provider
from mock_provider import ProviderConfig
from mock_provider.server import serve_in_thread

DESCRIPTION = Path(mock_provider.__file__).with_name("openapi.yaml")
REDIRECT_URI = "http://127.0.0.1:8000/callback"

#: Per operation, in the fuzzing phase; the examples and coverage phases add their own cases.
#: A few hundred requests, about 14 s of CPU: 13 s at a load average of 7 on two cores, 33 s at 11.
#: For a deeper, randomized hunt, set OPENAPI_FUZZ_EXAMPLES=200 (per operation).
DEEP_EXAMPLES = int(os.environ.get("OPENAPI_FUZZ_EXAMPLES", "0"))
MAX_EXAMPLES = DEEP_EXAMPLES or 10

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def running_provider(tmp_path_factory, seeded_database):
    """The seeded provider on a free loopback port; alice is signed in at once, so the complete
    flows below need no login page."""
    database = tmp_path_factory.mktemp("schemathesis") / "provider.sqlite3"
    with closing(sqlite3.connect(seeded_database)) as source:
        with closing(sqlite3.connect(database)) as target:
            source.backup(target)
    config = ProviderConfig.load(database_url=f"sqlite:///{database}", auto_login="alice")
    running = serve_in_thread(config)
    yield running
    running.stop()


# Loaded from the package at import; `schemathesis.pytest.from_fixture`, which could load it from
# the running provider, reads `Function._nodeid`, which pytest 9.2 no longer has.
described = schemathesis.openapi.from_path(DESCRIPTION)
described.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=not DEEP_EXAMPLES)


@described.parametrize()
def test_no_request_to_a_json_endpoint_gets_a_5xx_or_an_undescribed_answer(case, running_provider):
    case.call_and_validate(base_url=running_provider.issuer, checks=CHECKS, timeout=10)


# Random requests seldom carry a valid code or token, so the answers that only real flows reach
# are checked here: each successful response of a complete flow against its documented schema.


def _ok(operation: str, response: requests.Response, status: int = 200) -> dict:
    """Assert the status, validate the body against the description, return it."""
    assert response.status_code == status, response.text
    method, path = operation.split(" ", 1)
    described[path][method].validate_response(response)
    return response.json()


def test_the_answers_of_complete_flows_match_the_description(running_provider):
    url = running_provider.issuer
    http = requests.Session()
    backend = ("backend-service", "backend-service-secret")

    _ok(
        "GET /.well-known/openid-configuration", http.get(f"{url}/.well-known/openid-configuration")
    )
    _ok("GET /jwks", http.get(f"{url}/jwks"))
    machine = _ok(
        "POST /token",
        http.post(f"{url}/token", data={"grant_type": "client_credentials"}, auth=backend),
    )
    introspected = _ok(
        "POST /introspect",
        http.post(f"{url}/introspect", data={"token": machine["access_token"]}, auth=backend),
    )
    assert introspected["active"] is True

    tokens = _ok("POST /token", _code_flow(http, url))
    assert {"id_token", "refresh_token"} <= tokens.keys()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert _ok("GET /userinfo", http.get(f"{url}/userinfo", headers=bearer))["sub"]
    _ok("GET /api/photos", http.get(f"{url}/api/photos", headers=bearer))
    # web-app may not have photos.write: the 403 of RFC 6750 section 3.1, as described.
    _ok(
        "POST /api/photos", http.post(f"{url}/api/photos", headers=bearer, data={"title": "x"}), 403
    )
    refreshed = _ok(
        "POST /token",
        http.post(
            f"{url}/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=("web-app", "web-app-secret"),
        ),
    )
    _ok(
        "POST /revoke",
        http.post(
            f"{url}/revoke",
            data={"token": refreshed["refresh_token"]},
            auth=("web-app", "web-app-secret"),
        ),
    )

    _ok(
        "POST /device_authorization",
        http.post(f"{url}/device_authorization", data={"client_id": "tv-app", "scope": "openid"}),
    )
    _ok(
        "POST /register",
        http.post(f"{url}/register", json={"redirect_uris": ["http://127.0.0.1:5000/cb"]}),
        201,
    )
    _ok(
        "POST /control/clock/advance",
        http.post(f"{url}/control/clock/advance", json={"seconds": 5}),
    )
    _ok("GET /control/state", http.get(f"{url}/control/state"))
    _ok("GET /control/log", http.get(f"{url}/control/log", params={"limit": 5}))


def _code_flow(http: requests.Session, url: str) -> requests.Response:
    """The authorization code flow with PKCE, alice signed in at once; the token response."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": "web-app",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email photos.read",
        "state": "s",
        "nonce": "n",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    redirect = http.get(f"{url}/authorize", params=params, allow_redirects=False)
    assert redirect.status_code == 302, redirect.text
    code = parse_qs(urlsplit(redirect.headers["Location"]).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    return http.post(f"{url}/token", data=form, auth=("web-app", "web-app-secret"))

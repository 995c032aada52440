"""A provider may answer anything: the sandbox stops the run naming what came, never a 500.

The provider here is a few lines of Flask that answers as a well-behaved provider would, except
at the one endpoint a test makes strange: an HTML page where JSON belongs, a JSON list where an
object belongs, an expires_in that is not a number, a 500. Each test drives the sandbox's pages
as a learner does and reads what the page says.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from flask import Flask, redirect, request
from werkzeug.serving import make_server

from .sandbox_pages import follow_authorization_link, make_sandbox, send, start, submit
from .servers import serving

HTML_PAGE = "<!doctype html><html><body>Welcome to our portal</body></html>"
DEEPLY_NESTED = "[" * 5000 + "]" * 5000


@dataclass
class StrangeProvider:
    issuer: str
    #: path (without the leading slash) -> (body, status, Content-Type): what it answers there
    #: instead of the well-behaved answer.
    strange: dict[str, tuple[str, int, str]] = field(default_factory=dict)

    def answer(self, path: str, body: Any, status: int = 200, content_type: str = "") -> None:
        """Make `path` answer `body` (JSON-encoded unless it is a string)."""
        if not isinstance(body, str):
            body, content_type = json.dumps(body), content_type or "application/json"
        self.strange[path] = (body, status, content_type or "text/html; charset=utf-8")


def _segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _well_behaved(issuer: str) -> dict[str, Any]:
    id_token = ".".join(
        [_segment({"alg": "RS256", "kid": "k1"}), _segment({"iss": issuer, "sub": "alice"}), "c2ln"]
    )
    return {
        ".well-known/openid-configuration": {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "registration_endpoint": f"{issuer}/register",
            "jwks_uri": f"{issuer}/jwks",
            "device_authorization_endpoint": f"{issuer}/device_authorization",
        },
        "register": {"client_id": "strange-client", "client_secret": "s3cret"},
        "token": {"access_token": "at", "token_type": "Bearer", "expires_in": 3600}
        | {"id_token": id_token, "scope": "photos.read photos.write"},
        "jwks": {"keys": []},
        "device_authorization": {
            "device_code": "dc",
            "user_code": "WDJB-MJHT",
            "verification_uri": f"{issuer}/device",
            "expires_in": 600,
        },
    }


@pytest.fixture
def provider() -> Iterator[StrangeProvider]:
    app = Flask("strange")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    strange = StrangeProvider(f"http://127.0.0.1:{server.server_port}")
    usual = _well_behaved(strange.issuer)

    @app.get("/authorize")
    def authorize():
        back = {"code": "c0de", "state": request.args["state"], "iss": strange.issuer}
        return redirect(f"{request.args['redirect_uri']}?{urlencode(back)}")

    @app.route("/<path:path>", methods=["GET", "POST"])
    def answer(path: str):
        if path in strange.strange:
            body, status, content_type = strange.strange[path]
            return body, status, {"Content-Type": content_type}
        return usual[path], 201 if path == "register" else 200

    with serving(server):
        yield strange


def _text(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ")


def _stopped(soup: BeautifulSoup) -> str:
    """What the step page says about why the flow stopped."""
    alert = soup.find(class_="problem", role="alert")
    assert alert is not None, soup.get_text()[:2000]
    assert "The flow stopped." in alert.text
    return alert.text


def test_an_html_discovery_document_refuses_the_provider_saying_it_is_not_json(provider):
    provider.answer(".well-known/openid-configuration", HTML_PAGE)
    learner = make_sandbox(provider.issuer)

    response = submit(learner, "/", "/flows/authorization-code/runs")

    said = _text(response)
    assert response.status_code == 502
    assert "answered 200 with text/html; charset=utf-8, not JSON" in said
    assert "it begins '<!doctype html>" in said
    assert "did not answer" not in said


def test_the_index_page_opens_beside_an_html_discovery_document_and_says_why(provider):
    provider.answer(".well-known/openid-configuration", HTML_PAGE)

    response = make_sandbox(provider.issuer).get("/")

    assert response.status_code == 200
    assert "not JSON" in _text(response)


def test_a_discovery_document_nested_too_deeply_is_not_json(provider):
    provider.answer(".well-known/openid-configuration", DEEPLY_NESTED, content_type="text/json")

    response = submit(make_sandbox(provider.issuer), "/", "/flows/authorization-code/runs")

    assert response.status_code == 502
    assert "answered 200 with text/json, not JSON" in _text(response)


def test_a_registration_answered_with_a_json_list_refuses_the_provider_naming_the_list(provider):
    provider.answer("register", ["strange-client"], status=201)

    response = submit(make_sandbox(provider.issuer), "/", "/flows/authorization-code/runs")

    said = _text(response)
    assert response.status_code == 502
    assert "The registration endpoint answered 201 with a JSON list" in said
    assert """it begins '["strange-client"]'""" in said


@pytest.mark.parametrize(
    ("body", "status", "said"),
    [
        (HTML_PAGE, 200, "The token endpoint answered 200 with text/html; charset=utf-8, not JSON"),
        (["at"], 200, "The token endpoint answered 200 with a JSON list"),
        (DEEPLY_NESTED, 200, "The token endpoint answered 200 with text/html; charset=utf-8"),
        ({"access_token": "at", "token_type": "Bearer", "expires_in": "soon"}, 200, "expires_in"),
        ({"access_token": 42, "token_type": "Bearer"}, 200, "access_token is 42, not a string"),
        ("Internal trouble", 500, "The token endpoint answered 500"),
    ],
    ids=["html", "json-list", "nested", "expires_in", "access_token", "500"],
)
def test_a_strange_token_response_stops_the_client_credentials_run_naming_it(
    provider, body, status, said
):
    provider.answer("token", body, status=status)
    learner = make_sandbox(provider.issuer)
    path = start(learner, "client-credentials")

    stopped = _stopped(send(learner, path, "client_credentials_request"))

    assert said in stopped
    assert "did not answer" not in stopped


def test_a_non_numeric_expires_in_is_named_with_its_value(provider):
    provider.answer("token", {"access_token": "at", "token_type": "Bearer", "expires_in": "soon"})
    learner = make_sandbox(provider.issuer)
    path = start(learner, "client-credentials")

    stopped = _stopped(send(learner, path, "client_credentials_request"))

    assert "expires_in is 'soon', not a number of seconds (RFC 6749 §5.1)" in stopped


def test_a_token_endpoint_answering_500_to_the_code_exchange_is_reported_as_an_answer(provider):
    provider.answer("token", "Internal trouble: database on fire", status=500)
    learner = make_sandbox(provider.issuer)
    path = start(learner, "authorization-code")
    follow_authorization_link(learner, path)

    stopped = _stopped(send(learner, path, "token_request"))

    assert "The token endpoint answered 500" in stopped
    assert "it begins 'Internal trouble: database on fire'" in stopped
    assert "did not answer" not in stopped


def test_a_jwks_answered_with_a_json_list_stops_id_token_validation_naming_it(provider):
    provider.answer("jwks", [{"kty": "RSA"}])
    learner = make_sandbox(provider.issuer)
    path = start(learner, "authorization-code")
    follow_authorization_link(learner, path)
    send(learner, path, "token_request")

    stopped = _stopped(send(learner, path, "id_token_validation"))

    assert "The jwks_uri answered 200 with a JSON list" in stopped


def test_a_jwks_without_keys_fails_the_signature_check(provider):
    provider.answer("jwks", {"no": "keys"})
    learner = make_sandbox(provider.issuer)
    path = start(learner, "authorization-code")
    follow_authorization_link(learner, path)
    send(learner, path, "token_request")

    page = send(learner, path, "id_token_validation")

    assert "no key with kid 'k1' in the provider's JWKS" in page.get_text()


def test_a_device_authorization_answered_with_a_json_list_stops_the_run_naming_it(provider):
    provider.answer("device_authorization", ["dc", "WDJB-MJHT"])
    learner = make_sandbox(provider.issuer)
    path = start(learner, "device-authorization")

    stopped = _stopped(send(learner, path, "device_authorization_request"))

    assert "The device authorization endpoint answered 200 with a JSON list" in stopped


def test_a_device_code_that_is_not_a_string_stops_the_run_naming_it(provider):
    provider.answer(
        "device_authorization",
        {"device_code": ["dc"], "user_code": "U", "verification_uri": f"{provider.issuer}/d"},
    )
    learner = make_sandbox(provider.issuer)
    path = start(learner, "device-authorization")

    stopped = _stopped(send(learner, path, "device_authorization_request"))

    assert "device_code is ['dc'], not a string (RFC 8628 §3.2)" in stopped


def test_an_api_answering_a_status_no_rfc_names_fails_the_status_check_naming_it(provider):
    provider.answer("api/photos", "{}", status=299, content_type="application/json")
    learner = make_sandbox(provider.issuer)
    path = start(learner, "client-credentials")
    send(learner, path, "client_credentials_request")

    page = send(learner, path, "resource_request")

    assert "the API answered 299, where 200 was expected" in page.get_text()


def test_a_control_api_answering_json_nested_too_deeply_leaves_the_step_page_standing(provider):
    # A provider may claim the mock provider's control API and answer anything there.
    discovery = _well_behaved(provider.issuer)[".well-known/openid-configuration"]
    control = f"{provider.issuer}/control"
    provider.answer(
        ".well-known/openid-configuration",
        discovery | {"mock_provider_control_endpoint": control},
    )
    for path in ("control", "control/log", "control/clock", "control/scenarios"):
        provider.answer(path, DEEPLY_NESTED, content_type="application/json")
    learner = make_sandbox(provider.issuer)
    path = start(learner, "client-credentials")

    sent = send(learner, path, "client_credentials_request")  # the page lists the provider's log

    assert "access_token" in sent.get_text()

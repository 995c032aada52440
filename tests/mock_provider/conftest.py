"""Fixtures for the provider's own tests: the app in-process, reached through Flask's client."""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import KeySet
from werkzeug.test import TestResponse

from mock_provider import ProviderConfig, create_app

FIXED_START = 1_800_000_000.0  # 2027-01-15T08:00:00Z; makes iat and exp predictable
ISSUER = "http://127.0.0.1:9000"
REDIRECT_URI = "http://127.0.0.1:8000/callback"
POST_LOGOUT_URI = "http://127.0.0.1:8000/"
WEB_APP_SECRET = "web-app-secret"
BACKEND_SECRET = "backend-service-secret"
BOB_PASSWORD = "correct horse battery staple"
SECRETS = {"web-app": WEB_APP_SECRET, "backend-service": BACKEND_SECRET}


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory) -> Path:
    """A seeded database with its signing key, built once per session and copied per test:
    generating the RSA key is about half of an app's start-up."""
    path = tmp_path_factory.mktemp("seeded") / "provider.sqlite3"
    app = create_app(ProviderConfig.load(database_url=f"sqlite:///{path}", clock_start=FIXED_START))
    app.extensions["mock_provider"].engine.dispose()
    return path


@pytest.fixture
def config(tmp_path, seeded_database) -> ProviderConfig:
    """The seeded provider on a fresh database with a pinned clock."""
    database = tmp_path / "provider.sqlite3"
    with closing(sqlite3.connect(seeded_database)) as source:
        with closing(sqlite3.connect(database)) as target:
            source.backup(target)
    return ProviderConfig.load(database_url=f"sqlite:///{database}", clock_start=FIXED_START)


@pytest.fixture
def app(config):
    """The provider app; pytest-flask turns it into the `client` fixture."""
    return create_app(config)


@pytest.fixture
def auto_login_app(config):
    """The provider with --auto-login alice: authorize redirects at once."""
    return create_app(config.replace(auto_login="alice"))


@pytest.fixture
def auto_client(auto_login_app) -> FlaskClient:
    """A browser on the --auto-login provider: alice is signed in and consents at once."""
    return auto_login_app.test_client()


@pytest.fixture
def flows(auto_client) -> Flows:
    """Complete flows against the --auto-login provider (see `Flows`)."""
    return Flows(auto_client)


@pytest.fixture
def make_flows(config) -> Callable[..., Flows]:
    """Flows against an --auto-login provider built from the seeded config with `changes`."""

    def make(**changes: Any) -> Flows:
        return Flows(create_app(config.replace(auto_login="alice", **changes)).test_client())

    return make


# Small readers of what a client observes


@dataclass(frozen=True)
class Pkce:
    """A PKCE pair (RFC 7636 §4.1, §4.2)."""

    verifier: str
    challenge: str
    method: str

    @classmethod
    def new(cls, method: str = "S256") -> Pkce:
        verifier = secrets.token_urlsafe(48)
        if method == "plain":
            return cls(verifier, verifier, method)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode(), method)


def redirect_params(response: TestResponse) -> dict[str, str]:
    """The query parameters of a redirect's Location (the client's callback sees these)."""
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))


def redirect_target(response: TestResponse) -> str:
    """The Location without its query."""
    parts = urlsplit(response.headers["Location"])
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def html(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def button_names(response: TestResponse) -> list[str]:
    """The accessible names of the page's buttons, in page order."""
    return [" ".join(b.get_text().split()) for b in html(response).find_all("button")]


def decode_jwt(client: FlaskClient, token: str, prefix: str = "") -> tuple[dict, dict]:
    """Verify a JWT against the issuer's published JWKS; return its header and claims."""
    keys = KeySet.import_key_set(client.get(f"{prefix}/jwks").get_json())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    return dict(decoded.header), dict(decoded.claims)


def basic(client_id: str, secret: str) -> dict[str, str]:
    """client_secret_basic: each part form-urlencoded first (RFC 6749 §2.3.1)."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def advance_clock(client: FlaskClient, seconds: float) -> None:
    response = client.post("/control/clock/advance", data={"seconds": seconds})
    assert response.status_code == 200, response.get_json()


def authorize_url(
    client_id: str = "web-app",
    scope: str = "openid profile email",
    pkce: Pkce | None = None,
    prefix: str = "",
    **extra: Any,
) -> str:
    """An authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1) with state and nonce."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "state-123",
        "nonce": "nonce-456",
    }
    if pkce is not None:
        params.update(code_challenge=pkce.challenge, code_challenge_method=pkce.method)
    params.update(extra)
    return f"{prefix}/authorize?{urlencode(params)}"


def form_token(page: TestResponse) -> str:
    """The CSRF token a page of the provider put in its forms."""
    field = html(page).find("input", attrs={"name": "csrf_token"})
    assert field is not None, page.get_data(as_text=True)[:500]
    return field["value"]


def filled_form(page: TestResponse, **typed: str) -> tuple[str, dict[str, str]]:
    """The action and fields of the form on `page` whose hidden fields agree with `typed`: its
    hidden fields (the CSRF token among them) and what was typed or pressed (a button's name
    and value), as a browser would send them."""
    for form in html(page).find_all("form", method="post"):
        hidden = {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden")}
        if all(hidden.get(name, value) == value for name, value in typed.items()):
            return form["action"], {**hidden, **typed}
    raise AssertionError(f"no form for {typed} on: {page.get_data(as_text=True)[:500]}")


def submit(client: FlaskClient, page: TestResponse, **typed: str) -> TestResponse:
    """Fill in and submit a form of `page` (see `filled_form`)."""
    action, fields = filled_form(page, **typed)
    return client.post(action, data=fields)


def sign_in(client: FlaskClient, url: str, username: str, password: str = "") -> TestResponse:
    """Open the sign-in page at `url` and press `username`'s "Sign in" button."""
    return submit(client, client.get(url), username=username, password=password)


class Flows:
    """Drive the protocol as a client would, against a provider with --auto-login alice."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def authorize(self, client_id: str = "web-app", **kwargs: Any) -> TestResponse:
        return self.client.get(authorize_url(client_id, **kwargs))

    def code(self, client_id: str = "web-app", pkce: Pkce | None = None, **kwargs: Any) -> str:
        """Run the authorization request and return the code the callback receives."""
        params = redirect_params(self.authorize(client_id, pkce=pkce, **kwargs))
        assert "code" in params, params
        return params["code"]

    def redeem(
        self,
        code: str,
        client_id: str = "web-app",
        verifier: str | None = None,
        prefix: str = "",
        **extra: Any,
    ) -> TestResponse:
        """POST the code to the token endpoint, authenticating as the client is registered."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
        if verifier is not None:
            form["code_verifier"] = verifier
        form.update(extra)
        return self.token_request(form, client_id, prefix)

    def token_request(self, form: dict, client_id: str, prefix: str = "") -> TestResponse:
        secret = SECRETS.get(client_id)
        if secret is None:
            return self.client.post(f"{prefix}/token", data={**form, "client_id": client_id})
        return self.client.post(f"{prefix}/token", data=form, headers=basic(client_id, secret))

    def tokens(
        self, client_id: str = "web-app", scope: str = "openid profile email", prefix: str = ""
    ) -> dict[str, Any]:
        """A complete authorization code flow with PKCE; the token response's JSON."""
        pkce = Pkce.new()
        code = self.code(client_id, pkce=pkce, scope=scope, prefix=prefix)
        response = self.redeem(code, client_id, pkce.verifier, prefix=prefix)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def refresh(self, refresh_token: str, client_id: str = "web-app", **extra: Any) -> TestResponse:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
        return self.token_request(form, client_id)

"""A pytest plugin for testing your own app against the mock provider.

Installing oauth-sandbox registers it (entry point `pytest11`). The `oauth_provider` fixture serves
a fresh provider on a free loopback port in a thread, with the clients and users the test declares
in the same shape as a config file:

    @pytest.mark.oauth_provider(
        clients={"my-app": {"client_secret": "s3cret",
                            "redirect_uris": ["http://127.0.0.1:5000/callback"]}},
        auto_login="alice",
    )
    def test_login(oauth_provider):
        metadata = oauth_provider.metadata  # discovery, fetched over HTTP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .config import ConfigError, ProviderConfig
from .server import RunningProvider, serve_in_thread

MARKER = "oauth_provider"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(clients=None, users=None, lifetimes=None, auto_login=None): declare the "
        "mock provider's clients, users and lifetimes for the oauth_provider fixture",
    )


class OAuthProvider:
    """A running provider: its issuer, and helpers that use the control API over HTTP."""

    def __init__(self, running: RunningProvider) -> None:
        self.issuer = running.issuer
        self.config: ProviderConfig = running.app.extensions["mock_provider"].config
        self.http = requests.Session()

    def url(self, path: str) -> str:
        """An absolute URL on this provider, e.g. url("/token")."""
        return self.issuer + path

    @property
    def metadata(self) -> dict[str, Any]:
        """The discovery document (OIDC Discovery 1.0 §4)."""
        return self._json("GET", "/.well-known/openid-configuration")

    def client(self, client_id: str):
        """The declared client's settings (its secret, redirect URIs, grant types, ...)."""
        for client in self.config.clients:
            if client.client_id == client_id:
                return client
        declared = [c.client_id for c in self.config.clients]
        raise LookupError(f"no client {client_id!r} is declared; the provider has {declared}")

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move the provider's clock forward, so tokens and codes expire on demand."""
        return self._json("POST", "/control/clock/advance", data={"seconds": seconds})

    def log(self, client_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """The request log, newest first, with the checks the provider ran."""
        params: dict[str, Any] = {"limit": limit}
        if client_id:
            params["client_id"] = client_id
        return self._json("GET", "/control/log", params=params)["entries"]

    def state(self) -> dict[str, Any]:
        """Grants, codes and tokens the provider holds, with their lineage."""
        return self._json("GET", "/control/state")

    def rotate_keys(self) -> str:
        """Sign from now on with a fresh key; returns its kid."""
        return self._json("POST", "/control/keys/rotate")["signing_kid"]

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        # The control API lives at the provider's root, whatever path the issuer has.
        root = (
            self.issuer if path.startswith("/.well-known") else self.issuer.split("/scenarios/")[0]
        )
        response = self.http.request(method, root + path, timeout=10, **kwargs)
        if not response.ok:  # the provider says what was wrong: pass it on
            try:
                reason = response.json().get("error_description", response.text)
            except ValueError:
                reason = response.text[:300]
            raise requests.HTTPError(
                f"{method} {path} answered {response.status_code}: {reason}", response=response
            )
        return response.json()


@pytest.fixture
def oauth_provider_config(tmp_path) -> ProviderConfig:
    """The provider's configuration; override this fixture, or use the marker, to change it."""
    return ProviderConfig.load(database_url=f"sqlite:///{tmp_path / 'oauth-provider.sqlite3'}")


@pytest.fixture
def oauth_provider(
    request: pytest.FixtureRequest, oauth_provider_config
) -> Iterator[OAuthProvider]:
    """A mock OAuth 2.0 / OpenID Connect provider on a free loopback port, for one test."""
    config = _declared(oauth_provider_config, _marker_keywords(request.node))
    running = serve_in_thread(config)
    try:
        yield OAuthProvider(running)
    finally:
        running.stop()


SECTIONS = ("clients", "users", "lifetimes", "resources")
KEYWORDS = (*SECTIONS, "auto_login")
SOURCE = f"@pytest.mark.{MARKER}"


def _marker_keywords(node: pytest.Item) -> dict[str, Any]:
    """The keywords of every oauth_provider marker on the test, its class and its module; the
    closest marker wins for each keyword, so a test can change one thing a module declares."""
    declared: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers(MARKER))):
        if marker.args:
            raise ConfigError(f"{SOURCE}: takes keywords only, got {marker.args!r}")
        unknown = sorted(set(marker.kwargs) - set(KEYWORDS))
        if unknown:
            raise ConfigError(
                f"{SOURCE}: unknown keyword {unknown[0]!r}; expected {', '.join(KEYWORDS)}"
            )
        declared.update(marker.kwargs)
    return declared


def _declared(base: ProviderConfig, declared: dict[str, Any]) -> ProviderConfig:
    """`base` (the oauth_provider_config fixture) with the sections the markers declare."""
    sections = {name: declared[name] for name in SECTIONS if declared.get(name) is not None}
    parsed = ProviderConfig.from_mapping(sections, SOURCE)  # validates the declared sections
    config = base.replace(**{name: getattr(parsed, name) for name in sections})
    if "auto_login" in declared:  # None too: it turns a farther marker's auto-login off
        config = dataclasses.replace(config, auto_login=declared["auto_login"])
    config.check_auto_login(SOURCE, "auto_login")
    return config

"""A real browser against real servers: Debian's Chromium, the provider and the sandbox on loopback.

Both apps are served by waitress on free ports, as `oauth-sandbox run` serves them, so redirects,
cookies and forms travel exactly as in class. One Chromium runs for the session; each test gets a
fresh browser context (no cookies carried over). Every request a page makes must stay on this
machine, and no page may log a console error or lose a request: the guard fails the test
otherwise, because the sandbox promises to work offline.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from waitress import wasyncore
from waitress.server import create_server

from mock_provider import ProviderConfig
from mock_provider.server import RunningProvider, serve_in_thread
from sandbox import SandboxConfig, create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}

if not CHROMIUM.exists():
    pytest.skip(
        f"the browser suite needs Debian's chromium at {CHROMIUM} (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, BrowserContext, sync_playwright  # noqa: E402


@dataclass
class Sandbox:
    """The sandbox served for real; `url` is its base URL, `provider` the one it learns from."""

    url: str
    provider: RunningProvider

    def advance_provider_clock(self, seconds: int) -> None:
        """Move the provider's clock through its control API (what the instructor page does)."""
        answer = requests.post(
            f"{self.provider.issuer}/control/clock/advance", data={"seconds": seconds}, timeout=10
        )
        assert answer.ok, answer.text


def _serve_sandbox(
    issuer: str, attacker_url: str | None = None, playlist: Path | None = None
) -> tuple[str, object, threading.Thread]:
    """Bind a free port first, then create the app knowing its real base URL (as the CLI does)."""
    server = create_server(lambda e, s: [], host="127.0.0.1", port=0, threads=8, ident="sandbox")
    url = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    config = SandboxConfig(
        issuer=issuer, base_url=url, attacker_url=attacker_url, playlist=playlist
    )
    server.application = create_app(config)  # type: ignore[union-attr]
    thread = threading.Thread(target=_run_quietly, args=(server,), daemon=True, name="sandbox")
    thread.start()
    return url, server, thread


def _run_quietly(server) -> None:
    try:
        server.run()
    except OSError:
        return  # closed by the fixture's teardown


def _stop(server, thread: threading.Thread) -> None:
    server.task_dispatcher.shutdown()
    wasyncore.close_all(server._map)
    thread.join(timeout=5)


def _sandbox_against(database: Path, auto_login: str | None) -> Iterator[Sandbox]:
    provider = serve_in_thread(
        ProviderConfig.load(database_url=f"sqlite:///{database}", auto_login=auto_login)
    )
    url, server, thread = _serve_sandbox(provider.issuer)
    try:
        yield Sandbox(url=url, provider=provider)
    finally:
        _stop(server, thread)
        provider.stop()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory) -> Iterator[Sandbox]:
    """Sandbox and provider, nobody signed in: the learner clicks the real sign-in and consent."""
    yield from _sandbox_against(tmp_path_factory.mktemp("provider") / "p.sqlite3", None)


@pytest.fixture(scope="session")
def quick_sandbox(tmp_path_factory) -> Iterator[Sandbox]:
    """Sandbox and a provider with --auto-login alice: the front channel passes straight through."""
    yield from _sandbox_against(tmp_path_factory.mktemp("quick") / "p.sqlite3", "alice")


PLAYLIST = Path(__file__).resolve().parents[2] / "playlists" / "first-class.toml"


@pytest.fixture(scope="session")
def playlist_sandbox(quick_sandbox: Sandbox) -> Iterator[Sandbox]:
    """A second sandbox on the quick provider, started with the first-class playlist, as
    `oauth-sandbox run --playlist playlists/first-class.toml` starts it."""
    url, server, thread = _serve_sandbox(quick_sandbox.provider.issuer, playlist=PLAYLIST)
    try:
        yield Sandbox(url=url, provider=quick_sandbox.provider)
    finally:
        _stop(server, thread)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Guard:
    """What a page did that it must not: leave the machine, log an error, lose a request."""

    problems: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, text: str) -> None:
        """Accept console errors containing `text` (a page that answers 400 on purpose)."""
        self.allowed.append(text)

    def watch(self, context: BrowserContext) -> None:
        context.route("**/*", self._only_loopback)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"page error: {error.error}"))
        context.on("requestfailed", self._failed)

    def _only_loopback(self, route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "about", "blob") or url.hostname in LOOPBACK:
            route.continue_()
        else:
            self.problems.append(f"request beyond loopback: {route.request.url}")
            route.abort("blockedbyclient")

    def _console(self, message) -> None:
        if message.type == "error" and not any(text in message.text for text in self.allowed):
            self.problems.append(f"console error: {message.text} ({message.location})")

    def _failed(self, request) -> None:
        # ERR_ABORTED: the page navigated on (a click) before a subresource arrived; nothing
        # failed. Requests beyond loopback are reported when they are blocked.
        if request.failure != "net::ERR_ABORTED" and urlsplit(request.url).hostname in LOOPBACK:
            self.problems.append(f"request failed: {request.url} ({request.failure})")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context per test: no cookies from another test."""
    fresh = browser.new_context(viewport={"width": 1280, "height": 800})
    fresh.set_default_timeout(10_000)
    fresh.guard = Guard()  # type: ignore[attr-defined]
    fresh.guard.watch(fresh)  # type: ignore[attr-defined]
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext):
    return context.new_page()


@pytest.fixture(autouse=True)
def network_guard(request) -> Iterator[None]:
    """Fail any test whose pages reached beyond loopback, logged an error or lost a request."""
    if "context" not in request.fixturenames:
        yield
        return
    guard: Guard = request.getfixturevalue("context").guard
    yield
    assert not guard.problems, "\n".join(guard.problems)

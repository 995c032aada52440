"""A classroom's first minute: many browsers sign alice in and press Allow for one client at once.

Found by benchmarks/classroom.py: every learner's first flow ends on the consent page, and the
first consents for one user and client all try to create the same remembered-consent row. Each
must still get its redirect with a code, never a 500.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests

from mock_provider import ProviderConfig
from mock_provider.server import serve_in_thread

from .flows import REDIRECT_URI, TIMEOUT, hidden_fields

BROWSERS = 8


@pytest.fixture
def provider(tmp_path) -> Iterator:
    """The seeded provider without auto-login, so each browser signs in and sees consent."""
    running = serve_in_thread(
        ProviderConfig.load(database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}")
    )
    yield running
    running.stop()


def on_consent_page(issuer: str) -> tuple[requests.Session, str, dict[str, str]]:
    """A browser with alice signed in, on the consent page for web-app; its URL and form."""
    browser = requests.Session()
    url = (
        requests.Request(
            "GET",
            f"{issuer}/authorize",
            params={
                "response_type": "code",
                "client_id": "web-app",
                "redirect_uri": REDIRECT_URI,
                "scope": "openid profile",
                "state": "s",
            },
        )
        .prepare()
        .url
        or ""
    )
    sign_in = browser.get(url, timeout=TIMEOUT)
    form = {**hidden_fields(sign_in.text), "action": "login", "username": "alice"}
    consent = browser.post(url, data=form, allow_redirects=False, timeout=TIMEOUT)
    assert 'value="allow"' in consent.text, consent.text[:500]
    return browser, url, {**hidden_fields(consent.text), "action": "allow"}


def test_first_consents_pressed_at_the_same_moment_all_redirect_with_a_code(provider):
    browsers = [on_consent_page(provider.issuer) for _ in range(BROWSERS)]
    barrier = threading.Barrier(BROWSERS)
    answers: list[requests.Response] = []

    def press_allow(browser, url, form) -> None:
        barrier.wait()
        answers.append(browser.post(url, data=form, allow_redirects=False, timeout=TIMEOUT))

    threads = [threading.Thread(target=press_allow, args=each) for each in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [a.status_code for a in answers] == [302] * BROWSERS, [a.text[:300] for a in answers]
    assert all("code=" in a.headers["Location"] for a in answers)

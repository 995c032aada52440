"""A provider reachable beyond loopback (it then has an instructor token), seen by a learner's
sandbox, which holds no token (scenarios still launch; the instructor's actions are refused),
and by the instructor's own sandbox, started with the token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from mock_provider import ProviderConfig
from mock_provider.server import serve_in_thread
from sandbox import SandboxConfig, create_app

from .sandbox_pages import SANDBOX, page, submit


@pytest.fixture
def provider(tmp_path) -> Iterator:
    running = serve_in_thread(
        ProviderConfig.load(
            database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}", instructor_token="s3cret"
        )
    )
    yield running
    running.stop()


def sandbox(provider, instructor_token: str | None = None):
    # Beyond loopback registration needs the token too, so a class uses a declared client.
    config = SandboxConfig(
        issuer=provider.issuer,
        base_url=SANDBOX,
        client_id="web-app",
        client_secret="web-app-secret",
        instructor_token=instructor_token,
    )
    return create_app(config).test_client()


@pytest.fixture
def learner(provider):
    return sandbox(provider)


def test_a_learner_without_the_token_sees_and_launches_the_failure_scenarios(learner):
    index = page(learner.get("/"))
    launch = index.find("button", attrs={"aria-label": "Launch Callback with another state"})
    form = launch.find_parent("form")

    launched = submit(learner, "/", form["action"])

    assert launched.status_code == 302
    assert "/steps/authorization_request" in launched.headers["Location"]


def test_the_instructors_clock_button_says_the_control_api_wants_the_token(learner):
    moved = submit(learner, "/instructor", "/instructor/clock", advance="Advance 1 h")

    assert moved.status_code == 502
    assert "wants the instructor token" in moved.get_data(as_text=True)


def test_the_instructors_own_sandbox_moves_the_clock_with_the_token(provider):
    instructor = sandbox(provider, instructor_token="s3cret")

    moved = submit(instructor, "/instructor", "/instructor/clock", advance="Advance 1 h")

    assert moved.status_code == 302
    shown = page(instructor.get(moved.headers["Location"])).get_text(" ", strip=True)
    assert "Moved the provider's clock forward: advance 1 h." in shown
    clock = requests.get(
        f"{provider.issuer}/control/clock", headers={"Authorization": "Bearer s3cret"}, timeout=5
    )
    assert clock.json()["offset_seconds"] == 3600


def test_the_instructors_sandbox_never_shows_the_token_it_sends_on_its_pages_or_exports(provider):
    instructor = sandbox(provider, instructor_token="s3cret")

    started = submit(instructor, "/", "/flows/authorization-code/runs")
    run = started.headers["Location"].split("/steps/")[0]
    shown = {
        path: instructor.get(run + path).get_data(as_text=True)
        for path in ("/steps/discovery_request", "/timeline", "/export.har", "/export.md")
    }

    assert started.status_code == 302
    for path, text in shown.items():
        assert "s3cret" not in text, path  # an instructor's screen is often projected
    # It was sent all the same: the discovery request shows where it went.
    assert "X-Instructor-Token: (the instructor token)" in shown["/steps/discovery_request"]

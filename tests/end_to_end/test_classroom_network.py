"""A provider reachable beyond loopback (it then has an instructor token), seen by a learner's
sandbox, which holds no token: scenarios still launch; the instructor's actions are refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_provider import ProviderConfig
from mock_provider.server import serve_in_thread
from sandbox import SandboxConfig, create_app

from .sandbox_pages import SANDBOX, page, submit


@pytest.fixture
def learner(tmp_path) -> Iterator:
    running = serve_in_thread(
        ProviderConfig.load(
            database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}", instructor_token="s3cret"
        )
    )
    # Beyond loopback registration needs the token too, so a class uses a declared client.
    config = SandboxConfig(
        issuer=running.issuer, base_url=SANDBOX, client_id="web-app", client_secret="web-app-secret"
    )
    yield create_app(config).test_client()
    running.stop()


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

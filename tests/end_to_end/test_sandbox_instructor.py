"""Instructor mode against a real provider: the clock, the signing key, a reset, presenter mode
and a playlist, each checked as the instructor reads it on /instructor."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from sandbox import SandboxConfig, create_app

from .sandbox_pages import (
    SANDBOX,
    finish,
    follow_authorization_link,
    form_token,
    make_sandbox,
    page,
    start,
    submit,
)
from .servers import serving

EXAMPLE_PLAYLIST = Path(__file__).parents[2] / "playlists" / "first-class.toml"


@pytest.fixture(autouse=True)
def real_time(provider):
    """The provider's clock is one per process: put it back after each test."""
    yield
    requests.post(f"{provider.issuer}/control/clock/reset", timeout=10)


def _press(learner, on: str, action: str, **form) -> object:
    """Submit an instructor form of the page at `on` and open the page it leads to."""
    response = submit(learner, on, action, **form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return page(learner.get(response.headers["Location"]))


def _outcome(soup) -> str:
    return soup.find("section", attrs={"aria-label": "What happened"}).get_text(" ", strip=True)


def _with_tokens(provider):
    """A learner who ran the authorization code flow to the end: the provider holds tokens."""
    learner = make_sandbox(provider.issuer)
    path = start(learner, "authorization-code")
    follow_authorization_link(learner, path)
    finish(learner, path)
    return learner


def test_advancing_the_clock_an_hour_says_the_access_token_expired(provider):
    learner = _with_tokens(provider)
    state = requests.get(f"{provider.issuer}/control/state", timeout=10).json()
    access_token = state["grants"][0]["tokens"][0]["access_token"]

    quiet = _outcome(_press(learner, "/instructor", "/instructor/clock", advance="Advance 1 min"))
    assert "Nothing expired as a result." in quiet

    said = _outcome(_press(learner, "/instructor", "/instructor/clock", advance="Advance 1 h"))
    assert f"The access token …{access_token[-8:]}" in said
    assert "alice's grant" in said
    assert "expired" in said
    assert "refresh token" not in said  # refresh tokens outlive access tokens

    back = _press(learner, "/instructor", "/instructor/clock", advance="Reset clock")
    assert "back to the real time" in _outcome(back)


def test_rotating_the_key_shows_a_new_kid_that_the_jwks_lists(provider):
    learner = make_sandbox(provider.issuer)
    said = _outcome(_press(learner, "/instructor", "/instructor/keys/rotate"))
    discovery = f"{provider.issuer}/.well-known/openid-configuration"
    jwks_uri = requests.get(discovery, timeout=10).json()["jwks_uri"]
    kids = [key["kid"] for key in requests.get(jwks_uri, timeout=10).json()["keys"]]
    new_kid = said.split("new key, kid ", 1)[1].split(".")[0].strip()
    assert new_kid in kids
    assert len(kids) >= 2
    assert all(kid in said for kid in kids)


def test_reset_asks_first_and_then_forgets_every_grant(provider):
    learner = _with_tokens(provider)
    assert requests.get(f"{provider.issuer}/control/state", timeout=10).json()["grants"]

    confirm = page(learner.get("/instructor/reset"))
    assert confirm.find("button", string="Yes, reset everything") is not None
    assert requests.get(f"{provider.issuer}/control/state", timeout=10).json()["grants"]

    said = _outcome(_press(learner, "/instructor/reset", "/instructor/reset", confirm="yes"))
    assert "forgot everything" in said
    assert requests.get(f"{provider.issuer}/control/state", timeout=10).json()["grants"] == []


def test_after_a_reset_every_sandbox_in_the_room_registers_again_and_its_flows_work(provider):
    instructor, classmate = _with_tokens(provider), _with_tokens(provider)  # two sandboxes
    _press(instructor, "/instructor/reset", "/instructor/reset", confirm="yes")

    for learner in (instructor, classmate):
        path = start(learner, "authorization-code")
        # The provider forgot the sandboxes' clients: with a stale client_id its answer here
        # would be an error page (invalid_client), not the redirect back.
        follow_authorization_link(learner, path)
        last = page(learner.get(finish(learner, path).headers["Location"]))
        assert "Alice Adams" in last.get_text()


def test_presenter_mode_toggles_the_body_class(provider):
    learner = make_sandbox(provider.issuer)
    assert "presenter" not in (page(learner.get("/")).body.get("class") or [])
    button = page(learner.get("/")).find("button", string="Presenter mode on")
    assert button is not None

    response = learner.post(
        "/presenter", data={"next": "/instructor", "csrf_token": form_token(learner)}
    )
    assert response.headers["Location"] == "/instructor"
    shown = page(learner.get("/"))
    assert "presenter" in shown.body["class"]
    assert shown.find("button", string="Presenter mode off") is not None

    learner.post(
        "/presenter", data={"next": "https://elsewhere.example/", "csrf_token": form_token(learner)}
    )
    assert "presenter" not in (page(learner.get("/")).body.get("class") or [])


def test_playlist_lists_its_scenarios_in_order_and_marks_the_launched_one(provider):
    learner = create_app(
        SandboxConfig(issuer=provider.issuer, base_url=SANDBOX, playlist=EXAMPLE_PLAYLIST)
    ).test_client()
    listed = page(learner.get("/instructor")).select("section.playlist li")
    ids = [item.code.text for item in listed]
    assert ids == [
        "state-mismatch",
        "code-replay",
        "pkce-verifier-mismatch",
        "nonce-mismatch",
        "refresh-token-reuse",
    ]
    assert all(item.find("button", string="Launch") for item in listed)
    assert not page(learner.get("/instructor")).select("section.playlist li.launched")

    launched = submit(learner, "/instructor", listed[1].form["action"])
    assert launched.status_code == 302
    marked = page(learner.get("/instructor")).select("section.playlist li.launched")
    assert [item.code.text for item in marked] == ["code-replay"]


def test_playlist_reports_an_id_the_provider_does_not_know(provider, tmp_path):
    playlist = tmp_path / "typo.toml"
    playlist.write_text('title = "Typo"\nscenarios = ["code-replay", "code-reply"]\n')
    learner = create_app(
        SandboxConfig(issuer=provider.issuer, base_url=SANDBOX, playlist=playlist)
    ).test_client()
    shown = page(learner.get("/instructor"))
    assert "no scenario code-reply" in shown.find(class_="unknown-ids").get_text(" ", strip=True)
    assert shown.select("section.playlist li")[1].find("button") is None


def test_a_vulnerable_setting_in_a_playlist_points_to_its_attack_page_and_cannot_be_launched(
    provider, tmp_path
):
    playlist = tmp_path / "attacks.toml"
    playlist.write_text('title = "Attacks"\nscenarios = ["code-replay", "vulnerable-implicit"]\n')
    learner = create_app(
        SandboxConfig(issuer=provider.issuer, base_url=SANDBOX, playlist=playlist)
    ).test_client()

    entry = page(learner.get("/instructor")).select("section.playlist li")[1]
    launched = learner.post(
        "/scenarios/vulnerable-implicit/runs", data={"csrf_token": form_token(learner)}
    )

    assert entry.find("button") is None
    assert "a deliberately VULNERABLE setting" in entry.get_text(" ", strip=True)
    assert launched.status_code == 404
    assert "not a failure scenario" in launched.get_data(as_text=True)


@pytest.fixture
def other_provider():
    """A provider that is not the mock one: its discovery document names no control API."""
    app = Flask("other_provider")
    server = make_server("127.0.0.1", 0, app)
    issuer = f"http://127.0.0.1:{server.server_port}"
    app.add_url_rule("/.well-known/openid-configuration", view_func=lambda: {"issuer": issuer})
    with serving(server):
        yield issuer


def test_without_a_control_api_the_page_says_it_needs_the_mock_provider(other_provider):
    shown = page(make_sandbox(other_provider).get("/instructor"))
    assert "Instructor mode needs the mock provider" in shown.find(class_="problem").text
    assert shown.find("button", string="Advance 1 h") is None

"""The sandbox's own pages, in-process: headers, the docs link target, errors."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from sandbox import SandboxConfig, create_app


@pytest.fixture
def app(tmp_path):
    site = tmp_path / "site"
    (site / "explanation").mkdir(parents=True)
    (site / "explanation" / "state-nonce-pkce.html").write_text("<h1>State, nonce and PKCE</h1>")
    return create_app(SandboxConfig(issuer="http://127.0.0.1:1", docs_dir=site))


def test_pages_allow_only_the_sandboxs_own_scripts_and_leak_no_referrer(client):
    response = client.get("/")

    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_docs_links_are_served_from_the_built_site(client):
    with client.get("/docs/explanation/state-nonce-pkce.html") as response:
        assert response.status_code == 200
        assert b"State, nonce and PKCE" in response.data


def test_without_a_built_site_a_docs_link_says_how_to_build_it():
    bare = create_app(SandboxConfig(issuer="http://127.0.0.1:1", docs_dir=None)).test_client()

    response = bare.get("/docs/explanation/state-nonce-pkce.html")

    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "docs/explanation/state-nonce-pkce.md" in text
    assert "mkdocs build" in text


def test_a_provider_that_cannot_be_reached_gets_a_page_that_says_what_to_do(client):
    response = client.post(
        "/flows/authorization-code/runs",
        data={"variant": "classic", "csrf_token": _form_token(client)},
    )

    assert response.status_code == 502
    text = response.get_data(as_text=True)
    assert "Could not reach http://127.0.0.1:1/.well-known/openid-configuration" in text
    assert "oauth-sandbox sandbox --issuer URL" in text


def test_a_run_of_another_browser_is_not_found(client):
    response = client.get("/runs/not-yours")

    assert response.status_code == 404
    assert "Runs belong to the browser that started them" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "action",
    [
        "/presenter",
        "/instructor/clock",
        "/instructor/keys/rotate",
        "/instructor/reset",
        "/flows/authorization-code/runs",
        "/scenarios/wrong-audience/runs",
        "/attacks/login-csrf/runs",
    ],
)
def test_a_control_action_without_the_form_token_is_refused_in_plain_words(client, action):
    response = client.post(action, data={"next": "/", "confirm": "yes", "setting": "secure"})

    assert response.status_code == 400
    assert "Location" not in response.headers
    text = " ".join(_page(response).get_text().split())
    assert "This form expired or came from another site" in text
    assert "reload the page and try again" in text


def test_a_refused_control_action_changes_nothing(client):
    client.post("/presenter", data={"next": "/"})

    assert "Presenter mode on" in _page(client.get("/")).get_text()  # still off


def test_a_control_action_with_another_browsers_token_is_refused(app, client):
    someone_else = _form_token(app.test_client())

    response = client.post("/presenter", data={"next": "/", "csrf_token": someone_else})

    assert response.status_code == 400
    assert "This form expired" in response.get_data(as_text=True)


def test_the_same_control_action_with_its_token_goes_through(client):
    response = client.post("/presenter", data={"next": "/", "csrf_token": _form_token(client)})

    assert response.status_code == 302
    assert "Presenter mode off" in _page(client.get("/")).get_text()


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _form_token(client) -> str:
    """The CSRF token the sandbox's pages put in their forms, read from the index page."""
    return _page(client.get("/")).find("input", attrs={"name": "csrf_token"})["value"]

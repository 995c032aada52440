"""The sandbox's own pages, in-process: headers, the docs link target, errors."""

from __future__ import annotations

import pytest

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
    response = client.post("/flows/authorization-code/runs", data={"variant": "classic"})

    assert response.status_code == 502
    text = response.get_data(as_text=True)
    assert "Could not reach http://127.0.0.1:1/.well-known/openid-configuration" in text
    assert "oauth-sandbox sandbox --issuer URL" in text


def test_a_run_of_another_browser_is_not_found(client):
    response = client.get("/runs/not-yours")

    assert response.status_code == 404
    assert "Runs belong to the browser that started them" in response.get_data(as_text=True)

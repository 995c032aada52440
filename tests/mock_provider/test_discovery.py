"""Discovery (OIDC Discovery 1.0 §4, RFC 8414 §3): what a client reads before anything else."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from mock_provider.scenarios import SCENARIOS

from .conftest import ISSUER

WELL_KNOWN = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")


def _urls(document: dict) -> dict[str, str]:
    return {
        key: value
        for key, value in document.items()
        if isinstance(value, str) and value.startswith("http")
    }


def test_both_well_known_paths_serve_the_same_document(client):
    openid, oauth = (client.get(path) for path in WELL_KNOWN)

    assert openid.status_code == oauth.status_code == 200
    assert openid.get_json() == oauth.get_json()


def test_issuer_is_exactly_the_configured_url_without_trailing_slash(client):
    document = client.get(WELL_KNOWN[0]).get_json()

    assert document["issuer"] == "http://127.0.0.1:9000"


def test_every_listed_endpoint_answers(client):
    document = client.get(WELL_KNOWN[0]).get_json()
    urls = _urls(document)
    assert {"authorization_endpoint", "token_endpoint", "jwks_uri"} <= set(urls)

    for key, url in urls.items():
        path = urlsplit(url).path or "/"
        status = client.get(path).status_code
        assert status != 404, f"{key} {url} answered 404"
        assert status < 500, f"{key} {url} answered {status}"


@pytest.mark.parametrize("scenario_id", sorted(SCENARIOS))
def test_scenario_issuer_lists_only_protocol_urls_under_its_own_path(client, scenario_id):
    issuer = f"{ISSUER}/scenarios/{scenario_id}"
    response = client.get(f"/scenarios/{scenario_id}/.well-known/openid-configuration")

    document = response.get_json()
    assert response.status_code == 200
    assert document["issuer"] == issuer
    for key, url in _urls(document).items():
        if key not in ("issuer", "mock_provider_control_endpoint"):
            assert url.startswith(issuer + "/"), f"{key} is {url}"
    # The control API is the provider's, not the scenario's: one per provider, at its root.
    assert document["mock_provider_control_endpoint"] == f"{ISSUER}/control"


@pytest.mark.parametrize("path", WELL_KNOWN)
def test_unknown_scenario_is_a_json_404(client, path):
    response = client.get(f"/scenarios/no-such-scenario{path}")

    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert "no-such-scenario" in response.get_json()["error_description"]


@pytest.mark.parametrize("scenario_id", sorted(SCENARIOS))
def test_scenario_metadata_is_also_at_the_rfc_8414_path_inserted_well_known_url(
    client, scenario_id
):
    # RFC 8414 §3.1: for an issuer with a path, the well-known segment goes before the path.
    inserted = client.get(f"/.well-known/oauth-authorization-server/scenarios/{scenario_id}")
    appended = client.get(f"/scenarios/{scenario_id}/.well-known/oauth-authorization-server")

    assert inserted.status_code == appended.status_code == 200
    assert inserted.get_json() == appended.get_json()
    assert inserted.get_json()["issuer"] == f"{ISSUER}/scenarios/{scenario_id}"


def test_unknown_scenario_at_the_rfc_8414_path_inserted_url_is_a_json_404(client):
    response = client.get("/.well-known/oauth-authorization-server/scenarios/no-such-scenario")

    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert "no-such-scenario" in response.get_json()["error_description"]

"""The pytest plugin, used as another project would use it: through the installed entry point."""

from __future__ import annotations

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

pytest_plugins = ["pytester"]


# --8<-- [start:declared_client]
@pytest.mark.oauth_provider(
    clients={
        "my-app": {
            "client_secret": "my-app-secret",
            "redirect_uris": ["http://127.0.0.1:5000/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "scope": "openid email",
        }
    },
    auto_login="bob",
)
def test_declared_client_completes_a_login_as_the_declared_user(oauth_provider):
    session = OAuth2Session(
        "my-app",
        "my-app-secret",
        scope="openid email",
        redirect_uri="http://127.0.0.1:5000/callback",
    )
    metadata = oauth_provider.metadata
    url, state = session.create_authorization_url(metadata["authorization_endpoint"], nonce="n-1")
    location = requests.get(url, allow_redirects=False, timeout=5).headers["Location"]

    token = session.fetch_token(metadata["token_endpoint"], authorization_response=location)
    claims = session.get(metadata["userinfo_endpoint"]).json()

    assert token["scope"] == "openid email"
    assert claims == {"sub": "248289761002", "email": "bob@example.org", "email_verified": False}


# --8<-- [end:declared_client]


def test_fixture_defaults_to_the_seeded_clients_on_a_free_port(oauth_provider):
    assert oauth_provider.issuer.startswith("http://127.0.0.1:")
    assert oauth_provider.issuer != "http://127.0.0.1:9000"
    assert oauth_provider.client("web-app").client_secret == "web-app-secret"


@pytest.mark.oauth_provider(resources={"uris": ["http://127.0.0.1:5001"]})
def test_a_declared_resource_is_the_audience_of_the_token_asked_for_it(oauth_provider):
    answer = requests.post(
        oauth_provider.url("/token"),
        data={"grant_type": "client_credentials", "resource": "http://127.0.0.1:5001"},
        auth=("backend-service", "backend-service-secret"),
        timeout=5,
    )
    introspected = requests.post(
        oauth_provider.url("/introspect"),
        data={"token": answer.json()["access_token"]},
        auth=("backend-service", "backend-service-secret"),
        timeout=5,
    ).json()

    assert answer.status_code == 200
    assert introspected["aud"] == "http://127.0.0.1:5001"


def test_advancing_the_clock_expires_an_access_token(oauth_provider):
    token = requests.post(
        oauth_provider.url("/token"),
        data={"grant_type": "client_credentials"},
        auth=("backend-service", "backend-service-secret"),
        timeout=5,
    ).json()["access_token"]
    photos = oauth_provider.url("/api/photos")
    bearer = {"Authorization": f"Bearer {token}"}

    before = requests.get(photos, headers=bearer, timeout=5).status_code
    oauth_provider.advance_clock(3601)
    after = requests.get(photos, headers=bearer, timeout=5)

    assert before == 200
    assert after.status_code == 401
    assert "expired" in after.json()["error_description"]
    assert oauth_provider.log(client_id="backend-service")[-1]["request"] == "POST /token"


def test_a_bad_declaration_names_the_marker_and_the_key(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.oauth_provider(clients={"x": {"redirect_uri": "http://127.0.0.1/cb"}})
        def test_it(oauth_provider):
            assert oauth_provider.issuer  # never reached: the fixture fails first
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.oauth_provider: [[]clients.x[]] unknown key 'redirect_uri'*"]
    )


def test_a_misspelt_marker_keyword_fails_the_test_naming_it(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.oauth_provider(autologin="bob")
        def test_it(oauth_provider):
            assert oauth_provider.issuer  # never reached: the fixture fails first
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.oauth_provider: unknown keyword 'autologin'; expected clients, users, "
            "lifetimes, resources, auto_login*"
        ]
    )


def test_the_marker_builds_on_an_overridden_config_and_on_the_modules_marker(pytester):
    pytester.makepyfile(
        """
        import pytest
        from mock_provider import ProviderConfig

        pytestmark = pytest.mark.oauth_provider(
            users={"dave": {"name": "Dave Doe"}}, auto_login="dave"
        )

        @pytest.fixture
        def oauth_provider_config(tmp_path):
            path = tmp_path / "provider.toml"
            path.write_text(
                '[clients.mine]\\nclient_secret = "s"\\ngrant_types = ["client_credentials"]\\n'
            )
            return ProviderConfig.load(path, database_url=f"sqlite:///{tmp_path / 'p.db'}")

        @pytest.mark.oauth_provider(lifetimes={"access_token": 30})
        def test_it(oauth_provider):
            config = oauth_provider.config
            assert [c.client_id for c in config.clients] == ["mine"]
            assert [u.username for u in config.users] == ["dave"]
            assert config.auto_login == "dave"
            assert config.lifetimes.access_token == 30
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_refused_control_call_raises_with_the_providers_reason(oauth_provider):
    with pytest.raises(requests.HTTPError) as raised:
        oauth_provider.advance_clock(-100)

    assert str(raised.value).startswith("POST /control/clock/advance answered 400: seconds must")
    with pytest.raises(LookupError, match="no client 'nope' is declared"):
        oauth_provider.client("nope")


def test_a_config_without_a_database_serves_requests_from_every_thread():
    # The default URL is in-memory SQLite, which lives in one connection: the provider swaps in
    # a throwaway file, so the server's threads find the tables.
    from mock_provider import ProviderConfig
    from mock_provider.server import serve_in_thread

    running = serve_in_thread(ProviderConfig.load())
    try:
        response = requests.post(
            running.issuer + "/token",
            data={"grant_type": "client_credentials"},
            auth=("backend-service", "backend-service-secret"),
            timeout=5,
        )
    finally:
        running.stop()

    assert response.status_code == 200, response.text

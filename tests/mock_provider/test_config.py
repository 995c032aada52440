"""Config files: a mistake stops the provider with a message naming the file, the key and what
was expected; a valid file replaces the seeded sections it declares."""

from __future__ import annotations

from textwrap import dedent

import pytest

from mock_provider.config import SEED_FILE, ConfigError, ProviderConfig

VALID_CLIENT = """
[clients.demo]
client_secret = "demo-secret"
redirect_uris = ["https://client.test/cb"]
grant_types = ["authorization_code"]
scope = "openid email"
"""


def write(tmp_path, text: str):
    path = tmp_path / "provider.toml"
    path.write_text(dedent(text))
    return path


def client_with(line: str) -> str:
    """A valid client declaration with one more line, which may replace a valid one."""
    key = line.split("=")[0].strip()
    kept = [row for row in VALID_CLIENT.splitlines() if not row.startswith(f"{key} ")]
    return "\n".join([*kept, line]) + "\n"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        pytest.param(
            client_with('redirect_uri = ["https://client.test/cb"]'),
            "[clients.demo] unknown key 'redirect_uri'",
            "expected one of [",
            id="unknown-client-key",
        ),
        pytest.param(
            "[users.carol]\nmail = 'carol@example.com'\n",
            "[users.carol] unknown key 'mail'",
            "'email'",
            id="unknown-user-key",
        ),
        pytest.param(
            "[lifetimes]\naccess_tokens = 60\n",
            "[lifetimes] unknown key 'access_tokens'",
            "'access_token'",
            id="unknown-lifetime",
        ),
        pytest.param(
            "[lifetimes]\naccess_token = '3600'\n",
            "[lifetimes] access_token",
            "expected a whole number of seconds, got '3600'",
            id="lifetime-as-string",
        ),
        pytest.param(
            "[lifetimes]\naccess_token = true\n",
            "[lifetimes] access_token",
            "expected a whole number of seconds, got True",
            id="lifetime-as-boolean",
        ),
        pytest.param(
            "[lifetimes]\naccess_token = 0\n",
            "[lifetimes] access_token",
            "expected a positive number, got 0",
            id="lifetime-zero",
        ),
        pytest.param(
            client_with('require_pkce = "yes"'),
            "[clients.demo] require_pkce",
            "expected true or false, got 'yes'",
            id="pkce-as-string",
        ),
        pytest.param(
            client_with('redirect_uris = "https://client.test/cb"'),
            "[clients.demo] redirect_uris",
            "expected a list of absolute http(s) URLs",
            id="redirect-uris-not-a-list",
        ),
        pytest.param(
            client_with('redirect_uris = ["client.test/cb"]'),
            "[clients.demo] redirect_uris",
            "user info or a fragment, got 'client.test/cb'",
            id="relative-redirect-uri",
        ),
        pytest.param(
            client_with('redirect_uris = ["https://client.test/cb#done"]'),
            "[clients.demo] redirect_uris",
            "or a fragment, got 'https://client.test/cb#done'",
            id="redirect-uri-with-fragment",
        ),
        pytest.param(
            client_with('redirect_uris = ["https://client.test/cb#"]'),
            "[clients.demo] redirect_uris",
            "or a fragment, got 'https://client.test/cb#'",
            id="redirect-uri-with-empty-fragment",
        ),
        pytest.param(
            client_with('redirect_uris = ["https://provider.test@client.test/cb"]'),
            "[clients.demo] redirect_uris",
            "without user info or a fragment, got 'https://provider.test@client.test/cb'",
            id="redirect-uri-with-userinfo",
        ),
        pytest.param(
            client_with('post_logout_redirect_uris = ["ftp://client.test/"]'),
            "[clients.demo] post_logout_redirect_uris",
            "without user info or a fragment, got 'ftp://client.test/'",
            id="logout-uri-not-http",
        ),
        pytest.param(
            client_with('grant_types = ["authorization_code", "implicit"]'),
            "[clients.demo] grant_types: unknown grant type 'implicit'",
            "expected values from ['authorization_code', 'refresh_token', 'client_credentials'",
            id="unknown-grant-type",
        ),
        pytest.param(
            client_with('scope = "openid admin"'),
            "[clients.demo] scope: unknown scope 'admin'",
            "expected scopes from ['email', 'openid'",
            id="unknown-scope",
        ),
        pytest.param(
            client_with('access_token_format = "paseto"'),
            "[clients.demo] access_token_format",
            "expected one of ['jwt', 'opaque'], got 'paseto'",
            id="unknown-token-format",
        ),
        pytest.param(
            "[clients.m2m]\ngrant_types = ['client_credentials']\nscope = 'photos.read'\n",
            "[clients.m2m] client_secret",
            "expected a secret, because only confidential clients may use the "
            "client_credentials grant",
            id="client-credentials-without-secret",
        ),
        pytest.param(
            "[clients.web]\ngrant_types = ['authorization_code']\n",
            "[clients.web] redirect_uris",
            "expected at least one URL",
            id="code-grant-without-redirect-uri",
        ),
        pytest.param(
            client_with('client_secret = ""'),
            "[clients.demo] client_secret",
            "expected a secret, got an empty string; leave the key out to declare a public client",
            id="empty-client-secret",
        ),
        pytest.param(
            "[users.carol]\nsub = 'same'\n[users.dave]\nsub = 'same'\n",
            "[users.dave] sub",
            "expected a subject of its own, but 'same' is already the sub of [users.carol]",
            id="two-users-one-sub",
        ),
        pytest.param(
            "[users.carol]\nemail_verified = 'yes'\n",
            "[users.carol] email_verified",
            "expected true or false, got 'yes'",
            id="user-claim-wrong-type",
        ),
        pytest.param(
            "[clients]\ndemo = 'web-app'\n",
            "[clients] demo",
            "expected a table [clients.demo]",
            id="client-not-a-table",
        ),
        pytest.param(
            "[resources]\nuris = ['https://api.test/#photos']\n",
            "[resources] uris",
            "expected a list of absolute URIs without a fragment, got 'https://api.test/#photos'",
            id="resource-with-fragment",
        ),
        pytest.param(
            "[resources]\nuris = ['http://[::1']\n",
            "[resources] uris",
            "expected a list of absolute URIs without a fragment, got 'http://[::1'",
            id="resource-not-a-uri",
        ),
        pytest.param(
            "[client.demo]\nscope = 'openid'\n",
            "unknown section [client]",
            "expected [lifetimes], [clients.<client_id>], [users.<username>], [registration] or "
            "[resources]",
            id="unknown-section",
        ),
    ],
)
def test_invalid_config_file_is_rejected_naming_file_key_and_expectation(
    tmp_path, text, key, expected
):
    path = write(tmp_path, text)

    with pytest.raises(ConfigError) as raised:
        ProviderConfig.load(path)

    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert key in message
    assert expected in message


def test_missing_config_file_is_named_in_the_error(tmp_path):
    path = tmp_path / "nowhere.toml"

    with pytest.raises(ConfigError, match="file not found") as raised:
        ProviderConfig.load(path)

    assert str(raised.value) == f"{path}: file not found"


def test_config_file_that_is_not_toml_is_rejected_with_the_parser_position(tmp_path):
    path = write(tmp_path, "[clients.demo\nscope = 'openid'\n")

    with pytest.raises(ConfigError) as raised:
        ProviderConfig.load(path)

    message = str(raised.value)
    assert message.startswith(f"{path}: not valid TOML (")
    assert "line 1" in message


def test_auto_login_naming_an_undeclared_user_is_rejected(tmp_path):
    path = write(tmp_path, "[users.carol]\nname = 'Carol Chen'\n")

    with pytest.raises(ConfigError) as raised:
        ProviderConfig.load(path, auto_login="alice")

    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert "--auto-login names user 'alice', which is not declared" in message
    assert "expected one of ['carol']" in message


def test_auto_login_against_the_seed_names_the_seed_file_and_its_users():
    with pytest.raises(ConfigError) as raised:
        ProviderConfig.load(auto_login="mallory")

    message = str(raised.value)
    assert message.startswith(f"{SEED_FILE}: ")
    assert "'mallory'" in message
    assert "expected one of ['alice', 'bob']" in message


def test_valid_file_replaces_the_seeded_clients_and_keeps_the_seeded_users(tmp_path):
    path = write(tmp_path, VALID_CLIENT)

    config = ProviderConfig.load(path, auto_login="bob")

    assert [client.client_id for client in config.clients] == ["demo"]
    demo = config.clients[0]
    assert demo.client_secret == "demo-secret"
    assert demo.redirect_uris == ("https://client.test/cb",)
    assert demo.scope == "openid email"
    assert [user.username for user in config.users] == ["alice", "bob"]
    assert config.auto_login == "bob"


def test_a_file_declaring_only_lifetimes_keeps_the_seeded_clients(tmp_path):
    path = write(tmp_path, "[lifetimes]\naccess_token = 60\n")

    config = ProviderConfig.load(path)

    assert config.lifetimes.access_token == 60
    assert [client.client_id for client in config.clients] == [
        "web-app",
        "spa",
        "tv-app",
        "backend-service",
    ]

"""Tutorial 6, "Tokens expire: refresh, rotation and revocation", run as the learner runs it.

The tutorial's script (tutorials/06-tokens-expire/tokens_expire.py) is imported fresh and run
against a real mock provider on a free loopback port, started with `--auto-login alice` as the
tutorial's commands.sh starts it. The provider's clock is stopped at a fixed time, so it moves
only when the script advances it, as the sample output (tokens_expire.txt) was printed.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from .script_output import fixed_clock_config, shape
from .tutorial_files import import_fresh

TUTORIAL = Path(__file__).parents[2] / "tutorials" / "06-tokens-expire"
COMMANDS = (TUTORIAL / "commands.sh").read_text()

pytestmark = pytest.mark.oauth_provider(auto_login="alice")


@pytest.fixture
def oauth_provider_config(tmp_path):
    """The seeded provider with its clock stopped, as the sample output was printed."""
    return fixed_clock_config(tmp_path / "provider.sqlite3")


@pytest.fixture
def tokens_expire(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The tutorial's script, imported as a new module, as `python tokens_expire.py` runs it."""
    return import_fresh(monkeypatch, TUTORIAL / "tokens_expire.py")


@pytest.fixture
def output(tokens_expire, oauth_provider, capsys) -> str:
    """What the script prints, run once against the test's provider."""
    tokens_expire.main(["--issuer", oauth_provider.issuer])
    return capsys.readouterr().out


def step(number: int, output: str) -> str:
    """The lines the script printed under its step `number`."""
    return output.split(f"\n{number}. ")[1].split("\n\n")[0]


def test_the_commands_start_the_provider_with_alice_signed_in_at_once():
    assert "oauth-sandbox provider --auto-login alice\n" in COMMANDS
    assert "python tokens_expire.py\n" in COMMANDS


def test_the_script_prints_what_the_tutorial_shows(output, oauth_provider):
    sample = (TUTORIAL / "tokens_expire.txt").read_text()
    assert shape(output, oauth_provider.issuer) == shape(sample, "http://127.0.0.1:9000")


def test_expiry_refresh_and_reuse_print_the_providers_exact_answers(output, oauth_provider):
    assert "200: 3 photos" in step(1, output)
    assert step(2, output).endswith(
        '401: WWW-Authenticate: Bearer realm="mock_provider", error="invalid_token", '
        'error_description="the access token expired 60 s ago (RFC 6750 section 3.1)"'
    )
    assert step(3, output).splitlines()[1:] == [
        "   the refresh token changed: yes",
        "   200: 3 photos, the first 'Sunrise over the estuary'",
    ]
    assert step(4, output).splitlines()[1:] == [
        "   error: invalid_grant",
        "   error_description: refresh_token was already exchanged for a new one; presenting "
        "it again looks like theft, so every token of this grant is now revoked (RFC 9700 "
        "section 4.14.2)",
    ]
    # The tokens the refresh issued died with their grant.
    assert step(5, output).splitlines()[1:] == [
        '   401: WWW-Authenticate: Bearer realm="mock_provider", error="invalid_token", '
        'error_description="the access token has been revoked (RFC 6750 section 3.1)"',
        "   error: invalid_grant",
        "   error_description: refresh_token was revoked (rotated refresh token presented again)",
    ]
    reasons = sorted(grant["revoked_reason"] for grant in oauth_provider.state()["grants"])
    assert reasons == [
        "refresh token revoked by the client",
        "rotated refresh token presented again",
    ]


def test_revocation_is_confirmed_by_introspection_and_the_clock_is_put_back(output, oauth_provider):
    assert step(6, output).splitlines()[1:] == [
        "   refresh_token: active true, scope 'openid photos.read'",
        "   access_token: active true, scope 'openid photos.read'",
    ]
    assert step(7, output).splitlines()[1:4] == [
        "   revocation: 200",
        "   refresh_token: active false",
        "   access_token: active false",
    ]
    assert output.endswith("\nThe provider's clock is back to the real time.\n")
    clock = oauth_provider.http.get(oauth_provider.url("/control/clock"), timeout=10).json()
    assert clock["offset_seconds"] == 0

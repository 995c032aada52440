"""Tutorial 5, "PKCE for a public client", run as the learner runs it.

The tutorial's script (tutorials/05-pkce-public-client/pkce.py) is imported fresh and run against
a real mock provider on a free loopback port, started with `--auto-login alice` as the
tutorial's commands.sh starts it. Its output must have the shape of the sample the page shows
(pkce.txt); the provider's request log must show that its own checks produced each refusal.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

import pytest

from .script_output import fixed_clock_config, shape
from .tutorial_files import import_fresh

TUTORIAL = Path(__file__).parents[2] / "tutorials" / "05-pkce-public-client"
COMMANDS = (TUTORIAL / "commands.sh").read_text()

pytestmark = pytest.mark.oauth_provider(auto_login="alice")


@pytest.fixture
def oauth_provider_config(tmp_path):
    """The seeded provider with its clock stopped, as the sample output was printed."""
    return fixed_clock_config(tmp_path / "provider.sqlite3")


@pytest.fixture
def pkce(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The tutorial's script, imported as a new module, as `python pkce.py` would run it."""
    return import_fresh(monkeypatch, TUTORIAL / "pkce.py")


def printed(pkce: ModuleType, issuer: str, capsys: pytest.CaptureFixture[str]) -> str:
    pkce.main(["--issuer", issuer])
    return capsys.readouterr().out


def value_after(label: str, output: str) -> str:
    """The value the script printed after `label` on the first line that starts with it."""
    return re.search(rf"^   {re.escape(label)} +(\S+)$", output, re.MULTILINE)[1]


def test_the_commands_start_the_provider_with_alice_signed_in_at_once():
    assert "oauth-sandbox provider --auto-login alice\n" in COMMANDS
    assert "python pkce.py\n" in COMMANDS


def test_the_script_prints_what_the_tutorial_shows(pkce, oauth_provider, capsys):
    output = printed(pkce, oauth_provider.issuer, capsys)

    sample = (TUTORIAL / "pkce.txt").read_text()
    assert shape(output, oauth_provider.issuer) == shape(sample, "http://127.0.0.1:9000")


def test_the_challenge_sent_is_the_s256_hash_of_the_verifier_kept(pkce, oauth_provider, capsys):
    output = printed(pkce, oauth_provider.issuer, capsys)

    verifier = value_after("code_verifier", output)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()  # RFC 7636 §4.2
    assert value_after("code_challenge", output) == expected
    authorization_url = next(line.strip() for line in output.splitlines() if "/authorize?" in line)
    query = parse_qs(urlsplit(authorization_url).query)
    assert query["code_challenge"] == [expected]
    assert query["code_challenge_method"] == ["S256"]
    assert verifier not in authorization_url


def test_the_provider_checked_the_verifier_and_refused_the_wrong_and_missing_ones(
    pkce, oauth_provider, capsys
):
    printed(pkce, oauth_provider.issuer, capsys)

    token_requests = [
        entry
        for entry in reversed(oauth_provider.log(client_id="spa"))
        if entry["request"] == "POST /token"
    ]
    outcomes = [(entry["status"], entry["checks"][-1]) for entry in token_requests]
    assert outcomes[0] == (
        200,
        {"check": "PKCE code_verifier", "passed": True, "detail": "matches the code_challenge"},
    )
    assert [status for status, _ in outcomes[1:]] == [400, 400]
    assert [check["passed"] for _, check in outcomes[1:]] == [False, False]
    assert "RFC 7636 §4.6" in outcomes[1][1]["detail"]
    assert "code_verifier is missing" in outcomes[2][1]["detail"]


@pytest.mark.oauth_provider(auto_login=None)
def test_without_auto_login_the_script_says_how_to_start_the_provider(pkce, oauth_provider):
    with pytest.raises(SystemExit, match="start it with `oauth-sandbox provider --auto-login"):
        pkce.main(["--issuer", oauth_provider.issuer])

"""Tutorial 7, "Validate an ID token yourself", run as the learner runs it.

The tutorial's script (tutorials/07-validate-an-id-token/validate_id_token.py) is imported fresh
and run against a real mock provider on a free loopback port, with alice signed in at once as
commands.sh starts it. Each `python validate_id_token.py ISSUER` line of commands.sh is run with
the provider's real port in place of 9000, and its output is compared with the .txt file the page
shows.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest

from .tutorial_files import import_fresh

TUTORIAL = Path(__file__).parents[2] / "tutorials" / "07-validate-an-id-token"
COMMANDS = (TUTORIAL / "commands.sh").read_text()
DOCS_ROOT = "http://127.0.0.1:9000"  # the provider's address in commands.sh and the outputs
RUNS = re.findall(r"^python validate_id_token\.py (\S+)$", COMMANDS, re.MULTILINE)

pytestmark = pytest.mark.oauth_provider(auto_login="alice")


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The tutorial's script as a new module, as `python validate_id_token.py` would load it."""
    return import_fresh(monkeypatch, TUTORIAL / "validate_id_token.py")


def run(script: ModuleType, issuer: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the script's main() on `issuer`; its exit status and what it printed."""
    status = script.main(["validate_id_token.py", issuer])
    return status, capsys.readouterr().out


def expected_output(issuer: str) -> str:
    """The .txt file the page shows for this command: valid.txt, or the scenario's id."""
    name = issuer.rsplit("/scenarios/", 1)[1] if "/scenarios/" in issuer else "valid"
    return (TUTORIAL / f"{name}.txt").read_text()


def test_commands_start_the_provider_with_alice_signed_in_and_run_three_issuers():
    assert "oauth-sandbox provider --auto-login alice" in COMMANDS
    assert RUNS == [
        DOCS_ROOT,
        DOCS_ROOT + "/scenarios/bad-signature",
        DOCS_ROOT + "/scenarios/expired-id-token",
    ]


@pytest.mark.parametrize("issuer", RUNS)
def test_each_command_prints_what_the_page_shows(script, oauth_provider, capsys, issuer):
    status, out = run(script, issuer.replace(DOCS_ROOT, oauth_provider.issuer), capsys)

    assert out.replace(oauth_provider.issuer, DOCS_ROOT) == expected_output(issuer)
    assert status == (0 if issuer == DOCS_ROOT else 1)


def id_token_scenarios() -> list[tuple[str, str]]:
    """(scenario id, check it fails) for every scenario that breaks at id_token_validation,
    the check read from the catalogue's own words: 'The ID token checklist fails on "aud"'."""
    from mock_provider.scenarios import SCENARIOS

    return [
        (s.id, re.search(r'fails on "(\w+)"', s.learner_sees)[1])
        for s in SCENARIOS.values()
        if s.step == "id_token_validation"
    ]


@pytest.mark.parametrize(("scenario", "check"), id_token_scenarios())
def test_each_id_token_scenario_fails_exactly_the_check_the_catalogue_names(
    script, oauth_provider, capsys, scenario, check
):
    status, out = run(script, f"{oauth_provider.issuer}/scenarios/{scenario}", capsys)

    failed = re.findall(r"^  FAIL  (\w+)", out, re.MULTILINE)
    assert failed == [check]
    assert out.endswith(f"Rejected: {check} failed.\n")
    assert status == 1


def test_the_id_token_scenarios_cover_every_fault_the_page_mentions():
    checks = dict(id_token_scenarios())
    assert checks == {
        "bad-signature": "signature",
        "alg-none": "signature",
        "wrong-issuer": "iss",
        "wrong-audience": "aud",
        "expired-id-token": "exp",
        "nonce-mismatch": "nonce",
        "unknown-kid": "signature",
    }


def test_a_key_rotated_after_the_jwks_was_fetched_is_found_by_fetching_it_again(
    script, oauth_provider
):
    metadata = script.discover(oauth_provider.issuer)
    jwks = script.fetch_jwks(metadata)
    new_kid = oauth_provider.rotate_keys()
    tokens, _nonce = script.sign_in(metadata)

    with pytest.raises(Exception, match="kid"):
        jwks.get_by_kid(new_kid)  # the keys fetched first do not know the new kid
    assert script.check_signature(tokens["id_token"], jwks, metadata).passed


def test_exp_is_compared_with_the_provider_clock_so_advancing_it_expires_the_token(
    script, oauth_provider
):
    metadata = script.discover(oauth_provider.issuer)
    tokens, _nonce = script.sign_in(metadata)
    id_claims = script.json.loads(script.jws.extract_compact(tokens["id_token"].encode()).payload)
    assert script.check_exp(id_claims, script.provider_now(metadata)).passed

    oauth_provider.advance_clock(2 * 3600)
    check = script.check_exp(id_claims, script.provider_now(metadata))

    assert check == script.Check("exp", False, "is 60 min behind the provider's clock")


def test_without_auto_login_the_script_says_how_to_start_the_provider(script, oauth_provider):
    metadata = script.discover(oauth_provider.issuer + "/scenarios/login-required")

    with pytest.raises(SystemExit, match="--auto-login alice"):
        script.sign_in(metadata)


def test_with_no_provider_running_the_script_says_so_without_a_traceback(script):
    with pytest.raises(SystemExit, match="no provider answers at http://127.0.0.1:1"):
        script.discover("http://127.0.0.1:1")

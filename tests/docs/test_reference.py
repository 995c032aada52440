"""The reference pages cover everything the code has: a new route, fault or key fails here first."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from mock_provider import ProviderConfig, create_app
from mock_provider.config import USER_CLAIMS, ClientSpec, Lifetimes
from mock_provider.faults import FAULTS
from mock_provider.scenarios import SCENARIOS

REFERENCE = Path(__file__).parents[2] / "docs" / "reference"
AT_FAULT = {
    "client": "the client",
    "provider": "the provider",
    "attacker": "an attacker",
    "user": "the user",
}


def _page(name: str) -> str:
    return (REFERENCE / name).read_text(encoding="utf-8")


def _routes(tmp_path) -> list[tuple[str, str]]:
    app = create_app(ProviderConfig.load(database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}"))
    return [
        (rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not rule.rule.startswith("/scenarios/")
    ]


def test_every_provider_route_is_in_the_endpoints_or_control_reference(tmp_path):
    documented = _page("endpoints.md") + _page("control-api.md")
    # The reference writes a path's variables as OpenAPI does: `{scenario_id}`, not Flask's `<>`.
    paths = [re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule) for rule, _ in _routes(tmp_path)]
    missing = [path for path in paths if f"`{path}`" not in documented]
    assert missing == []


def test_every_route_is_also_served_under_each_scenario_issuer(tmp_path):
    app = create_app(ProviderConfig.load(database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}"))
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    protocol = {
        rule
        for rule, endpoint in _routes(tmp_path)
        if endpoint.startswith(("protocol.", "interaction."))
    }
    assert protocol
    assert {f"/scenarios/<scenario_id>{rule}" for rule in protocol} <= rules


def _section(part: str, anchor: str) -> str:
    """The section headed `### ... {#anchor}` in the scenarios or faults part of the faults
    page, up to the next heading, with whitespace collapsed; "" if there is none."""
    scenarios, _, faults = _page("faults.md").partition("\n## Faults\n")
    lines = (scenarios if part == "scenarios" else faults).splitlines()
    heading = [i for i, line in enumerate(lines) if line.endswith(f"{{#{anchor}}}")]
    if not heading or not lines[heading[0]].startswith("### "):
        return ""
    body = []
    for line in lines[heading[0] + 1 :]:
        if line.startswith("#"):
            break
        body.append(line)
    return _words(" ".join([lines[heading[0]], *body]))


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("fault", FAULTS.values(), ids=lambda fault: fault.id)
def test_every_fault_has_a_section_with_its_rule_and_effect_in_the_faults_reference(fault):
    section = _section("faults", f"fault-{fault.id}")

    assert section.startswith(f"### `{fault.id}`")
    assert _words(f'**Rule:** "{fault.breaks}" ({fault.spec})') in section
    assert _words(f"**What happens:** {fault.what_happens}") in section


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=lambda scenario: scenario.id)
def test_every_scenario_has_a_section_with_its_rule_section_and_fix(scenario):
    section = _section("scenarios", f"scenario-{scenario.id}")

    assert section.startswith(f"### `{scenario.id}`: {scenario.title}")
    assert f"**Issuer:** `/scenarios/{scenario.id}`" in section
    assert f"breaks at step `{scenario.step}`" in section
    assert f"**At fault:** {AT_FAULT[scenario.at_fault]}" in section
    assert _words(f"**What the learner sees:** {scenario.learner_sees}") in section
    assert _words(f'**Rule:** "{scenario.rule}" ({scenario.spec})') in section
    assert _words(f"**Fix:** {scenario.fix}") in section


@pytest.mark.parametrize(
    "key",
    [f.name for f in fields(ClientSpec) if f.name != "client_id"]
    + [f.name for f in fields(Lifetimes)]
    + list(USER_CLAIMS),
)
def test_every_configuration_key_is_in_the_configuration_reference(key):
    assert f"`{key}`" in _page("configuration.md")

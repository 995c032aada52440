"""The reference pages cover everything the code has: a new route, fault or key fails here first."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from mock_provider import ProviderConfig, create_app
from mock_provider.config import USER_CLAIMS, ClientSpec, Lifetimes
from mock_provider.faults import FAULTS

REFERENCE = Path(__file__).parents[2] / "docs" / "reference"


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
    missing = [rule for rule, _ in _routes(tmp_path) if f"`{rule}`" not in documented]
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


@pytest.mark.parametrize("fault_id", FAULTS)
def test_every_fault_has_a_section_in_the_faults_reference(fault_id):
    assert f"## `{fault_id}`" in _page("faults.md")


@pytest.mark.parametrize(
    "key",
    [f.name for f in fields(ClientSpec) if f.name != "client_id"]
    + [f.name for f in fields(Lifetimes)]
    + list(USER_CLAIMS),
)
def test_every_configuration_key_is_in_the_configuration_reference(key):
    assert f"`{key}`" in _page("configuration.md")

"""Which issuer a request is addressed to: the default one, or a scenario's.

Every protocol endpoint is served twice: at the root and under `/scenarios/<id>`. The prefix
selects the scenario, and with it the issuer that appears in discovery, tokens and `iss`. RFC
8414 §3.1 discovery, `/.well-known/oauth-authorization-server/scenarios/<id>`, selects it too.
"""

from __future__ import annotations

from flask import current_app, g

from .faults import FAULTS, Fault
from .scenarios import SCENARIOS, Scenario


def select_scenario(scenario_id: str | None) -> bool:
    """Remember the scenario of the current request; False if there is no such scenario."""
    g.scenario = SCENARIOS.get(scenario_id) if scenario_id else None
    return scenario_id is None or g.scenario is not None


def current_scenario() -> Scenario | None:
    return g.get("scenario")


def base_issuer() -> str:
    return current_app.extensions["mock_provider"].config.issuer


def current_issuer() -> str:
    """The issuer identifier of this request: exactly the base URL, or base + scenario path."""
    scenario = current_scenario()
    return base_issuer() + (f"/scenarios/{scenario.id}" if scenario else "")


def active_faults() -> tuple[Fault, ...]:
    """The faults of this request's scenario; none on the default issuer."""
    scenario = current_scenario()
    return tuple(FAULTS[fault_id] for fault_id in scenario.faults) if scenario else ()


def response_issuer() -> str:
    """The `iss` of an authorization response (RFC 9207 §2), as a fault may falsify it."""
    issuer = current_issuer()
    for fault in active_faults():
        if fault.tamper_iss_parameter is not None:
            issuer = fault.tamper_iss_parameter(issuer)
    return issuer

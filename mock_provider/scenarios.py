"""Scenarios: named ways a flow breaks, each selected by switching issuer.

`http://127.0.0.1:9000/scenarios/<id>` is a complete, standard issuer with its own discovery
document, so a client picks a scenario with no side channel, and one learner's scenario changes
nothing for another. A scenario names the flow, variant and step where it breaks, who is at fault,
the rule broken (quoted from the spec) and the fix. The provider applies its `faults`, only under
its issuer. Client mistakes and attacks are the client's to make: `client_mistake` names the
deviation the sandbox performs, and the provider simply answers as the spec says.

`GET /control/scenarios` serves this catalogue; the data is in `scenario_catalogue.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .faults import FAULTS

AT_FAULT = ("client", "provider", "attacker", "user")
FLOWS = (
    "authorization-code",
    "refresh-token",
    "protected-api",
    "revocation-introspection",
    "client-credentials",
    "device-authorization",
    "logout",
)
# The deliberate deviations the sandbox knows how to make (it implements each id).
CLIENT_MISTAKES = (
    "redirect-uri-trailing-slash",
    "redirect-uri-port",
    "redirect-uri-scheme",
    "redirect-uri-unregistered",
    "unknown-client-id",
    "unknown-scope",
    "unsupported-response-type",
    "omit-pkce",
    "prompt-none",
    "state-mismatch",
    "wrong-client-secret",
    "replay-code",
    "token-redirect-uri-differs",
    "wrong-code-verifier",
    "omit-code-verifier",
    "code-from-another-client",
    "refresh-broader-scope",
    "reuse-rotated-refresh-token",
    "call-with-revoked-token",
    "call-without-scope",
    "deny-consent",
)


@dataclass(frozen=True)
class Scenario:
    id: str  # kebab-case; the last segment of the scenario's issuer
    title: str
    flow: str  # a sandbox flow id
    step: str  # the sandbox step id where it breaks
    at_fault: str  # one of AT_FAULT
    learner_sees: str
    rule: str  # verbatim from the spec
    spec: str  # the rule's section
    fix: str
    variant: str | None = None  # a sandbox variant of the flow; None for its default
    faults: tuple[str, ...] = ()  # ids in FAULTS, applied only under this scenario's issuer
    client_mistake: str | None = None  # one of CLIENT_MISTAKES


def _checked(scenario: Scenario) -> Scenario:
    """Refuse, at import, a catalogue entry the sandbox could not run."""
    problems = []
    if scenario.at_fault not in AT_FAULT:
        problems.append(f"at_fault '{scenario.at_fault}' is not one of {AT_FAULT}")
    if scenario.flow not in FLOWS:
        problems.append(f"flow '{scenario.flow}' is not one of {FLOWS}")
    problems += [f"fault '{f}' is not in FAULTS" for f in scenario.faults if f not in FAULTS]
    if scenario.client_mistake is not None and scenario.client_mistake not in CLIENT_MISTAKES:
        problems.append(f"client_mistake '{scenario.client_mistake}' is unknown")
    if problems:
        raise ValueError(f"scenario '{scenario.id}': " + "; ".join(problems))
    return scenario


# The catalogue module builds its entries with the class above, so it is imported after it.
from .scenario_catalogue import CATALOGUE  # noqa: E402

SCENARIOS: dict[str, Scenario] = {scenario.id: _checked(scenario) for scenario in CATALOGUE}

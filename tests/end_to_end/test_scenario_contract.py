"""The scenario catalogue is a contract between the two apps: the provider names a flow, a
variant, a step and a client mistake; the sandbox must have each. Only here may a test import both.
"""

from __future__ import annotations

import pytest

from mock_provider.scenarios import SCENARIOS
from sandbox.flows import FLOWS
from sandbox.mistakes import MISTAKES


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=lambda scenario: scenario.id)
def test_every_scenario_names_a_flow_variant_step_and_mistake_the_sandbox_has(scenario):
    flow = FLOWS[scenario.flow]
    steps = [step.id for step in flow.steps]

    assert scenario.variant is None or flow.variant(scenario.variant) is not None
    assert scenario.step in steps
    if scenario.client_mistake is not None:
        # The mistake is made at or before the step where the flow breaks.
        made_at = MISTAKES[scenario.client_mistake].step
        assert steps.index(made_at) <= steps.index(scenario.step)


def test_the_sandbox_makes_no_mistake_that_no_scenario_asks_for():
    asked = {scenario.client_mistake for scenario in SCENARIOS.values()} - {None}

    assert set(MISTAKES) == asked

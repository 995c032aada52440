"""Failure scenarios: the mock provider's catalogue of ways a flow breaks, read over HTTP.

Each scenario is its own issuer (`{provider}/scenarios/<id>`): the provider applies the
scenario's faults there, and the sandbox makes the scenario's client mistake (`mistakes.py`)
when it runs against it, so one learner's scenario changes nothing for another. The sandbox
finds the catalogue the way it finds everything else, through discovery: the control API is an
extension of the mock provider's discovery document, and another provider simply has none.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import requests

from . import annotations, control_api, mistakes
from .answers import loads
from .flows import Flow
from .recorder import Run

FIELDS = (
    "id", "issuer", "title", "flow", "variant", "step", "at_fault",
    "learner_sees", "rule", "spec", "fix", "faults", "client_mistake",
)  # fmt: skip


# The catalogue's deliberately VULNERABLE issuers (secure and vulnerable, side by side).
VULNERABLE_PREFIX = "vulnerable-"


class ScenariosUnavailable(Exception):
    """The sandbox has no catalogue to offer; the message says why and what to do."""


@dataclass(frozen=True)
class Scenario:
    """One catalogue entry, as `GET {control}/scenarios` describes it."""

    id: str  # kebab-case, the last segment of `issuer`
    issuer: str  # the scenario's own issuer: the run discovers it and talks only to it
    title: str
    flow: str  # the sandbox flow to run
    variant: str | None  # None: the flow's first variant
    step: str  # the step where it breaks
    at_fault: str  # "client", "provider", "attacker" or "user"
    learner_sees: str
    rule: str  # the rule broken, quoted from the spec
    spec: str  # the rule's section, e.g. "RFC 6749 §3.1.2.4"
    fix: str
    faults: tuple[str, ...]  # what the provider does wrong under this issuer
    client_mistake: str | None  # what the sandbox does wrong (an id in mistakes.MISTAKES)

    @classmethod
    def from_json(cls, entry: Any) -> Scenario:
        missing = [name for name in FIELDS if not isinstance(entry, dict) or name not in entry]
        if missing:
            raise ScenariosUnavailable(
                f"A scenario in the provider's catalogue lacks {', '.join(missing)}: the "
                "provider and the sandbox disagree on the catalogue's shape."
            )
        return cls(
            **{name: entry[name] for name in FIELDS if name != "faults"},
            faults=tuple(entry["faults"]),
        )


def catalogue(issuer: str) -> list[Scenario]:
    """The scenarios offered by the provider at `issuer`, in the provider's order."""
    try:
        control = control_api.find(issuer, "Failure scenarios need")
    except control_api.ControlUnavailable as error:
        raise ScenariosUnavailable(str(error)) from None
    entries = _entries(control, timeout=10)
    if entries is None:
        raise ScenariosUnavailable(f"{control}/scenarios gave no scenario catalogue.")
    return [Scenario.from_json(entry) for entry in entries]


def at_step(run: Run, step_id: str) -> list[Scenario]:
    """The scenarios that break at `step_id`, for the step page's "What could go wrong here"."""
    control = run.provider.control_api if run.provider else None
    entries = _entries(control, timeout=5) if control else None
    found = [
        Scenario.from_json(e)
        for e in entries or []
        if isinstance(e, dict) and e.get("step") == step_id
    ]
    return [scenario for scenario in found if not is_vulnerable_setting(scenario)]


#: The catalogue is fixed while a provider runs, and every step page shows part of it, so it is
#: fetched once a minute per provider rather than on every page (a class renders many).
CATALOGUE_KEPT_SECONDS = 60
_fetched: dict[str, tuple[float, list[dict[str, Any]]]] = {}
_fetched_lock = threading.Lock()


def _entries(control: str, timeout: float) -> list[dict[str, Any]] | None:
    """The catalogue's raw entries from `control`, recently fetched or fetched now."""
    with _fetched_lock:
        at, entries = _fetched.get(control, (0.0, []))
    if time.monotonic() - at < CATALOGUE_KEPT_SECONDS:
        return entries
    try:
        response = requests.get(f"{control}/scenarios", timeout=timeout)
        body = loads(response.content) if response.ok else None
    except (requests.RequestException, ValueError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("scenarios"), list):
        return None
    with _fetched_lock:
        _fetched[control] = (time.monotonic(), body["scenarios"])
    return body["scenarios"]


def find(issuer: str, scenario_id: str) -> Scenario | None:
    return next((s for s in catalogue(issuer) if s.id == scenario_id), None)


def is_vulnerable_setting(scenario: Scenario) -> bool:
    """A VULNERABLE issuer is run from its attack page (attacks.py), not as a failure."""
    return scenario.id.startswith(VULNERABLE_PREFIX)


def by_step(scenarios: list[Scenario]) -> list[tuple[str, list[Scenario]]]:
    """The scenarios grouped by the step where they break, each group titled by its step."""
    groups: dict[str, list[Scenario]] = {}
    for scenario in scenarios:
        if is_vulnerable_setting(scenario):
            continue
        groups.setdefault(scenario.step, []).append(scenario)
    return [(_step_title(step), members) for step, members in groups.items()]


def _step_title(step: str) -> str:
    try:
        return annotations.step(step).title
    except KeyError:
        return step.replace("_", " ").capitalize()


def failed_step(run: Run, flow: Flow) -> str | None:
    """Where the run went wrong: the first step with a failed check, or the step it stopped
    at. None while nothing has gone wrong."""
    mistake = mistakes.of(run)
    if mistake is not None and mistake.provider_refuses:
        return mistake.step  # the provider shows its own error page: that is the outcome
    current = next((s.id for s in flow.steps if s.id not in run.completed), None)
    for step in flow.steps:
        if any(not check.passed for check in run.checks.get(step.id, [])):
            return step.id
        if run.error and step.id == current:
            return step.id
    return None

"""Scenarios: named setups a learner selects by switching issuer.

`http://127.0.0.1:9000/scenarios/<id>` is a complete, standard issuer with its own discovery
document, so a client picks a scenario with no side channel. For now every fault is also a
one-fault scenario with the same id; the full catalogue builds on this.
"""

from __future__ import annotations

from dataclasses import dataclass

from .faults import FAULTS, Fault


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    faults: tuple[Fault, ...]


SCENARIOS: dict[str, Scenario] = {
    fault.id: Scenario(id=fault.id, title=fault.title, faults=(fault,)) for fault in FAULTS.values()
}

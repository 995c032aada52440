"""Deliberate deviations from the spec that a correct client must notice.

A fault never touches the default issuer. It is reached through a scenario's own issuer
(`/scenarios/<id>`), so one learner launching it changes nothing for the learner beside them.
Claim faults tamper with a finished ID token's claims; timing faults shorten a lifetime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Claims = dict[str, Any]


@dataclass(frozen=True)
class Fault:
    id: str  # kebab-case; appears in issuer URLs and doc anchors
    title: str
    breaks: str  # the rule a correct party enforces, in the spec's words
    spec: str
    what_happens: str
    tamper_id_token: Callable[[Claims], Claims] | None = None
    authorization_code_lifetime: int | None = None


FAULTS: dict[str, Fault] = {
    fault.id: fault
    for fault in (
        Fault(
            id="wrong-audience",
            title="ID token for another client",
            breaks="The Client MUST validate that the aud (audience) Claim contains its "
            "client_id value",
            spec="OIDC Core §3.1.3.7 (3)",
            what_happens="The ID token's aud names 'some-other-client' instead of yours: a "
            "correct client rejects it.",
            tamper_id_token=lambda claims: {**claims, "aud": "some-other-client"},
        ),
        Fault(
            id="expired-code",
            title="Authorization code already expired",
            breaks="The authorization code MUST expire shortly after it is issued",
            spec="RFC 6749 §4.1.2",
            what_happens="Codes are issued already expired, so the token request fails with "
            "invalid_grant, as it would if the client waited too long to redeem one.",
            authorization_code_lifetime=0,
        ),
    )
}

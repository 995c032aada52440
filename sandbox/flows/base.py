"""What a flow is made of: its variants and its steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..recorder import Run


@dataclass(frozen=True)
class Registration:
    """A client registered for one kind of flow, instead of the sandbox's usual web client."""

    kind: str  # names the registration, which is made once per issuer, e.g. "service"
    grant_types: tuple[str, ...]  # RFC 7591 §2
    scope: str


@dataclass(frozen=True)
class Variant:
    """One way to run a flow: which kind of client, and which protections it uses."""

    id: str  # kebab-case, in URLs
    title: str
    public: bool  # a public client has no secret (RFC 6749 §2.1)
    pkce: bool
    note: str = ""
    #: None: the usual registration (authorization_code and refresh_token, with a redirect_uri).
    registration: Registration | None = None


@dataclass(frozen=True)
class Step:
    """One step of a flow."""

    id: str  # snake_case step id, e.g. "token_request"
    channel: str  # "front" (the browser carries it), "back" (server to server), "client"
    #: Performs the step (back-channel and client steps); None when the browser performs it.
    #: Returning False means "not done yet": the step stays current and is performed again
    #: (polling, RFC 8628 §3.4), and "Run to the end" stops there.
    perform: Callable[[Run], bool | None] | None = None
    #: The request the step will send, for the page before the learner presses Send.
    preview: Callable[[Run], Any] | None = None
    #: How the sequence diagram draws it: (source lane, target lane, label, channel) each.
    arrows: tuple[tuple[str, str, str, str], ...] = ()
    #: The label of the step's button when "Send this request" does not fit (e.g. "Poll now").
    action: str = ""


@dataclass(frozen=True)
class Flow:
    id: str  # kebab-case, in URLs
    title: str
    summary: str
    spec: str
    variants: tuple[Variant, ...]
    steps: tuple[Step, ...]
    #: Called once when a run starts (after discovery and registration).
    start: Callable[[Run, Variant], None]

    def step(self, step_id: str) -> Step:
        return next(step for step in self.steps if step.id == step_id)

    def variant(self, variant_id: str) -> Variant | None:
        return next((v for v in self.variants if v.id == variant_id), None)

    def after(self, step_id: str) -> str | None:
        """The step that follows `step_id`, or None at the end."""
        ids = [step.id for step in self.steps]
        index = ids.index(step_id)
        return ids[index + 1] if index + 1 < len(ids) else None


#: Every run starts by reading the discovery document (done when the run is created).
DISCOVERY = Step(
    "discovery_request",
    "back",
    arrows=(("client", "authorization_server", "GET discovery", "back"),),
)
#: Drawn after discovery when the run had to register the sandbox first.
REGISTRATION = Step(
    "registration_request",
    "back",
    arrows=(("client", "authorization_server", "POST /register", "back"),),
)

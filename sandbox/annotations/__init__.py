"""Annotations: what each parameter, claim, error and step means, with the spec sentence it
relies on. They are data (TOML beside this module), read once, and feed both the step pages and,
later, the docs' glossary.

Each entry quotes a short excerpt of the spec, so the page reads offline, and names the section.
Where the spec says something else for the same name in another place (`grant_type` for each
grant, `token` at the introspection endpoint), the entry carries that section and quote too, and
the page shows the one that fits what was sent. Likewise a step's notice can grow a sentence that
depends on whether its request carries a parameter (`code_verifier` without PKCE).
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
KINDS = ("parameters", "claims", "errors")


@dataclass(frozen=True)
class Source:
    """Where a rule is written: a spec section and a verbatim excerpt of it."""

    spec: str
    quote: str = ""


@dataclass(frozen=True)
class Annotation:
    """One explained name: what it is, why it is there, and the rule behind it."""

    name: str
    text: str  # plain words: what it is and why it is there
    spec: str  # e.g. "RFC 6749 §4.1.1"
    quote: str = ""  # a short excerpt of that section
    #: Where another section rules instead: by the value sent (grant_type=refresh_token is
    #: RFC 6749 §6) or by the endpoint it is sent to (token at the introspection_endpoint).
    by_value: dict[str, Source] = field(default_factory=dict, hash=False)
    by_endpoint: dict[str, Source] = field(default_factory=dict, hash=False)

    def at(self, value: Any = None, endpoint: str = "") -> Annotation:
        """This annotation with the section and quote that rule `value` sent to `endpoint`."""
        source = self.by_value.get(value) if isinstance(value, str) else None
        source = source or self.by_endpoint.get(endpoint)
        return replace(self, spec=source.spec, quote=source.quote) if source else self


@dataclass(frozen=True)
class StepNote:
    """What to notice on one step page (`steps.toml`, keyed by step id)."""

    step: str
    title: str
    spec: str
    notice: str
    docs: str = ""  # path of the matching docs page, e.g. "explanation/state-nonce-pkce.md"
    #: The provider's endpoint the step's request goes to, named as in discovery, e.g.
    #: "token_endpoint"; empty when it goes to none (the API, the client's own checks).
    endpoint: str = ""
    #: A sentence added to the notice when the request shown carries the parameter (`if_sent`)
    #: or lacks it (`if_not_sent`), keyed by parameter name, so the notice says what was sent.
    if_sent: dict[str, str] = field(default_factory=dict, hash=False)
    if_not_sent: dict[str, str] = field(default_factory=dict, hash=False)

    def notice_for(self, sent: Collection[str] | None) -> str:
        """The notice for a page whose requests carry the parameters `sent` (None: the page
        shows no request, so only what holds either way)."""
        if sent is None:
            return self.notice
        added = [text for name, text in self.if_sent.items() if name in sent]
        added += [text for name, text in self.if_not_sent.items() if name not in sent]
        return " ".join([self.notice, *added])


@cache
def _table(kind: str) -> dict[str, Annotation]:
    with (HERE / f"{kind}.toml").open("rb") as file:
        data = tomllib.load(file)
    return {name: _annotation(name, entry) for name, entry in data.items()}


def _annotation(name: str, entry: dict[str, Any]) -> Annotation:
    contexts = {
        key: {context: Source(**source) for context, source in entry.get(key, {}).items()}
        for key in ("by_value", "by_endpoint")
    }
    return Annotation(name=name, **{**entry, **contexts})


@cache
def _steps() -> dict[str, StepNote]:
    with (HERE / "steps.toml").open("rb") as file:
        data = tomllib.load(file)
    return {step: StepNote(step=step, **entry) for step, entry in data.items()}


def parameter(name: str, value: Any = None, endpoint: str = "") -> Annotation | None:
    """The annotation of a request or response parameter (`code`, `state`, `expires_in`...),
    with the spec section that rules `value` sent to `endpoint` (see `Annotation.at`)."""
    found = _table("parameters").get(name)
    return found.at(value, endpoint) if found else None


def claim(name: str) -> Annotation | None:
    """The annotation of a JWT claim or header field (`iss`, `aud`, `kid`...)."""
    return _table("claims").get(name)


def error(code: str) -> Annotation | None:
    """The annotation of an OAuth error code (`invalid_grant`, `access_denied`...)."""
    return _table("errors").get(code)


def step(step_id: str) -> StepNote:
    """The note for a step page; every step id used by a flow must have one."""
    return _steps()[step_id]


def endpoint_of(step_id: str) -> str:
    """The provider endpoint a step's request goes to ("" if none, or an unknown step)."""
    note = _steps().get(step_id)
    return note.endpoint if note else ""


def all_annotations() -> dict[str, dict[str, Annotation]]:
    """Every annotation by kind, for the docs' glossary and the completeness tests."""
    return {kind: dict(_table(kind)) for kind in KINDS}

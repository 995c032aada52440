"""Annotations: what each parameter, claim, error and step means, with the spec sentence it
relies on. They are data (TOML beside this module), read once, and feed both the step pages and,
later, the docs' glossary.

Each entry quotes a short excerpt of the spec, so the page reads offline, and names the section.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
KINDS = ("parameters", "claims", "errors")


@dataclass(frozen=True)
class Annotation:
    """One explained name: what it is, why it is there, and the rule behind it."""

    name: str
    text: str  # plain words: what it is and why it is there
    spec: str  # e.g. "RFC 6749 §4.1.1"
    quote: str = ""  # a short excerpt of that section


@dataclass(frozen=True)
class StepNote:
    """What to notice on one step page (`steps.toml`, keyed by step id)."""

    step: str
    title: str
    spec: str
    notice: str
    docs: str = ""  # path of the matching docs page, e.g. "explanation/state-nonce-pkce.md"


@cache
def _table(kind: str) -> dict[str, Annotation]:
    with (HERE / f"{kind}.toml").open("rb") as file:
        data = tomllib.load(file)
    return {name: Annotation(name=name, **entry) for name, entry in data.items()}


@cache
def _steps() -> dict[str, StepNote]:
    with (HERE / "steps.toml").open("rb") as file:
        data = tomllib.load(file)
    return {step: StepNote(step=step, **entry) for step, entry in data.items()}


def parameter(name: str) -> Annotation | None:
    """The annotation of a request or response parameter (`code`, `state`, `expires_in`...)."""
    return _table("parameters").get(name)


def claim(name: str) -> Annotation | None:
    """The annotation of a JWT claim or header field (`iss`, `aud`, `kid`...)."""
    return _table("claims").get(name)


def error(code: str) -> Annotation | None:
    """The annotation of an OAuth error code (`invalid_grant`, `access_denied`...)."""
    return _table("errors").get(code)


def step(step_id: str) -> StepNote:
    """The note for a step page; every step id used by a flow must have one."""
    return _steps()[step_id]


def all_annotations() -> dict[str, dict[str, Annotation]]:
    """Every annotation by kind, for the docs' glossary and the completeness tests."""
    return {kind: dict(_table(kind)) for kind in KINDS}

"""Annotations are complete and well-formed: every step has its note, every note a real source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox import annotations
from sandbox.flows import FLOWS
from sandbox.flows.base import REGISTRATION

DOCS = Path(__file__).parents[2] / "docs"
SPEC = re.compile(r"^(RFC \d{4}|OIDC [A-Za-z -]+|OAuth 2\.1) §\d")
STEP_IDS = sorted(
    {step.id for flow in FLOWS.values() for step in flow.steps} | {REGISTRATION.id, "jwks_request"}
)
ALL = [
    (kind, note) for kind, notes in annotations.all_annotations().items() for note in notes.values()
]


@pytest.mark.parametrize("step_id", STEP_IDS)
def test_every_step_of_every_flow_has_a_note_with_a_docs_page_that_exists(step_id):
    note = annotations.step(step_id)

    assert note.title
    assert note.notice
    assert SPEC.match(note.spec), note.spec
    assert (DOCS / note.docs).is_file(), note.docs


@pytest.mark.parametrize(("kind", "note"), ALL, ids=lambda value: getattr(value, "name", value))
def test_every_annotation_explains_itself_and_names_a_spec_section(kind, note):
    assert len(note.text.split()) >= 4, f"{kind} {note.name}: say what it is and why"
    assert SPEC.match(note.spec), f"{kind} {note.name}: {note.spec}"
    assert len(note.quote) <= 400

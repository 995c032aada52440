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


CONTEXTS = [
    (note, context, source)
    for note in annotations.all_annotations()["parameters"].values()
    for context, source in [*note.by_value.items(), *note.by_endpoint.items()]
]
ENDPOINTS = {annotations.endpoint_of(step_id) for step_id in STEP_IDS} - {""}


@pytest.mark.parametrize(
    ("note", "context", "source"), CONTEXTS, ids=[f"{n.name}:{c}" for n, c, _ in CONTEXTS]
)
def test_every_other_context_of_a_parameter_names_its_own_section_and_quote(note, context, source):
    assert SPEC.match(source.spec), f"{note.name} ({context}): {source.spec}"
    assert (source.spec, source.quote) != (note.spec, note.quote), "the same rule twice"
    assert 0 < len(source.quote) <= 400
    if context in note.by_endpoint:
        assert context in ENDPOINTS, f"{note.name}: no step sends to {context!r}"


def test_each_steps_endpoint_is_a_discovery_member_the_sandbox_explains():
    for endpoint in ENDPOINTS:
        assert annotations.parameter(endpoint) is not None, endpoint


@pytest.mark.parametrize("step_id", STEP_IDS)
def test_a_notices_conditional_sentences_are_keyed_by_explained_parameters(step_id):
    note = annotations.step(step_id)

    for name in [*note.if_sent, *note.if_not_sent]:
        assert annotations.parameter(name) is not None, f"{step_id}: {name}"
    assert note.notice_for(None) == note.notice


def test_a_notice_adds_the_sentence_that_fits_what_the_request_carries():
    note = annotations.step("token_request")

    with_pkce = note.notice_for({"grant_type", "code", "code_verifier"})
    without = note.notice_for({"grant_type", "code"})

    assert with_pkce.startswith(note.notice)
    assert "it carries the code_verifier" in with_pkce
    assert "no code_verifier" not in with_pkce
    assert "it carries no code_verifier" in without
    assert "it carries the code_verifier" not in without


@pytest.mark.parametrize(
    ("name", "value", "endpoint", "spec", "quote"),
    [
        ("grant_type", "authorization_code", "token_endpoint", "RFC 6749 §4.1.3",
         'Value MUST be set to "authorization_code".'),
        ("grant_type", "refresh_token", "token_endpoint", "RFC 6749 §6",
         'Value MUST be set to "refresh_token".'),
        ("grant_type", "client_credentials", "token_endpoint", "RFC 6749 §4.4.2",
         'Value MUST be set to "client_credentials".'),
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code", "token_endpoint",
         "RFC 8628 §3.4", 'Value MUST be set to "urn:ietf:params:oauth:grant-type:device_code".'),
        ("token", "x", "revocation_endpoint", "RFC 7009 §2.1",
         "The token that the client wants to get revoked."),
        ("token", "x", "introspection_endpoint", "RFC 7662 §2.1",
         "The string value of the token."),
        ("token_type_hint", "access_token", "introspection_endpoint", "RFC 7662 §2.1",
         "A hint about the type of the token submitted for introspection."),
    ],
)  # fmt: skip
def test_a_parameter_quotes_the_rule_for_the_value_sent_and_its_endpoint(
    name, value, endpoint, spec, quote
):
    note = annotations.parameter(name, value, endpoint)

    assert (note.spec, note.quote) == (spec, quote)

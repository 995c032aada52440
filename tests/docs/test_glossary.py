"""The glossary covers every annotation: a new parameter, claim or error shows up in it by itself.

Builds nothing: it loads the docs hook module and calls its rendering function directly.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from sandbox.annotations import all_annotations

ROOT = Path(__file__).parents[2]


def _load_hook():
    spec = importlib.util.spec_from_file_location(
        "glossary_hook", ROOT / "docs" / "hooks" / "glossary.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook()
RENDERED = hook.render()
ENTRIES = [
    (kind, annotation) for kind, table in all_annotations().items() for annotation in table.values()
]


def _entry(kind: str, name: str) -> str:
    """The rendered entry for one annotation: from its heading to the next heading."""
    heading = f"### `{name}` {{ #{hook.anchor(kind, name)} }}"
    assert heading in RENDERED, f"no glossary heading for {kind} {name}"
    return RENDERED.split(heading, 1)[1].split("\n#", 1)[0]


def test_every_kind_has_a_section_and_entries():
    assert set(hook.SECTIONS) == set(all_annotations())
    assert all(all_annotations().values())


@pytest.mark.parametrize(
    ("kind", "annotation"), ENTRIES, ids=[f"{kind}:{a.name}" for kind, a in ENTRIES]
)
def test_every_annotation_appears_with_its_spec_section(kind, annotation):
    entry = _entry(kind, annotation.name)
    assert f"Spec: {hook._plain(annotation.spec)}" in entry
    assert hook._plain(annotation.text) in entry
    if annotation.quote:
        assert f"> {hook._plain(annotation.quote)}" in entry
    for context, source in hook.contexts(annotation):
        assert f"{context}: {hook._plain(source.spec)}\n\n> {hook._plain(source.quote)}" in entry


def test_a_parameter_ruled_by_several_sections_lists_each_with_its_quote():
    entry = _entry("parameters", "grant_type")

    assert "With the value `refresh_token`: RFC 6749 §6" in entry
    assert '> Value MUST be set to "refresh\\_token".' in entry
    assert "At the `introspection_endpoint`: RFC 7662 §2.1" in _entry("parameters", "token")


def test_anchors_are_unique_even_when_a_name_is_both_a_parameter_and_a_claim():
    anchors = [hook.anchor(kind, annotation.name) for kind, annotation in ENTRIES]
    assert len(anchors) == len(set(anchors))


def test_the_glossary_page_holds_the_marker_and_is_in_the_nav():
    page = (ROOT / "docs" / hook.PAGE).read_text(encoding="utf-8")
    assert page.count(hook.MARKER) == 1
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert f"- {hook.PAGE}" in config
    assert "- docs/hooks/glossary.py" in config


def test_the_hook_fills_in_only_the_glossary_page():
    page = (ROOT / "docs" / hook.PAGE).read_text(encoding="utf-8")

    def at(src_uri: str) -> SimpleNamespace:
        return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri))

    filled = hook.on_page_markdown(page, page=at(hook.PAGE), config=None, files=None)
    assert hook.MARKER not in filled
    assert RENDERED in filled
    other = hook.on_page_markdown(page, page=at("reference/cli.md"), config=None, files=None)
    assert other == page

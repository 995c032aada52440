"""MkDocs hook: the glossary page, rendered from the sandbox's annotation data at build time.

`docs/reference/glossary.md` holds a heading, a sentence and `MARKER`. On that page only,
`on_page_markdown` replaces the marker with `render()`: every parameter, claim and error code in
`sandbox.annotations.all_annotations()`, with its text, spec section and quote, and the section
and quote that rule it instead for a given value or endpoint. A new annotation
therefore appears in the glossary without anyone editing the docs, and the page cannot drift from
what the sandbox's step pages say. `tests/docs/test_glossary.py` calls `render()` directly.

Registered in mkdocs.yml under `hooks:`; excluded from the built site by `exclude_docs`.
"""

from __future__ import annotations

import html
import re

from mkdocs.exceptions import PluginError

from sandbox.annotations import Annotation, Source, all_annotations

#: The page the hook fills in, relative to docs/.
PAGE = "reference/glossary.md"
#: The line in that page that the rendered glossary replaces.
MARKER = "<!-- glossary: generated from sandbox/annotations by docs/hooks/glossary.py -->"

#: Section heading and anchor prefix for each kind of annotation, in page order.
SECTIONS = {
    "parameters": ("Parameters", "parameter"),
    "claims": ("Claims and header fields", "claim"),
    "errors": ("Error codes", "error"),
}

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]])")


def _plain(text: str) -> str:
    """Annotation text as literal Markdown: no emphasis, links or raw HTML by accident."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(text, quote=False))


def anchor(kind: str, name: str) -> str:
    """The id of an entry's heading, e.g. `parameter-redirect_uri`. The kind is part of it
    because a name can be both a parameter and a claim (`nonce`)."""
    return f"{SECTIONS[kind][1]}-{name}"


def render_entry(kind: str, entry: Annotation) -> str:
    """One glossary entry: the name as a heading, what it is, the spec section, the quote."""
    lines = [
        f"### `{entry.name}` {{ #{anchor(kind, entry.name)} }}",
        "",
        _plain(entry.text),
        "",
        f"Spec: {_plain(entry.spec)}",
    ]
    if entry.quote:
        lines += ["", f"> {_plain(entry.quote)}"]
    for context, source in contexts(entry):
        lines += ["", f"{context}: {_plain(source.spec)}"]
        if source.quote:
            lines += ["", f"> {_plain(source.quote)}"]
    return "\n".join(lines)


def contexts(entry: Annotation) -> list[tuple[str, Source]]:
    """Where another section rules the name, as the step pages show it: for a value sent
    (`grant_type=refresh_token`) or at an endpoint (`token` at the introspection endpoint)."""
    by_value = [(f"With the value `{value}`", rule) for value, rule in entry.by_value.items()]
    at = [(f"At the `{endpoint}`", rule) for endpoint, rule in entry.by_endpoint.items()]
    return by_value + at


def render() -> str:
    """The whole glossary as Markdown: one section per kind, entries in alphabetical order."""
    annotations = all_annotations()
    parts = []
    for kind, (title, _) in SECTIONS.items():
        entries = sorted(annotations[kind].values(), key=lambda entry: entry.name)
        parts.append(f"## {title}")
        parts.extend(render_entry(kind, entry) for entry in entries)
    return "\n\n".join(parts) + "\n"


def on_page_markdown(markdown: str, *, page, config, files) -> str:
    """Fill in the glossary page; leave every other page alone."""
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise PluginError(f"{PAGE} lost its marker line {MARKER!r}; the glossary has nowhere to go")
    return markdown.replace(MARKER, render())

"""MkDocs hook: the JSON API reference page, rendered from `mock_provider/openapi.yaml`.

`docs/reference/json-api.md` holds a heading, a paragraph and `MARKER`. On that page only,
`on_page_markdown` replaces the marker with `render()`: every operation (its summary, how it
authenticates, its request fields and its responses) and every schema, as tables. The provider
serves the same file at `/openapi.yaml`, and schemathesis checks the running provider against it,
so this page cannot drift from what the provider does. `tests/docs/test_openapi_description.py`
calls `render()` directly.

Registered in mkdocs.yml under `hooks:`; excluded from the built site by `exclude_docs`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from mkdocs.exceptions import PluginError

#: The description: one source of truth for the provider, its tests and this page.
SOURCE = Path(__file__).parents[2] / "mock_provider" / "openapi.yaml"
#: The page the hook fills in, relative to docs/.
PAGE = "reference/json-api.md"
#: The line in that page that the rendered reference replaces.
MARKER = "<!-- json-api: generated from mock_provider/openapi.yaml by docs/hooks/openapi.py -->"

METHODS = ("get", "post")
AUTH_NAMES = {
    "clientSecretBasic": "HTTP Basic client credentials (`client_secret_basic`)",
    "bearer": "an access token, `Authorization: Bearer <token>`",
    "instructorToken": "the instructor token, needed only beyond loopback",
}

Spec = dict[str, Any]


def load(path: Path = SOURCE) -> Spec:
    """The OpenAPI document as data."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def operations(spec: Spec) -> list[tuple[str, str, Spec]]:
    """(METHOD, path, operation), in the document's order."""
    return [
        (method.upper(), path, item[method])
        for path, item in spec["paths"].items()
        for method in METHODS
        if method in item
    ]


def anchor(method: str, path: str) -> str:
    """An operation heading's id, e.g. `post-token` or `get-well-known-openid-configuration`."""
    return "-".join([method.lower(), *re.findall(r"[a-z0-9]+", path.lower())])


def schema_anchor(name: str) -> str:
    return f"schema-{name.lower()}"


def _prose(text: str | None) -> str:
    """Description text on one line, safe inside a table cell."""
    return " ".join((text or "").split()).replace("|", "\\|")


def _lookup(spec: Spec, ref: str) -> Spec:
    node = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _resolve(spec: Spec, node: Spec) -> Spec:
    """Follow local `$ref`s (`#/components/...`) to what they name."""
    while "$ref" in node:
        node = _lookup(spec, node["$ref"])
    return node


def _schema_link(ref: str) -> str:
    name = ref.rsplit("/", 1)[1]
    return f"[{name}](#{schema_anchor(name)})"


def type_of(node: Spec) -> str:
    """A schema's type in a few words, with named schemas as links to their section."""
    if "$ref" in node:
        return _schema_link(node["$ref"])
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{value}`" for value in node["enum"])
    for combinator, joiner in (("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")):
        if combinator in node:
            return joiner.join(type_of(part) for part in node[combinator])
    kinds = node.get("type", "any")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    words = [
        f"array of {type_of(node.get('items', {}))}" if kind == "array" else kind for kind in kinds
    ]
    return " or ".join(words)


def _fields(spec: Spec, schema: Spec) -> tuple[dict[str, Spec], set[str]]:
    """An object schema's properties and required names, with `allOf` parts merged."""
    schema = _resolve(spec, schema)
    properties = dict(schema.get("properties", {}))
    required = set(schema.get("required", []))
    for part in schema.get("allOf", []):
        more, needed = _fields(spec, part)
        properties.update(more)
        required |= needed
    return properties, required


def fields_table(spec: Spec, schema: Spec) -> str:
    """One row per field: name, type, whether required, what it is."""
    properties, required = _fields(spec, schema)
    rows = ["| field | type | required | description |", "| --- | --- | --- | --- |"]
    for name, field in properties.items():
        described = _prose(_resolve(spec, field).get("description"))
        needed = "yes" if name in required else ""
        rows.append(f"| `{name}` | {type_of(field)} | {needed} | {described} |")
    return "\n".join(rows)


def _body(spec: Spec, schema: Spec | None) -> str:
    """What a response body is: a named schema, or the fields of an inline one."""
    if schema is None:
        return ""
    if "$ref" in schema or "properties" not in schema:
        return type_of(schema)
    names = ", ".join(f"`{name}`" for name in schema["properties"])
    return f"object with {names}"


def _security(operation: Spec) -> str:
    options = operation.get("security", [])
    named = [AUTH_NAMES[name] for option in options for name in option]
    if not named:
        return "Authentication: none."
    if {} in options:
        return "Authentication: none, or " + "; or ".join(named) + "."
    return "Authentication: " + "; or ".join(named) + "."


def _request(spec: Spec, operation: Spec) -> list[str]:
    parts = []
    parameters = operation.get("parameters", [])
    if parameters:
        where = " or ".join(sorted({p["in"] for p in parameters}))  # "path", "query"
        rows = [f"| {where} parameter | type | description |", "| --- | --- | --- |"]
        rows += [
            f"| `{p['name']}` | {type_of(p['schema'])} | {_prose(p.get('description'))} |"
            for p in parameters
        ]
        parts.append("\n".join(rows))
    content = operation.get("requestBody", {}).get("content", {})
    for media_type, body in content.items():
        schema = body["schema"]
        if "oneOf" in schema:
            choices = "\n".join(f"- {type_of(choice)}" for choice in schema["oneOf"])
            parts.append(f"Request body, `{media_type}`, one of:\n\n{choices}")
        else:
            parts.append(f"Request body, `{media_type}`:\n\n{fields_table(spec, schema)}")
    return parts


def _responses(spec: Spec, operation: Spec) -> str:
    rows = [
        "| status | when | headers | body |",
        "| --- | --- | --- | --- |",
    ]
    for status, response in operation["responses"].items():
        response = _resolve(spec, response)
        headers = ", ".join(f"`{name}`" for name in response.get("headers", {}))
        content = response.get("content", {})
        body = "; ".join(
            f"`{media_type}` {_body(spec, item.get('schema'))}"
            for media_type, item in content.items()
        )
        rows.append(f"| {status} | {_prose(response['description'])} | {headers} | {body} |")
    return "\n".join(rows)


def render_operation(spec: Spec, method: str, path: str, operation: Spec) -> str:
    """One operation: heading, summary, description, authentication, request, responses."""
    parts = [
        f"### `{method} {path}` {{ #{anchor(method, path)} }}",
        _prose(operation.get("summary")),
    ]
    if operation.get("description"):
        parts.append(_prose(operation["description"]))
    parts.append(_security(operation))
    parts += _request(spec, operation)
    parts.append(_responses(spec, operation))
    return "\n\n".join(parts)


def render_schema(spec: Spec, name: str, schema: Spec) -> str:
    parts = [f"### {name} {{ #{schema_anchor(name)} }}"]
    if schema.get("description"):
        parts.append(_prose(schema["description"]))
    properties, _ = _fields(spec, schema)
    parts.append(fields_table(spec, schema) if properties else f"Type: {type_of(schema)}.")
    return "\n\n".join(parts)


def render(spec: Spec | None = None) -> str:
    """The whole reference as Markdown: the operations in the document's order, then schemas."""
    spec = spec or load()
    parts = ["## Operations"]
    parts += [render_operation(spec, *operation) for operation in operations(spec)]
    parts.append("## Schemas")
    parts += [render_schema(spec, name, s) for name, s in spec["components"]["schemas"].items()]
    return "\n\n".join(parts) + "\n"


def on_page_markdown(markdown: str, *, page, config, files) -> str:
    """Fill in the JSON API page; leave every other page alone."""
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise PluginError(
            f"{PAGE} lost its marker line {MARKER!r}; the reference has nowhere to go"
        )
    return markdown.replace(MARKER, render())

"""The OpenAPI description covers every JSON route of the provider, agrees with the endpoint
reference tables, is the file the provider serves, and renders into the JSON API page.

Builds nothing: it loads the docs hook module and calls its rendering function directly.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from mock_provider import ProviderConfig, create_app

ROOT = Path(__file__).parents[2]
REFERENCE = ROOT / "docs" / "reference"
#: Blueprints and endpoints that answer with HTML pages or redirects, not JSON.
NOT_JSON = ("interaction.", "instructor.", "static", "home")


def _load_hook():
    spec = importlib.util.spec_from_file_location(
        "openapi_hook", ROOT / "docs" / "hooks" / "openapi.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook()
SPEC = hook.load()
DESCRIBED = {(method, path) for method, path, _ in hook.operations(SPEC)}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    database = tmp_path_factory.mktemp("openapi") / "provider.sqlite3"
    return create_app(ProviderConfig.load(database_url=f"sqlite:///{database}"))


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def _json_routes(app) -> set[tuple[str, str]]:
    """(METHOD, path) of every JSON route at the root issuer; scenario copies share its shapes."""
    return {
        (method, _openapi_path(rule.rule))
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.startswith(NOT_JSON) and not rule.rule.startswith("/scenarios/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_json_route_of_the_provider_is_described_and_nothing_else(provider):
    assert _json_routes(provider) == DESCRIBED


def test_the_provider_serves_the_packaged_description_as_yaml(provider):
    response = provider.test_client().get("/openapi.yaml")

    assert response.status_code == 200
    assert response.mimetype == "application/yaml"
    assert response.get_data() == hook.SOURCE.read_bytes()
    assert yaml.safe_load(response.get_data())["openapi"] == "3.1.0"


def _reference_rows() -> set[tuple[str, str]]:
    """(METHOD, path) of each row of the endpoint and control API tables: `| GET, POST | `/p` |`."""
    rows = set()
    for page in ("endpoints.md", "control-api.md"):
        text = (REFERENCE / page).read_text(encoding="utf-8")
        for methods, path in re.findall(r"^\| ([A-Z, ]+) \| `([^`]+)` \|", text, re.MULTILINE):
            rows |= {(method.strip(), path) for method in methods.split(",")}
    return rows


def test_the_endpoint_reference_tables_list_each_described_operation_with_its_methods():
    rows = _reference_rows()
    tabled_paths = {path for _, path in rows}
    described_in_tables = {(m, p) for m, p in DESCRIBED if p in tabled_paths}

    assert described_in_tables <= rows
    # Every row for a described path is a described operation: no method only one side has.
    assert {(m, p) for m, p in rows if p in {p for _, p in DESCRIBED}} == described_in_tables
    # Only /openapi.yaml itself is named in prose rather than in a table.
    assert {p for _, p in DESCRIBED} - tabled_paths == {"/openapi.yaml"}


def test_every_json_error_response_is_an_error_object_with_a_description():
    for method, path, operation in hook.operations(SPEC):
        for status, response in operation["responses"].items():
            if not status.startswith("4"):
                continue
            schema = hook._resolve(SPEC, response)["content"]["application/json"]["schema"]
            properties, _ = hook._fields(SPEC, schema)
            assert "error_description" in properties, f"{method} {path} {status}"


def test_the_json_api_page_has_a_section_for_every_operation_and_schema():
    rendered = hook.render()

    for method, path, operation in hook.operations(SPEC):
        heading = f"### `{method} {path}` {{ #{hook.anchor(method, path)} }}"
        assert heading in rendered
        section = rendered.split(heading, 1)[1].split("\n### ", 1)[0]
        assert " ".join(operation["summary"].split()) in section
        for status in operation["responses"]:
            assert f"\n| {status} | " in section, f"{method} {path} lacks {status}"
    for name in SPEC["components"]["schemas"]:
        assert f"### {name} {{ #{hook.schema_anchor(name)} }}" in rendered


def test_the_token_request_fields_of_each_grant_are_listed_under_its_schema():
    section = hook.render_schema(
        SPEC, "AuthorizationCodeGrant", SPEC["components"]["schemas"]["AuthorizationCodeGrant"]
    )

    assert '| `grant_type` | `"authorization_code"` | yes |' in section
    assert "| `code_verifier` | string |  |" in section
    assert "| `client_id` | string |  |" in section


def test_the_json_api_page_keeps_its_marker_for_the_hook():
    page = (REFERENCE / "json-api.md").read_text(encoding="utf-8")
    assert hook.MARKER in page

"""Hostile input on every route: whatever arrives, the provider answers with a 4xx, never a 5xx.

The routes are read from the app's URL map, so a new endpoint is fuzzed without touching this
file. Each request mixes a random method, query string, body, content type and Authorization
header, drawn from the shapes that break parsers: huge values, repeated parameters, broken
percent-escapes, bytes that are not UTF-8, JSON where a form is expected and the reverse.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import mock_provider
from mock_provider import ProviderConfig, create_app
from mock_provider.scenarios import SCENARIOS

SCENARIO_ID = next(iter(SCENARIOS))
STATIC_FILE = next(p.name for p in (Path(mock_provider.__file__).parent / "static").iterdir())
ARGUMENTS = {"scenario_id": SCENARIO_ID, "filename": STATIC_FILE}
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
PARAMETERS = [
    "client_id", "client_secret", "redirect_uri", "response_type", "scope", "state", "nonce",
    "code", "code_verifier", "code_challenge", "code_challenge_method", "grant_type",
    "refresh_token", "token", "token_type_hint", "device_code", "user_code", "prompt", "max_age",
    "login_hint", "id_token_hint", "post_logout_redirect_uri", "action", "username", "password",
    "seconds", "limit", "title", "redirect_uris", "grant_types",
]  # fmt: skip
VALID_VALUES = [
    "web-app", "spa", "tv-app", "backend-service", "web-app-secret", "code", "token",
    "openid profile email photos.read", "http://127.0.0.1:8000/callback", "authorization_code",
    "client_credentials", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code",
    "S256", "plain", "none", "login", "consent", "allow", "deny", "approve", "login", "alice",
    "bob", "0", "-1", "1e308", "nan", "3600",
]  # fmt: skip
REDIRECT_URI = "http://127.0.0.1:8000/callback"
# Valid requests to start from, so a mutation reaches the checks behind client authentication.
VALID_REQUESTS = [
    [
        ("response_type", "code"), ("client_id", "web-app"), ("redirect_uri", REDIRECT_URI),
        ("scope", "openid photos.read"), ("state", "s"), ("nonce", "n"),
    ],
    [("grant_type", "client_credentials"), ("scope", "photos.read")],
    [("grant_type", "authorization_code"), ("code", "c"), ("redirect_uri", REDIRECT_URI)],
    [("grant_type", "refresh_token"), ("refresh_token", "r"), ("client_id", "spa")],
    [("token", "t"), ("token_type_hint", "access_token")],
    [("client_id", "tv-app"), ("scope", "openid photos.read")],
    [("user_code", "ABCD-EFGH"), ("action", "approve")],
    [("client_id", "web-app"), ("post_logout_redirect_uri", "http://127.0.0.1:8000/")],
]  # fmt: skip
CREDENTIALS = [
    "Basic " + base64.b64encode(b"web-app:web-app-secret").decode(),
    "Basic " + base64.b64encode(b"backend-service:backend-service-secret").decode(),
]
NASTY_FRAGMENTS = ["%zz", "%", "%e9", "%ff%fe", "%00", "\x00", "%C3%A9", "é", '"', "\\", "§", "&"]


def _routes() -> list[tuple[str, list[str]]]:
    """Every rule's path with its arguments filled in, and the methods it allows."""
    app = create_app(ProviderConfig.load(database_url="sqlite://"))
    allowed: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", ARGUMENTS[name])
            path = path.replace(f"<path:{name}>", ARGUMENTS[name])
        assert "<" not in path, f"no value to substitute in {rule.rule}; add it to ARGUMENTS"
        allowed.setdefault(path, set()).update(rule.methods or ())
    return [(path, sorted(methods)) for path, methods in sorted(allowed.items())]


ROUTES = _routes()

# -- strategies ---------------------------------------------------------------------------------

huge = st.builds(lambda char, n: char * n, st.sampled_from("aZ%é=&+"), st.integers(0, 100_000))
nasty_text = st.lists(
    st.one_of(st.sampled_from(NASTY_FRAGMENTS), st.text(max_size=20)), max_size=6
).map("".join)
value = st.one_of(st.sampled_from(VALID_VALUES), nasty_text, huge)
key = st.one_of(st.sampled_from(PARAMETERS), nasty_text)
pairs = st.lists(st.tuples(key, value), max_size=8)


def _encoded(items: list[tuple[str, str]], raw: bool) -> bytes:
    """Form-encode the pairs; `raw` leaves them unescaped, so % and & arrive as they are."""
    parts = [f"{k}={v}" if raw else f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in items]
    return "&".join(parts).encode("utf-8", "surrogatepass")


def _with_duplicates(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return items + items[:2]


def _mutated(valid: list, index: int, new_value: str, extra: list) -> list[tuple[str, str]]:
    """A valid request with one value replaced and some pairs added (repeats included)."""
    items = list(valid)
    name = items[index % len(items)][0]
    items[index % len(items)] = (name, new_value)
    return items + extra


mutated = st.builds(
    _mutated,
    st.sampled_from(VALID_REQUESTS),
    st.integers(0, 5),
    value,
    st.lists(st.tuples(key, value), max_size=2),
)
# Mostly near-valid requests: they reach deeper checks than pure noise does.
form_pairs = st.one_of(mutated, mutated, mutated, pairs, pairs.map(_with_duplicates))
escaped_or_raw = st.sampled_from([False, False, False, True])
query_string = st.one_of(
    st.just(b""),
    st.builds(_encoded, form_pairs, escaped_or_raw),
    st.builds(_encoded, form_pairs, escaped_or_raw),
    st.binary(max_size=200),  # anything at all, including bytes that are not UTF-8
    st.sampled_from([b"%zz", b"%", b"a=%", b"a=%e9", b"\xff\xfe=\xc0", b"state=1&state=2"]),
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(PARAMETERS) | st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
body = st.one_of(
    st.just(b""),
    st.builds(_encoded, form_pairs, escaped_or_raw),
    st.builds(_encoded, form_pairs, escaped_or_raw),
    json_value.map(lambda v: json.dumps(v).encode()),
    st.integers(500, 30_000).map(lambda depth: b"[" * depth + b"]" * depth),  # deep nesting
    st.binary(max_size=300),
    huge.map(lambda s: ("a=" + s).encode("utf-8")),
)
content_type = st.one_of(
    st.just("application/x-www-form-urlencoded"),
    st.none(),  # no Content-Type header at all
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=latin-1",
            "application/json",
            "application/json; charset=utf-16",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "text/plain",
            "text/é",
            "",
            ";;;",
            "application/x-www-form-urlencoded; boundary",
        ]
    ),
)
latin1 = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)
authorization = st.one_of(
    st.none(),
    st.sampled_from(CREDENTIALS),
    st.binary(max_size=60).map(lambda b: "Basic " + base64.b64encode(b).decode()),
    st.tuples(st.sampled_from(VALID_VALUES), st.sampled_from(VALID_VALUES)).map(
        lambda pair: "Basic " + base64.b64encode(":".join(pair).encode()).decode()
    ),
    latin1.map(lambda s: "Basic " + s),
    latin1.map(lambda s: "Bearer " + s),
    latin1,
)


# -- the property -------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "allowed"), ROUTES, ids=[path for path, _ in ROUTES])
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    # A number picks one of the route's own methods, so half the requests get past routing.
    method=st.one_of(st.sampled_from(METHODS), st.integers(0, 9)),
    query=query_string,
    data=body,
    mimetype=content_type,
    auth=authorization,
)
# Regression examples, one per class of nasty input.
@example(method="GET", query=b"state=a&state=b", data=b"", mimetype=None, auth=None)
@example(method="GET", query=b"a=%zz&b=%", data=b"", mimetype=None, auth=None)
@example(method="GET", query=b"a=\xff\xfe", data=b"", mimetype=None, auth=None)
@example(
    method="GET",
    query=b"response_type=code&client_id=web-app&redirect_uri=http://127.0.0.1:8000/callback"
    b"&scope=%C3%A9%22%5C",
    data=b"",
    mimetype=None,
    auth=None,
)
@example(method="POST", query=b"", data=b"a=" + b"x" * 100_000, mimetype=None, auth=None)
@example(method="POST", query=b"", data=b"\xff\xfe", mimetype=None, auth=None)
@example(
    method="POST", query=b"", data=b'{"grant_type": 1}', mimetype="application/json", auth=None
)
@example(
    method="POST",
    query=b"",
    data=b"grant_type=client_credentials",
    mimetype="application/x-www-form-urlencoded",
    auth="Basic \xff\xfe",
)
@example(
    method="POST",
    query=b"",
    data=b"token=x",
    mimetype="application/x-www-form-urlencoded",
    auth="Basic " + base64.b64encode(b"\xff:\xfe").decode(),
)
@example(method="GET", query=b"", data=b"", mimetype=None, auth="Bearer \xff\xfe")
@example(
    method="POST",
    query=b"",
    data=b"token=x",
    mimetype="application/x-www-form-urlencoded",
    auth="Basic ",
)
@example(
    method="POST", query=b"", data=b"", mimetype="application/x-www-form-urlencoded", auth="Bearer "
)
@example(method="POST", query=b"", data=b"--x\r\n", mimetype="multipart/form-data", auth=None)
@example(method="PATCH", query=b"", data=b"", mimetype="text/\xe9", auth="Basic")
@example(
    method=1, query=b"", data=b"[" * 5000 + b"]" * 5000, mimetype="application/json", auth=None
)
def test_no_request_makes_the_provider_fail_with_a_server_error(
    client, path, allowed, method, query, data, mimetype, auth
):
    if isinstance(method, int):
        method = allowed[method % len(allowed)]
    headers = {}
    if mimetype is not None:
        headers["Content-Type"] = mimetype
    if auth is not None:
        headers["Authorization"] = auth

    response = client.open(
        path,
        method=method,
        data=data,
        headers=headers,
        # WSGI carries the raw query bytes as latin-1, so non-UTF-8 bytes arrive untouched.
        environ_overrides={"QUERY_STRING": query.decode("latin-1")},
    )

    text = response.get_data(as_text=True)
    response.close()  # a streamed static file stays open until closed
    assert response.status_code < 500, text[:500]
    assert "Traceback" not in text


def test_json_nested_too_deeply_is_refused_as_invalid_request(client):
    # json.loads raises RecursionError, not ValueError, on a few thousand brackets.
    response = client.post(
        "/register", data=b"[" * 5000 + b"]" * 5000, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.get_json() == {
        "error": "invalid_request",
        "error_description": "the JSON body is nested too deeply to be client metadata or a "
        "control call",
    }

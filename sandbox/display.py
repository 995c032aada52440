"""How exchanges are shown: the raw HTTP text, each parameter with its annotation, decoded JWTs.

Pure functions, registered as template globals, so the templates stay declarative.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import segno
from markupsafe import Markup
from werkzeug.datastructures import WWWAuthenticate

from . import annotations, id_tokens, instructor_token
from .answers import loads
from .recorder import Exchange

JWT_PARAMETERS = ("id_token", "access_token", "id_token_hint")
SECRET_PARAMETERS = ("client_secret",)


def from_prepared(prepared: requests.PreparedRequest | None, step: str) -> Exchange | None:
    """A request that has not been sent yet, shaped like an exchange (status 0); None if the
    step cannot tell yet what it would send."""
    if prepared is None:
        return None
    body = prepared.body.decode() if isinstance(prepared.body, bytes) else prepared.body or ""
    return Exchange(
        step=step,
        channel="back",
        method=prepared.method or "GET",
        url=prepared.url or "",
        request_headers=instructor_token.masker()(dict(prepared.headers)),
        request_body=body,
        status=0,
        response_headers={},
        response_body="",
    )


def raw_request(exchange: Exchange) -> str:
    """The request as HTTP/1.1 text, copyable."""
    parts = urlsplit(exchange.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{exchange.method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in exchange.request_headers.items()]
    return "\n".join(lines) + ("\n\n" + exchange.request_body if exchange.request_body else "")


def raw_response(exchange: Exchange) -> str:
    """The response as HTTP/1.1 text, with a JSON body pretty-printed."""
    lines = [f"HTTP/1.1 {exchange.status}"]
    lines += [f"{name}: {value}" for name, value in exchange.response_headers.items()]
    body = exchange.response_json
    text = json.dumps(body, indent=2) if body is not None else exchange.response_body
    return "\n".join(lines) + ("\n\n" + text if text else "")


def url_params(url: str) -> list[tuple[str, str, Any]]:
    """The query parameters of a URL, each with its annotation."""
    return [
        (name, value, annotations.parameter(name)) for name, value in parse_qsl(urlsplit(url).query)
    ]


def request_params(exchange: Exchange) -> list[tuple[str, str, Any]]:
    """Query and form parameters of the request, each with its annotation: the one for the
    value sent and the endpoint it goes to (grant_type=refresh_token quotes RFC 6749 §6)."""
    pairs = parse_qsl(urlsplit(exchange.url).query)
    content_type = exchange.request_headers.get("Content-Type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        pairs += parse_qsl(exchange.request_body)
    elif content_type.startswith("application/json"):
        pairs += list(_json_object(exchange.request_body).items())
    endpoint = annotations.endpoint_of(exchange.step)
    return [(name, value, annotations.parameter(name, value, endpoint)) for name, value in pairs]


def sent_parameters(
    exchanges: Iterable[Exchange], preview: Exchange | None = None, url: str = ""
) -> set[str] | None:
    """The names of the parameters a step page shows being sent: in its exchanges, in its
    preview, and in `url` (the authorization URL, shown before the browser follows it).
    None when the page shows no request at all."""
    shown = [x for x in (*exchanges, preview) if x is not None]
    if not shown and not url:
        return None
    names = {name for x in shown for name, _, _ in request_params(x)}
    return names | {name for name, _ in parse_qsl(urlsplit(url).query)}


def response_params(exchange: Exchange) -> list[tuple[str, Any, Any]]:
    """Members of a JSON response, each with its annotation (a claim's, for userinfo)."""
    body = exchange.response_json
    if not isinstance(body, dict):
        return []
    endpoint = annotations.endpoint_of(exchange.step)  # an error's section depends on where
    claims = exchange.step == "userinfo_request"
    return [
        (name, value, _error_code(name, value) or _member(name, value, endpoint, claims))
        for name, value in body.items()
    ]


def _member(name: str, value: Any, endpoint: str, claims: bool) -> Any:
    """A response member's annotation: a claim's for userinfo, else the parameter's."""
    return (claims and annotations.claim(name)) or annotations.parameter(name, value, endpoint)


def challenge(exchange: Exchange) -> list[tuple[str, str, Any]]:
    """The attributes of a WWW-Authenticate challenge (RFC 6750 §3), each annotated."""
    header = next(
        (v for k, v in exchange.response_headers.items() if k.lower() == "www-authenticate"), ""
    )
    parsed = WWWAuthenticate.from_header(header)
    if parsed is None:
        return []
    return [
        (name, value, _error_code(name, value) or annotations.parameter(name))
        for name, value in parsed.parameters.items()
    ]


def _error_code(name: str, value: Any) -> Any:
    """An error code's own annotation (invalid_grant, insufficient_scope...), if it has one."""
    return annotations.error(value) if name == "error" and isinstance(value, str) else None


def jwt(token: str) -> dict[str, Any] | None:
    """Header and claims of a JWT, each claim annotated, times readable; None if not a JWT."""
    decoded = id_tokens.decode_unverified(token)
    if decoded is None:
        return None
    header, claims = decoded
    return {
        "header": [(name, value, annotations.claim(name)) for name, value in header.items()],
        "claims": [
            (
                name,
                value,
                annotations.claim(name),
                when(value) if name in ("exp", "iat", "auth_time") else "",
            )
            for name, value in claims.items()
        ],
    }


def when(timestamp: Any) -> str:
    """A Unix time as UTC and relative to now: '2026-11-21 10:00:00 UTC (in 59 min)'."""
    if not isinstance(timestamp, int | float):
        return ""
    try:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(timestamp))
    except (OverflowError, OSError, ValueError):  # a claim from the provider, past year 9999
        return ""
    return f"{stamp} ({id_tokens.relative(timestamp - time.time())})"


#: When the client uses each value it keeps, for the "What the client holds" panel.
COMPARED_WHEN = {
    "state": "Compared with the state of the authorization response, before the code is used.",
    "nonce": "Compared with the nonce claim of the ID token, at ID token validation.",
    "code_verifier": "Sent with the token request; the provider compares its hash with the "
    "code_challenge.",
    "code": "Redeemed once, at the token request.",
    "tokens.access_token": "Sent as a bearer token to userinfo and the API.",
    "tokens.id_token": "Checked rule by rule at ID token validation.",
    "tokens.refresh_token": "Traded for new tokens when the access token expires.",
}


def client_state_rows(state: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What the client holds, one row per value, long values shortened (tokens nest one level),
    each with when the client compares or uses it."""
    rows = []
    for name, value in state.items():
        if isinstance(value, dict):
            rows += [(f"{name}.{key}", _short(item)) for key, item in value.items()]
        elif value and name not in ("authorization_url", "callback_url"):
            rows.append((name, _short(value)))
    return [(name, value, COMPARED_WHEN.get(name, "")) for name, value in rows]


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 48 else f"{text[:40]}… ({len(text)} characters)"


def qr_code(text: str, label: str) -> Markup:
    """`text` as a QR code: an inline SVG drawn here, offline, named `label` for screen readers."""
    svg = segno.make(text, error="m").svg_inline(scale=5, title=label, light="#fff")
    # role="img": assistive technology announces one image, named by the SVG's <title>.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


TEMPLATE_GLOBALS = {
    "raw_request": raw_request,
    "raw_response": raw_response,
    "request_params": request_params,
    "sent_parameters": sent_parameters,
    "url_params": url_params,
    "client_state_rows": client_state_rows,
    "response_params": response_params,
    "challenge": challenge,
    "jwt": jwt,
    "when": when,
    "qr_code": qr_code,
    "JWT_PARAMETERS": JWT_PARAMETERS,
}

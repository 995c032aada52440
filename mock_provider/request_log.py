"""The request log: each request the provider received, its response, and the checks it ran.

Model methods and grants call `check()` as they enforce a rule; an `after_request` hook writes
one `LogEntry` per request. Secrets (client secrets, passwords, code verifiers, form tokens) are
masked, because the log is readable by anyone who can reach the control API: in a form, as HTTP
Basic credentials, or in the JSON answer to a registration. Tokens are kept: they are what the
log teaches, and they are development tokens.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, g, has_request_context, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from .client_request import client_parameters

MASKED_PARAMS = {"client_secret", "password", "code_verifier", "csrf_token", "instructor_token"}
MASK = "********"
RESPONSE_KEPT = 4000  # characters of each response body kept in the log


def check(name: str, passed: bool, detail: str) -> None:
    """Record the outcome of one check made while handling the current request."""
    if not has_request_context():
        return
    entry = {"check": name, "passed": passed, "detail": detail}
    recorded = g.setdefault("checks", [])
    if entry not in recorded:  # Authlib may ask the same question twice
        recorded.append(entry)


def checks() -> list[dict[str, Any]]:
    """The checks recorded so far for the current request."""
    return g.get("checks", [])


def last_failure() -> str | None:
    """The detail of the most recent failed check, which explains a rejection best."""
    failed = [c["detail"] for c in checks() if not c["passed"]]
    return failed[-1] if failed else None


def request_params() -> dict[str, Any]:
    """The request's query and form parameters, with secrets masked."""
    params: dict[str, Any] = {}
    for source in (request.args, _form()):
        for key in source:
            values = source.getlist(key)
            masked = [MASK if key in MASKED_PARAMS else v[:500] for v in values]
            params[key] = masked[0] if len(masked) == 1 else masked
    if request.authorization and request.authorization.type == "basic":
        params["authorization"] = f"Basic (client_id={request.authorization.username})"
    elif "Authorization" in request.headers:
        params["authorization"] = request.headers["Authorization"].split(" ", 1)[0] + " …"
    return params


def _form() -> MultiDict:
    try:
        return request.form
    except HTTPException:  # too large or malformed: the response already said so
        return MultiDict({"(body)": "not read"})


def client_id_of_request() -> str | None:
    """Which client the request came from, if it says (for filtering the log)."""
    try:  # a POSTed request carried through the provider's pages says it in a carried field
        client_id = client_parameters().get("client_id")
    except HTTPException:  # a body too large or malformed: the response already said so
        client_id = request.args.get("client_id")
    if not client_id and request.authorization and request.authorization.type == "basic":
        client_id = request.authorization.username
    return client_id or None


def response_text(response: Response) -> str:
    """The response body for the log, or where a redirect pointed."""
    if response.location:
        return f"Location: {response.location}"
    if response.is_streamed or response.mimetype == "text/html":
        return f"({response.mimetype} page)"
    return _masked_json(response.get_data(as_text=True))[:RESPONSE_KEPT]


def _masked_json(text: str) -> str:
    """A JSON object's secret members masked: a registration answer carries the new client's
    client_secret (RFC 7591 §3.2.1), which only that client should learn."""
    try:
        body = json.loads(text)
    except ValueError:
        return text
    if not isinstance(body, dict) or not MASKED_PARAMS & body.keys():
        return text
    return json.dumps({key: MASK if key in MASKED_PARAMS else value for key, value in body.items()})

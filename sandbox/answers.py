"""Reading what a provider answered, when the step needs a JSON object (RFC 8259 §4).

The sandbox may be pointed at any provider, a broken or a hostile one too, so no answer is
trusted to be what the spec says it is. Every JSON body from the provider is read here: either it
is a JSON object, or an `UnusableAnswer` says what came instead (its status, its Content-Type and
how it begins), so the learner sees what the provider sent, never a crash or "did not answer".
"""

from __future__ import annotations

import json
import math
from typing import Any

import requests

SHOWN_CHARACTERS = 80  # enough of a body to recognise an HTML page or a JSON list
MAX_SECONDS = 10**12  # some 30,000 years: any lifetime past it is a provider's mistake


class UnusableAnswer(Exception):
    """The provider answered, but not with what the step needs; the message says what came."""


def loads(text: str | bytes) -> Any:
    """`json.loads`, where JSON nested too deeply for Python's stack is one more ValueError.

    5,000 '[' make the parser raise RecursionError, which `except ValueError` would not catch.
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply to read") from None


def json_object(response: requests.Response, what: str) -> dict[str, Any]:
    """The response body as a JSON object, or UnusableAnswer naming `what` and what came."""
    try:
        value = loads(response.content)
    except ValueError:
        content_type = response.headers.get("Content-Type") or "no Content-Type"
        raise UnusableAnswer(
            f"{what} answered {response.status_code} with {content_type}, not JSON; "
            f"{beginning(response)}."
        ) from None
    if not isinstance(value, dict):
        raise UnusableAnswer(
            f"{what} answered {response.status_code} with a JSON {_json_kind(value)}, not the "
            f"JSON object it should be (RFC 8259 §4); {beginning(response)}."
        )
    return value


def beginning(response: requests.Response) -> str:
    """'it begins '<html>…'': the start of a body, enough to tell what it is."""
    text = response.text
    if not text:
        return "its body is empty"
    shown = text[:SHOWN_CHARACTERS] + ("…" if len(text) > SHOWN_CHARACTERS else "")
    return f"it begins {shown!r}"


def shown(value: Any) -> str:
    """A value from the provider as a page shows it: as Python writes it, cut short."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARACTERS else f"{text[:SHOWN_CHARACTERS]}…"


def is_seconds(value: Any) -> bool:
    """A number of seconds the client can count with: a finite number under MAX_SECONDS, or a
    short string of digits (some providers send "3600"; Authlib reads it with int())."""
    if isinstance(value, str):
        return value.isdecimal() and len(value) <= len(str(MAX_SECONDS))
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value) and abs(value) < MAX_SECONDS


def _json_kind(value: Any) -> str:
    """The JSON name of a parsed value's type: list, string, number..."""
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"

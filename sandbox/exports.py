"""A run as a file to keep or share: a Markdown handout, plain JSON, or a HAR 1.2 archive.

HAR (HTTP Archive 1.2, http://www.softwareishard.com/blog/har-12-spec/) is the format browsers'
developer tools import, so a learner can open the sandbox's back-channel exchanges, which no
browser ever saw, in the Network panel they already know. Every export hides every client secret
the run holds (its own client's, and a second client's where a scenario registers one); the
tokens stay, because they are what the lesson is about (and they are development tokens).

Also here: an exchange as a `curl` command line, for the learner to replay a request by hand.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from http import HTTPStatus
from importlib import metadata
from urllib.parse import parse_qsl, quote_plus, urlsplit

from . import annotations, display
from .flows import FLOWS
from .recorder import Exchange, Run

MASK = "(masked)"
CHANNELS = {
    "front": "front channel: carried by the browser, recorded from the redirect it brought back",
    "back": "back channel: sent by the sandbox, server to server",
}


def masked(exchange: Exchange, client_secrets: Iterable[str | None]) -> Exchange:
    """The exchange with every client secret the run holds hidden, wherever it appears.

    HTTP Basic credentials (RFC 7617 §2) are only base64, not encrypted, so the header value is
    replaced whole; the name stays, to show that the client authenticated this way.
    """
    # As it is, and as a form body encodes it (client_secret_post); longest first, so that a
    # secret containing another is hidden whole.
    forms = sorted({f for s in client_secrets if s for f in (s, quote_plus(s))}, key=len)[::-1]

    def hide(text: str) -> str:
        for form in forms:
            text = text.replace(form, MASK)
        return text

    def hide_headers(headers: dict[str, str]) -> dict[str, str]:
        return {
            name: f"Basic {MASK}"
            if name.lower() == "authorization" and value.startswith("Basic ")
            else hide(value)
            for name, value in headers.items()
        }

    return dataclasses.replace(
        exchange,
        url=hide(exchange.url),
        request_headers=hide_headers(exchange.request_headers),
        request_body=hide(exchange.request_body),
        response_headers=hide_headers(exchange.response_headers),
        response_body=hide(exchange.response_body),
    )


def exchanges(run: Run) -> list[Exchange]:
    """The run's exchanges in order, each with every client secret masked."""
    return [masked(exchange, client_secrets(run)) for exchange in run.exchanges]


def client_secrets(run: Run) -> list[str]:
    """Every client secret the run holds: its own client's, a second (attacker's) client's,
    and any the provider handed out in a registration answer (RFC 7591 §3.2.1)."""
    found = [run.credentials.client_secret if run.credentials else None]
    found.append((run.client_state.get("attacker_client") or {}).get("client_secret"))
    for exchange in run.exchanges_of("registration_request"):
        answer = exchange.response_json
        found.append(answer.get("client_secret") if isinstance(answer, dict) else None)
    return [secret for secret in found if isinstance(secret, str) and secret]


# Markdown


def markdown(run: Run) -> str:
    """A readable handout: the flow's steps, then each exchange as raw HTTP, with the checks."""
    flow = FLOWS[run.flow]
    lines = [
        f"# {flow.title}: a recorded run",
        "",
        f"- Variant: `{run.variant}`",
        f"- Issuer: <{run.issuer}>",
        f"- Started: {_iso(run.created_at, 'seconds')}",
        f"- Outcome: {f'stopped. {run.error}' if run.error else _progress(run)}",
        "",
        f"The client secret is shown as `{MASK}`. The tokens are the ones the provider issued.",
        "",
        "## The steps",
        "",
    ]
    lines += [
        f"{number}. {_title(step.id)} ({'done' if step.id in run.completed else 'not done'})"
        for number, step in enumerate(flow.steps, 1)
    ]
    for section in _sections(run):
        lines += ["", *section]
    return "\n".join(lines) + "\n"


def _sections(run: Run) -> Iterator[list[str]]:
    """Each exchange in order; a step's checks come before the first exchange of a later step."""
    order = [step.id for step in FLOWS[run.flow].steps]
    waiting = [step for step in order if run.checks.get(step)]
    for number, exchange in enumerate(exchanges(run), 1):
        if exchange.step in order:
            due = [s for s in waiting if order.index(s) < order.index(exchange.step)]
            waiting = [s for s in waiting if s not in due]
            yield from (_checks_section(run, step) for step in due)
        yield _exchange_section(number, exchange)
    waiting += [step for step in run.checks if step not in order and run.checks[step]]
    yield from (_checks_section(run, step) for step in waiting)


def _exchange_section(number: int, exchange: Exchange) -> list[str]:
    note = _note(exchange.step)
    channel = CHANNELS.get(exchange.channel, exchange.channel)
    lines = [f"## {number}. {_title(exchange.step)}", ""]
    notice = note.notice_for(display.sent_parameters([exchange])) if note else ""
    lines += [f"*{note.spec} · {channel}*", "", f"> {notice}", ""] if note else [channel, ""]
    lines += ["Request:", "", *_fenced(display.raw_request(exchange))]
    if exchange.status:
        lines += ["", "Response:", "", *_fenced(display.raw_response(exchange))]
    return lines


def _checks_section(run: Run, step: str) -> list[str]:
    lines = [f"### The client's checks: {_title(step)}", ""]
    return lines + [
        f"- **{check.name}**: {'passed' if check.passed else 'failed'}. "
        f"{check.reason} ({check.spec})"
        for check in run.checks[step]
    ]


def _fenced(text: str) -> list[str]:
    """A fenced code block longer than any run of backticks inside, so nothing can close it."""
    longest = max((len(ticks) for ticks in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}http", text, fence]


def _progress(run: Run) -> str:
    left = [step.id for step in FLOWS[run.flow].steps if step.id not in run.completed]
    return f"in progress, next step: {_title(left[0]).lower()}" if left else "every step done"


def _note(step: str) -> annotations.StepNote | None:
    try:
        return annotations.step(step)
    except KeyError:
        return None


def _title(step: str) -> str:
    note = _note(step)
    return note.title if note else step.replace("_", " ").capitalize()


# JSON


def as_json(run: Run) -> str:
    """The run as plain data: what it is, its exchanges (fields as in `Exchange`), its checks."""
    data = {
        "run": {
            "id": run.id,
            "flow": run.flow,
            "variant": run.variant,
            "issuer": run.issuer,
            "created_at": run.created_at,
            "completed": run.completed,
            "error": run.error,
        },
        "exchanges": [dataclasses.asdict(exchange) for exchange in exchanges(run)],
        "checks": {
            step: [dataclasses.asdict(check) for check in checks]
            for step, checks in run.checks.items()
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# HAR 1.2


def har(run: Run) -> str:
    """The run's exchanges as an HTTP Archive that browsers' developer tools can import."""
    log = {
        "version": "1.2",
        "creator": {"name": "oauth-sandbox", "version": _version()},
        "entries": [_entry(exchange) for exchange in exchanges(run)],
        "comment": f"{FLOWS[run.flow].title} ({run.variant}), issuer {run.issuer}",
    }
    return json.dumps({"log": log}, indent=2, ensure_ascii=False) + "\n"


def _entry(exchange: Exchange) -> dict:
    wait_ms = round(exchange.elapsed * 1000, 3)
    return {
        # `at` is when the response was recorded; the request left `elapsed` seconds before.
        "startedDateTime": _iso(exchange.at - exchange.elapsed, "milliseconds"),
        "time": wait_ms,
        "request": _har_request(exchange),
        "response": _har_response(exchange),
        "cache": {},
        # HAR 1.2 requires send, wait and receive; requests measures only up to the headers.
        "timings": {"send": 0, "wait": wait_ms, "receive": 0},
        "comment": f"{_title(exchange.step)} ({CHANNELS.get(exchange.channel, exchange.channel)})",
    }


def _har_request(exchange: Exchange) -> dict:
    request = {
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _name_values(exchange.request_headers.items()),
        "queryString": _name_values(parse_qsl(urlsplit(exchange.url).query, True)),
        "headersSize": -1,
        "bodySize": len(exchange.request_body.encode()),
    }
    if exchange.request_body:
        mime_type = _header(exchange.request_headers, "Content-Type") or "text/plain"
        request["postData"] = {"mimeType": mime_type, "text": exchange.request_body}
    return request


def _har_response(exchange: Exchange) -> dict:
    size = len(exchange.response_body.encode())
    return {
        "status": exchange.status,
        "statusText": _status_text(exchange.status),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _name_values(exchange.response_headers.items()),
        "content": {
            "size": size,
            "mimeType": _header(exchange.response_headers, "Content-Type"),
            "text": exchange.response_body,
        },
        "redirectURL": _header(exchange.response_headers, "Location"),
        "headersSize": -1,
        "bodySize": size,
    }


def _name_values(pairs) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs]


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _iso(timestamp: float, timespec: str) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec=timespec)


def _version() -> str:
    try:
        return metadata.version("oauth-sandbox")
    except metadata.PackageNotFoundError:
        return "unknown"


# Downloads: file extension → (render, media type)

FORMATS: dict[str, tuple[Callable[[Run], str], str]] = {
    "md": (markdown, "text/markdown"),
    "json": (as_json, "application/json"),
    "har": (har, "application/json"),
}


def filename(run: Run, kind: str) -> str:
    """The download's file name, e.g. `oauth-sandbox-authorization-code-Xy12ab.har`."""
    return f"oauth-sandbox-{run.flow}-{run.id}.{kind}"


# Copy as curl


def curl_command(exchange: Exchange) -> str:
    """The request as a curl command line: method, URL, every header, the body as sent.

    Each argument is quoted for a POSIX shell; options go one per line, joined with a
    backslash-newline that the shell reads as a line continuation.
    """
    parts = ["curl", "-X", shlex.quote(exchange.method), shlex.quote(exchange.url)]
    lines = [" ".join(parts)]
    lines += [
        f"-H {shlex.quote(f'{name}: {value}')}" for name, value in exchange.request_headers.items()
    ]
    if exchange.request_body:
        lines.append(f"--data-raw {shlex.quote(exchange.request_body)}")
    return " \\\n  ".join(lines)

"""The provider's side of an exchange: its request-log entry, with the checks it ran.

The mock provider names its control API in discovery (`mock_provider_control_endpoint`); the
sandbox reads the log from there over HTTP, like any other client would. Other providers have no
such API, and the page says so.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from . import answers, instructor_token
from .recorder import Exchange, Run

MASKED = "********"  # how the mock provider's log shows a secret it will not repeat


def entries_for(run: Run, exchanges: list[Exchange]) -> list[dict[str, Any]] | None:
    """The provider's log entries for these exchanges, newest match each; None without an API."""
    control = run.provider.control_api if run.provider else None
    if not control or run.credentials is None:
        return None
    # This client's entries first; then, for what they leave unmatched (discovery, JWKS: the
    # requests that name no client, and are the same for everyone), the newest of all. Asking
    # for this client only keeps the answer small when a whole class shares the provider.
    log = _log(control, {"client_id": run.credentials.client_id, "limit": 100})
    taken: list[dict[str, Any]] = []
    # Newest exchange first, each to its own entry: repeated requests (polls) stay distinct.
    matched = [matching_entry(exchange, log, taken) for exchange in reversed(exchanges)]
    if None in matched:
        anonymous = [e for e in _log(control, {"limit": 50}) if e.get("client_id") is None]
        matched = [
            entry or matching_entry(exchange, anonymous, taken)
            for entry, exchange in zip(matched, reversed(exchanges), strict=True)
        ]
    return [entry for entry in reversed(matched) if entry]


def _log(control: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        response = requests.get(
            f"{control}/log", params=params, headers=instructor_token.bearer(), timeout=5
        )
        return answers.loads(response.content)["entries"] if response.ok else []
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return []


def matching_entry(
    exchange: Exchange, log: list[dict[str, Any]], taken: list[dict[str, Any]]
) -> dict[str, Any] | None:
    wanted = f"{exchange.method} {urlsplit(exchange.url).path}"
    sent = _sent_params(exchange)
    # The log is newest first, so this is the latest request with the same method and path
    # whose parameters are the ones this exchange sent: a class shares one registered client,
    # and a neighbour's request differs in its state, code or token.
    for entry in log:
        if (
            entry["request"] == wanted
            and _agrees(entry.get("params") or {}, sent)
            and not any(entry is other for other in taken)
        ):
            taken.append(entry)
            return entry
    return None


def _sent_params(exchange: Exchange) -> dict[str, str]:
    """The query and form parameters the exchange sent (first value of each)."""
    body = exchange.request_body if "=" in exchange.request_body else ""
    return dict(parse_qsl(urlsplit(exchange.url).query) + parse_qsl(body))


def _agrees(logged: dict[str, Any], sent: dict[str, str]) -> bool:
    """Every parameter the provider logged, but those it masked, is what the exchange sent."""
    for name, value in logged.items():
        first = value[0] if isinstance(value, list) and value else value
        if name == "authorization" or first == MASKED:
            continue
        if sent.get(name) != first:
            return False
    return True


def provider_time(run: Run) -> float:
    """The time to check token times against: the mock provider's teaching clock if it has one.

    The control API can move the provider's clock forward (to show expiry without waiting), and
    then every token it issues is stamped in the provider's future. A client on the real time
    would reject them all as "issued in the future"; the sandbox reads the provider's clock so
    that the lesson stays about the rule, not about a clock the instructor moved.
    """
    control = run.provider.control_api if run.provider else None
    if control:
        try:
            return float(answers.loads(requests.get(f"{control}/clock", timeout=5).content)["now"])
        except (requests.RequestException, ValueError, KeyError, TypeError):
            return time.time()  # no usable teaching clock: the real time it is
    return time.time()

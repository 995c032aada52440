"""The provider's side of an exchange: its request-log entry, with the checks it ran.

The mock provider names its control API in discovery (`mock_provider_control_endpoint`); the
sandbox reads the log from there over HTTP, like any other client would. Other providers have no
such API, and the page says so.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import requests

from .recorder import Exchange, Run


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
    matched = [_match(exchange, log, taken) for exchange in reversed(exchanges)]
    if None in matched:
        anonymous = [e for e in _log(control, {"limit": 50}) if e.get("client_id") is None]
        matched = [
            entry or _match(exchange, anonymous, taken)
            for entry, exchange in zip(matched, reversed(exchanges), strict=True)
        ]
    return [entry for entry in reversed(matched) if entry]


def _log(control: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        response = requests.get(f"{control}/log", params=params, timeout=5)
        return response.json()["entries"] if response.ok else []
    except (requests.RequestException, ValueError, KeyError):
        return []


def _match(
    exchange: Exchange, log: list[dict[str, Any]], taken: list[dict[str, Any]]
) -> dict[str, Any] | None:
    wanted = f"{exchange.method} {urlsplit(exchange.url).path}"
    # The log is newest first, so this is the latest request with the same method and path.
    for entry in log:
        if entry["request"] == wanted and not any(entry is other for other in taken):
            taken.append(entry)
            return entry
    return None


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
            return float(requests.get(f"{control}/clock", timeout=5).json()["now"])
        except (requests.RequestException, ValueError, KeyError, TypeError):
            return time.time()  # no usable teaching clock: the real time it is
    return time.time()

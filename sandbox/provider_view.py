"""The provider's side of an exchange: its request-log entry, with the checks it ran.

The mock provider names its control API in discovery (`mock_provider_control_endpoint`); the
sandbox reads the log from there over HTTP, like any other client would. Other providers have no
such API, and the page says so.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from .recorder import Exchange, Run


def entries_for(run: Run, exchanges: list[Exchange]) -> list[dict[str, Any]] | None:
    """The provider's log entries for these exchanges, newest match each; None without an API."""
    control = run.provider.control_api if run.provider else None
    if not control or run.credentials is None:
        return None
    try:
        response = requests.get(
            f"{control}/log",
            params={"client_id": run.credentials.client_id, "limit": 100},
            timeout=5,
        )
        log = response.json()["entries"] if response.ok else []
    except (requests.RequestException, ValueError, KeyError):
        return []
    matched = (_match(exchange, log) for exchange in exchanges)
    return [entry for entry in matched if entry]


def _match(exchange: Exchange, log: list[dict[str, Any]]) -> dict[str, Any] | None:
    wanted = f"{exchange.method} {urlsplit(exchange.url).path}"
    # The log is newest first, so this is the latest request with the same method and path.
    for entry in log:
        if entry["request"] == wanted:
            return entry
    return None

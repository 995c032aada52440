"""Runs and their exchanges: every HTTP message of a learner's flow, kept as plain data.

A run lives on the server, keyed by the learner's browser session, because a cookie is too small
for a recorded flow and because the client's secrets (`code_verifier`, tokens) must never travel
to the browser. Each learner sees only their own runs.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import requests

from . import instructor_token
from .answers import loads


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as seen by the client (or, for redirects, by the browser)."""

    step: str  # step id, e.g. "token_request"
    channel: str  # "front" (through the browser) or "back" (server to server)
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int
    response_headers: dict[str, str]
    response_body: str
    at: float = field(default_factory=time.time)
    #: Seconds from sending the request to parsing the response headers (0: not measured).
    elapsed: float = 0.0

    @classmethod
    def redirect(cls, step: str, url: str, location: str) -> Exchange:
        """A front-channel hop the client cannot see: the browser went to `url` and was sent
        back to `location`, which is all the client learns of it."""
        return cls(
            step=step,
            channel="front",
            method="GET",
            url=url,
            request_headers={},
            request_body="",
            status=302,
            response_headers={"Location": location},
            response_body="",
        )

    @property
    def response_json(self) -> Any:
        """The response body as JSON, or None when it is not JSON."""
        try:
            return loads(self.response_body)
        except ValueError:
            return None


@dataclass
class Run:
    """One learner's pass through one flow: what the client holds and what went over the wire."""

    flow: str  # flow id, e.g. "authorization-code"
    variant: str  # e.g. "confidential-pkce"
    issuer: str
    id: str = field(default_factory=lambda: secrets.token_urlsafe(9))
    created_at: float = field(default_factory=time.time)
    #: Step ids done so far, in order; the learner is on the first step not in it.
    completed: list[str] = field(default_factory=list)
    #: What the client holds: state, nonce, code_verifier, tokens... (shown on every page).
    client_state: dict[str, Any] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)
    #: Results of the client's own checks, by step id (e.g. the ID token checklist).
    checks: dict[str, list[Any]] = field(default_factory=dict)
    error: str | None = None  # why the run stopped, if it did
    #: The provider's metadata and the client credentials this run uses (set when it starts).
    provider: Any = None
    credentials: Any = None
    #: The failure scenario this run plays (a scenarios.Scenario), None for an ordinary run.
    scenario: Any = None
    #: A deliberately VULNERABLE client, for one attack page only (e.g. "no-state", see
    #: flows/authorization_code.py); None for every other run.
    deviation: str | None = None
    #: Held while a step is performed: two quick submits of one step (a second tab, a resubmit)
    #: would otherwise both pass the "is this the current step" check and send it twice.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def response_hook(self, step: str):
        """A `requests` response hook that records each back-channel exchange under `step`."""
        mask = instructor_token.masker()

        def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            sent = response.request
            self.record(
                Exchange(
                    step=step,
                    channel="back",
                    method=sent.method or "GET",
                    url=sent.url or "",
                    request_headers=mask(dict(sent.headers)),
                    request_body=_as_text(sent.body),
                    status=response.status_code,
                    response_headers=dict(response.headers),
                    response_body=response.text,
                    elapsed=response.elapsed.total_seconds(),
                )
            )

        return hook

    def exchanges_of(self, step: str) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if exchange.step == step]


def _as_text(body: str | bytes | None) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    return body or ""


class RunStore:
    """Runs by learner, in memory, with a cap per learner (the oldest run goes first)."""

    def __init__(self, runs_per_learner: int) -> None:
        self._runs: dict[str, OrderedDict[str, Run]] = {}
        self._limit = runs_per_learner
        self._lock = threading.Lock()

    def add(self, learner: str, run: Run) -> Run:
        with self._lock:
            runs = self._runs.setdefault(learner, OrderedDict())
            runs[run.id] = run
            while len(runs) > self._limit:
                runs.popitem(last=False)
        return run

    def get(self, learner: str, run_id: str) -> Run | None:
        with self._lock:
            return self._runs.get(learner, {}).get(run_id)

    def of(self, learner: str) -> list[Run]:
        """The learner's runs, newest first."""
        with self._lock:
            return list(reversed(self._runs.get(learner, {}).values()))

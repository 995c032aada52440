"""The instructor token, when this sandbox holds one, and how the provider wants it sent.

Beyond loopback the mock provider answers some requests only for the instructor: its control API
and dynamic registration want `Authorization: Bearer <token>` (RFC 7591 §3 lets registration
require such an initial access token), and its deliberately VULNERABLE issuers want an
`X-Instructor-Token` header on every request. An instructor's own sandbox, started with
`--instructor-token` on loopback, sends both; any other sandbox holds no token and sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, has_app_context

MASK = "(the instructor token)"


def held() -> str | None:
    return current_app.extensions["sandbox"].config.instructor_token if has_app_context() else None


def bearer() -> dict[str, str]:
    """For the control API and for registration."""
    token = held()
    return {"Authorization": f"Bearer {token}"} if token else {}


def vulnerable_issuers() -> dict[str, str]:
    """For every request to the provider: only the VULNERABLE issuers look at it."""
    token = held()
    return {"X-Instructor-Token": token} if token else {}


def masker() -> Callable[[dict[str, str]], dict[str, str]]:
    """A function that hides the token held now in a request's headers, for the pages and
    exports that show them: an instructor's screen is often projected, and the token opens the
    provider's controls. (Taken now, because a response hook may run outside the request.)"""
    token = held()

    def mask(headers: dict[str, str]) -> dict[str, str]:
        if not token:
            return headers
        return {name: value.replace(token, MASK) for name, value in headers.items()}

    return mask

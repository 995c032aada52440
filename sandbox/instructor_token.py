"""The instructor token, when this sandbox holds one, and how the provider wants it sent.

Beyond loopback the mock provider answers some requests only for the instructor: its control API
and dynamic registration want `Authorization: Bearer <token>` (RFC 7591 §3 lets registration
require such an initial access token), and its deliberately VULNERABLE issuers want an
`X-Instructor-Token` header on every request. An instructor's own sandbox, started with
`--instructor-token` on loopback, sends both; any other sandbox holds no token and sends nothing.
"""

from __future__ import annotations

from flask import current_app, has_app_context


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

"""Helpers for the tests of tutorials whose scripts print what they see (05, 06, 09).

Each script's page shows a sample of its output, kept in a `.txt` file beside the script and
printed by the script itself against a provider at http://127.0.0.1:9000 with a fixed clock.
Codes, tokens, verifiers and user codes are random on every run, and a test's provider listens
on a port of its own, so `shape()` reduces both texts to what must not change.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from mock_provider.config import ProviderConfig

DOCS_ISSUER = "http://127.0.0.1:9000"
# A fixed start for the provider's clock: time moves only when a script or test advances it,
# so "expired 60 s ago" and "polled 0.0 s after" read the same on every run.
FIXED_CLOCK = 1_767_225_600.0  # 2026-01-01T00:00:00Z
RANDOM = re.compile(r"[A-Za-z0-9_-]{20,}")  # codes, states, verifiers, tokens (and JWT parts)
USER_CODE = re.compile(r"\b[A-Z]{4}-[A-Z]{4}\b")  # RFC 8628 §6.1 style, as the provider makes


def shape(text: str, issuer: str) -> str:
    """`text` with the issuer written as in the docs and every random value replaced."""
    text = text.replace(issuer, DOCS_ISSUER)
    text = text.replace(quote(issuer, safe=""), quote(DOCS_ISSUER, safe=""))
    text = RANDOM.sub("<random>", text)
    return USER_CODE.sub("<user_code>", text)


def fixed_clock_config(database: str) -> ProviderConfig:
    """The seeded provider, its clock stopped at FIXED_CLOCK (see `oauth_provider_config`)."""
    return ProviderConfig.load(database_url=f"sqlite:///{database}", clock_start=FIXED_CLOCK)

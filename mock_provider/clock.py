"""The one source of "now" for every expiry: codes, tokens, device codes, `iat` and `exp`.

The control API moves the clock forward so a learner can watch a token expire without waiting.
The offset lives in the database, so every worker process agrees on the time and it survives a
restart. Tests pin the start (`ProviderConfig.clock_start`) so `iat` and `exp` are predictable.
"""

from __future__ import annotations

import time

from flask import current_app, g

from . import store

OFFSET_SETTING = "clock_offset"


def now() -> float:
    """The provider's current time in seconds since the epoch (the same for a whole request)."""
    if "clock_now" not in g:
        start = current_app.extensions["mock_provider"].config.clock_start
        base = time.time() if start is None else start
        g.clock_now = base + float(store.get_setting(OFFSET_SETTING, "0"))
    return g.clock_now


def offset() -> float:
    """How far the clock has been moved forward, in seconds."""
    return float(store.get_setting(OFFSET_SETTING, "0"))


def advance(seconds: float) -> None:
    """Move the clock forward (the control API's "advance" button)."""
    store.set_setting(OFFSET_SETTING, str(offset() + seconds))
    g.pop("clock_now", None)


def reset() -> None:
    """Put the clock back to the real time."""
    store.set_setting(OFFSET_SETTING, "0")
    g.pop("clock_now", None)

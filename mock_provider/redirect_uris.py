"""Explain how a received redirect_uri differs from the registered ones.

RFC 6749 §3.1.2.4 forbids redirecting to an unverified URI, so a mismatch is shown to the person
at the browser instead. Naming the exact difference (a trailing slash, a port) saves a learner
the squinting.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from urllib.parse import urlsplit


def scheme_of(uri: str) -> str:
    """The URI's scheme, in lowercase; "" for a string that does not parse as a URI (an unclosed
    [ in the host makes urlsplit raise)."""
    try:
        return urlsplit(uri).scheme.lower()
    except ValueError:
        return ""


@dataclass(frozen=True)
class Mismatch:
    registered: str  # the closest registered URI
    received: str
    differences: list[str]  # plain-words list: "the path ends with a slash", ...


def describe(received: str, registered: list[str]) -> Mismatch | None:
    """Compare `received` with the closest registered URI; None if nothing is registered."""
    if not registered:
        return None
    closest = max(registered, key=lambda uri: SequenceMatcher(None, uri, received).ratio())
    return Mismatch(closest, received, _differences(received, closest))


def _differences(received: str, registered: str) -> list[str]:
    try:
        got, want = urlsplit(received), urlsplit(registered)
        got_port, want_port = got.port, want.port
    except ValueError:
        return ["the received value is not a valid URL"]
    found = []
    if got.scheme != want.scheme:
        found.append(f"the scheme is {got.scheme or '(none)'}, registered {want.scheme}")
    elif received.split(":", 1)[0] != registered.split(":", 1)[0]:
        found.append("the scheme differs in letter case")
    if got.hostname != want.hostname:
        same_but_case = (got.netloc or "").lower() == want.netloc.lower()
        found.append(
            "the host differs in letter case"
            if same_but_case
            else f"the host is {got.hostname}, registered {want.hostname}"
        )
    elif got.netloc != want.netloc and (got.netloc or "").lower() == want.netloc.lower():
        found.append("the host differs in letter case")
    if got_port != want_port:
        found.append(
            f"the port is {got_port or 'the default'}, registered {want_port or 'the default'}"
        )
    if got.path != want.path:
        if got.path.rstrip("/") == want.path.rstrip("/"):
            extra = "has" if got.path.endswith("/") else "lacks"
            found.append(f"the path {extra} a trailing slash")
        elif got.path.lower() == want.path.lower():
            found.append("the path differs in letter case")
        else:
            found.append(f"the path is {got.path or '/'}, registered {want.path or '/'}")
    if got.query != want.query:
        found.append(f"the query is '{got.query}', registered '{want.query}'")
    if got.fragment:
        found.append("it has a fragment, which RFC 6749 §3.1.2 forbids")
    return found or ["the strings differ (exact string comparison, RFC 9700 §4.1.3)"]

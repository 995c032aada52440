"""The sandbox's configuration: which issuer to learn from, and where the sandbox itself lives.

The sandbox knows nothing about the provider but its issuer URL. Every endpoint comes from
discovery, and client credentials come from dynamic registration (RFC 7591) unless given here.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import playlists


def _built_site() -> Path | None:
    from .docs_site import BUILT_SITE

    return BUILT_SITE if BUILT_SITE.is_dir() else None


@dataclass(frozen=True)
class SandboxConfig:
    """Everything the sandbox needs to start. Tests build one; the CLI reads flags into one."""

    issuer: str = "http://127.0.0.1:9000"
    #: The sandbox's own base URL; the redirect_uri is `{base_url}/callback`.
    base_url: str = "http://127.0.0.1:8000"
    #: Credentials to use instead of dynamic registration (both None: register).
    client_id: str | None = None
    client_secret: str | None = None
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    #: The built docs site the sandbox serves under /docs (None: links explain how to build it).
    docs_dir: Path | None = field(default_factory=_built_site)
    #: Runs kept per learner; the oldest go first.
    runs_per_learner: int = 20
    #: An instructor's playlist of scenarios (TOML, see playlists.py), shown on /instructor.
    playlist: Path | None = None
    #: The attacker's site (attacker.py) for the attack pages; None: the sandbox's port + 1.
    attacker_url: str | None = None
    #: The provider's instructor token, for an instructor's own sandbox (on loopback) driving a
    #: provider that serves a classroom network: sent with every control API request.
    instructor_token: str | None = None

    def __post_init__(self) -> None:
        # A bad playlist stops the start, naming the file, the key and what was expected.
        if self.playlist is not None:
            playlists.load(self.playlist)

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/callback"

    @property
    def attacker_base_url(self) -> str:
        """Where the attacker's site listens: as configured, or on the sandbox's port + 1."""
        if self.attacker_url:
            return self.attacker_url.rstrip("/")
        parts = urlsplit(self.base_url)
        host = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc  # [::1] keeps []
        return f"{parts.scheme}://{host}:{(parts.port or 80) + 1}"

    @classmethod
    def from_env(cls) -> SandboxConfig:
        """Read `SANDBOX_ISSUER` and `SANDBOX_BASE_URL` (for `python -m sandbox`)."""
        return cls(
            issuer=os.environ.get("SANDBOX_ISSUER", cls.issuer).rstrip("/"),
            base_url=os.environ.get("SANDBOX_BASE_URL", cls.base_url).rstrip("/"),
        )

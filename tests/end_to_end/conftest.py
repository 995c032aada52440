"""Fixtures that run the provider on a real loopback port, reached over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_provider import ProviderConfig
from mock_provider.server import RunningProvider, serve_in_thread


@pytest.fixture
def provider(tmp_path) -> Iterator[RunningProvider]:
    """The seeded provider with --auto-login alice, served by waitress on a free port."""
    config = ProviderConfig.load(
        database_url=f"sqlite:///{tmp_path / 'provider.sqlite3'}", auto_login="alice"
    )
    running = serve_in_thread(config)
    yield running
    running.stop()

"""Fixtures for the provider's own tests: the app in-process, reached through Flask's client."""

from __future__ import annotations

import pytest

from mock_provider import ProviderConfig, create_app

FIXED_START = 1_800_000_000.0  # 2027-01-15T08:00:00Z; makes iat and exp predictable


@pytest.fixture
def config(tmp_path) -> ProviderConfig:
    """The seeded provider on a fresh database with a pinned clock."""
    return ProviderConfig.load(
        database_url=f"sqlite:///{tmp_path / 'provider.sqlite3'}", clock_start=FIXED_START
    )


@pytest.fixture
def app(config):
    """The provider app; pytest-flask turns it into the `client` fixture."""
    return create_app(config)


@pytest.fixture
def auto_login_app(config):
    """The provider with --auto-login alice: authorize redirects at once."""
    return create_app(config.replace(auto_login="alice"))

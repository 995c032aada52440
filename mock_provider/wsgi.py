"""The provider as a WSGI app for servers with several worker processes, such as gunicorn:

    MOCK_PROVIDER_DATABASE_URL=sqlite:////tmp/provider.sqlite3 \\
    MOCK_PROVIDER_ISSUER=http://127.0.0.1:9000 \\
    gunicorn -w 4 -b 127.0.0.1:9000 'mock_provider.wsgi:app'

Every worker builds its own app from the same environment; the state they must share (clients,
codes, tokens, keys, the clock) lives in the database, so give them a file or server database.
MOCK_PROVIDER_AUTO_LOGIN names a seeded user to sign in without a page, for scripts and tests.
"""

from __future__ import annotations

import os

from . import ProviderConfig, create_app

app = create_app(
    ProviderConfig.load(
        database_url=os.environ.get("MOCK_PROVIDER_DATABASE_URL"),
        issuer=os.environ.get("MOCK_PROVIDER_ISSUER"),
        auto_login=os.environ.get("MOCK_PROVIDER_AUTO_LOGIN") or None,
    )
)

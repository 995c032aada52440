"""The provider as a WSGI app for servers with several worker processes, such as gunicorn:

    MOCK_PROVIDER_DATABASE_URL=sqlite:////tmp/provider.sqlite3 \\
    MOCK_PROVIDER_ISSUER=http://127.0.0.1:9000 \\
    gunicorn -w 4 -b 127.0.0.1:9000 'mock_provider.wsgi:app'

Every worker builds its own app from the same environment; the state they must share (clients,
codes, tokens, keys, the clock) lives in the database, so give them a file or server database.
MOCK_PROVIDER_CONFIG names a config file (as `--config`), MOCK_PROVIDER_AUTO_LOGIN a declared
user to sign in without a page, for scripts and tests. MOCK_PROVIDER_ISSUER must be the address
clients reach (gunicorn's bind is not known here); without it the issuer is
http://127.0.0.1:9000.

An issuer beyond loopback (a classroom's LAN address) needs MOCK_PROVIDER_INSTRUCTOR_TOKEN, the
token the control API, registration and the VULNERABLE issuers then ask for, as
`oauth-sandbox provider --host` prints one. Every worker must know the same token, so it comes
from the environment rather than being generated here.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from . import ProviderConfig, create_app, is_loopback
from .config import ConfigError

issuer = os.environ.get("MOCK_PROVIDER_ISSUER")
instructor_token = os.environ.get("MOCK_PROVIDER_INSTRUCTOR_TOKEN") or None
if issuer and not is_loopback(urlsplit(issuer).hostname or ""):
    if instructor_token is None:
        raise ConfigError(
            f"MOCK_PROVIDER_ISSUER {issuer} is beyond loopback, so the control API and "
            "registration must not be open: set MOCK_PROVIDER_INSTRUCTOR_TOKEN to a secret value"
        )
    # Authlib refuses plain http beyond loopback unless told otherwise (RFC 6749 §10.9).
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

app = create_app(
    ProviderConfig.load(
        os.environ.get("MOCK_PROVIDER_CONFIG") or None,
        database_url=os.environ.get("MOCK_PROVIDER_DATABASE_URL"),
        issuer=issuer,
        auto_login=os.environ.get("MOCK_PROVIDER_AUTO_LOGIN") or None,
        instructor_token=instructor_token,
    )
)

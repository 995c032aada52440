"""Run the popular article's Authlib calls against the mock provider, and print what happens.

The article ("Login with Google in Flask with Authlib") was written for an older Authlib. This
script keeps its code as it was, changing only the URLs and the client, starts a throwaway mock
provider on a free port with alice signed in (so no browser is needed) and drives the article's
routes with Flask's test client. Run it with `python article_mistakes.py`.
"""

import os
import sys
import tempfile

import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, session, url_for

from mock_provider.config import ProviderConfig, seed_sections
from mock_provider.server import serve_in_thread

APP_URL = "http://127.0.0.1:5000"  # where the article's app would run: flask's default port
ARTICLE_CLIENT = {
    "client_secret": "article-app-secret",
    "redirect_uris": [APP_URL + "/authorize"],
    "grant_types": ["authorization_code", "refresh_token"],
    "scope": "openid profile email",
}


# --8<-- [start:article]
def article_app(issuer: str, server_metadata_url: str | None = None) -> Flask:
    """The article's app, its code unchanged but for the provider's URLs and client."""
    app = Flask(__name__)
    app.secret_key = os.urandom(24)
    oauth = OAuth(app)
    google = oauth.register(
        name="google",
        client_id="article-app",
        client_secret="article-app-secret",
        access_token_url=issuer + "/token",
        authorize_url=issuer + "/authorize",
        client_kwargs={
            "scope": "openid profile email",
            "token_endpoint_auth_method": "client_secret_basic",
        },
        server_metadata_url=server_metadata_url,  # not in the article: see attempt 2
    )

    @app.route("/login")
    def login():
        redirect_uri = url_for("authorize", _external=True)
        return google.authorize_redirect(redirect_uri)

    @app.route("/authorize")
    def authorize():
        token = google.authorize_access_token()
        user_info = google.parse_id_token(token)
        session["user"] = user_info
        return redirect(url_for("profile"))

    @app.route("/refresh_token")
    def refresh_token():
        token = session.get("token")
        new_token = google.refresh_token(token)
        session["token"] = new_token
        return redirect(url_for("profile"))

    @app.route("/profile")
    def profile():
        user_info = session.get("user")
        return f"Hello, {user_info['name']}"

    return app


# --8<-- [end:article]


def attempt(app: Flask, path: str, login_first: bool = False) -> str:
    """GET `path` on the article's app (after logging in, if asked); say what happened."""
    app.testing = True  # let the exception reach us, instead of a bare 500 page
    client = app.test_client()
    try:
        if login_first:
            to_provider = client.get(APP_URL + "/login").headers["Location"]
            # The provider signs alice in at once and redirects back with a code.
            path = requests.get(to_provider, allow_redirects=False, timeout=10).headers["Location"]
        response = client.get(path if "://" in path else APP_URL + path)
    except Exception as error:  # the exception is what we came to see
        return f"{type(error).__name__}: {error}"
    return f"{response.status_code} {response.headers.get('Location', '')}".strip()


def run(issuer: str) -> list[str]:
    """The three attempts, as the lines this script prints."""
    discovery = issuer + "/.well-known/openid-configuration"
    return [
        "1. The article as written, logging in:",
        "   " + attempt(article_app(issuer), "/authorize", login_first=True),
        "2. With server_metadata_url added, logging in:",
        "   " + attempt(article_app(issuer, discovery), "/authorize", login_first=True),
        "3. GET /refresh_token:",
        "   " + attempt(article_app(issuer, discovery), "/refresh_token"),
    ]


def provider_config(database_url: str) -> ProviderConfig:
    """The seeded provider, plus the article's client, with alice signed in at once."""
    sections = seed_sections()
    sections["clients"] = {**sections["clients"], "article-app": ARTICLE_CLIENT}
    return ProviderConfig.from_mapping(
        sections, "article_mistakes.py", auto_login="alice", database_url=database_url
    )


def main() -> None:
    """Start a throwaway provider, run the attempts, print what happened."""
    with tempfile.TemporaryDirectory() as folder:
        provider = serve_in_thread(provider_config(f"sqlite:///{folder}/provider.sqlite3"))
        try:
            lines = run(provider.issuer)
        finally:
            provider.stop()
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

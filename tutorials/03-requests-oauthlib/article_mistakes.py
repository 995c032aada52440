"""Run the article's requests-oauthlib code against the mock provider, and print what happens.

The article ("Implement OAuth2 in Flask: Secure AI APIs with Social Login Integration") shows a
login and a callback route that share one OAuth2Session. This script keeps its code as it was,
changing only the URLs and the client, starts a throwaway mock provider on a free port with alice
signed in (so no browser is needed), and drives the routes with Flask's test client. A last
attempt turns on requests-oauthlib's own PKCE in an app that builds one session per request.
Run it with `python article_mistakes.py`.
"""

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from flask import Flask, redirect, request, session
from requests_oauthlib import OAuth2Session

from mock_provider.config import ProviderConfig
from mock_provider.server import serve_in_thread

APP_URL = "http://127.0.0.1:8000"  # the seeded web-app client's redirect_uri is APP_URL/callback


# --8<-- [start:article]
def article_app(issuer: str) -> Flask:
    """The article's app, its code unchanged but for the provider's URLs and client."""
    app = Flask(__name__)
    app.secret_key = os.urandom(24)  # not in the article, which never shows one
    app.config["GOOGLE_CLIENT_ID"] = "web-app"
    app.config["GOOGLE_CLIENT_SECRET"] = "web-app-secret"
    # Not in the article either, which uses `oauth` without creating it: one object, for everyone.
    oauth = OAuth2Session(
        app.config["GOOGLE_CLIENT_ID"],
        redirect_uri=APP_URL + "/callback",
        scope=["openid", "profile", "email"],
    )

    @app.route("/login")
    def login():
        authorization_url, state = oauth.authorization_url(issuer + "/authorize")
        session["oauth_state"] = state
        return redirect(authorization_url)

    @app.route("/callback")
    def callback():
        token = oauth.fetch_token(  # noqa: F841 (the article never uses it)
            issuer + "/token",
            authorization_response=request.url,
            client_secret=app.config["GOOGLE_CLIENT_SECRET"],
        )
        resp = oauth.get(issuer + "/userinfo")
        user_info = resp.json()  # noqa: F841
        # Save user info and create session
        return redirect("/")

    return app


# --8<-- [end:article]


# --8<-- [start:per_request_pkce]
def per_request_pkce_app(issuer: str) -> Flask:
    """One OAuth2Session per request, each with requests-oauthlib's own PKCE turned on."""
    app = Flask(__name__)
    app.secret_key = os.urandom(24)

    def oauth_session(**kwargs) -> OAuth2Session:
        return OAuth2Session(
            "web-app", redirect_uri=APP_URL + "/callback", scope=["openid"], pkce="S256", **kwargs
        )

    @app.route("/login")
    def login():
        authorization_url, state = oauth_session().authorization_url(issuer + "/authorize")
        session["oauth_state"] = state
        return redirect(authorization_url)

    @app.route("/callback")
    def callback():
        oauth_session(state=session["oauth_state"]).fetch_token(
            issuer + "/token", authorization_response=request.url, client_secret="web-app-secret"
        )
        return redirect("/")

    return app


# --8<-- [end:per_request_pkce]


@contextmanager
def insecure_transport(allowed: bool) -> Iterator[None]:
    """Set or unset OAUTHLIB_INSECURE_TRANSPORT for a block, then put it back as it was."""
    before = os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
    if allowed:
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        yield
    finally:
        os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
        if before is not None:
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = before


def outcome(call) -> str:
    """Call a function that makes one request; say what happened."""
    try:
        response = call()
    except Exception as error:  # the exception is what we came to see
        return f"{type(error).__name__}: {error}"
    return f"{response.status_code} {response.headers.get('Location', '')}".strip()


def visitor(app: Flask):
    """A browser of its own (own cookies), whose requests let the app's exceptions through."""
    app.testing = True  # let the exception reach us, instead of a bare 500 page
    return app.test_client()


def come_back(browser, to_provider: str):
    """The provider signs alice in at once and redirects back; follow that to the callback."""
    back = requests.get(to_provider, allow_redirects=False, timeout=10).headers["Location"]
    return browser.get(back)


def two_visitors(app: Flask) -> list[str]:
    """Visitors 1 and 2 press "Log in" one after the other, then both come back."""
    first, second = visitor(app), visitor(app)
    to_provider_1 = first.get(APP_URL + "/login").headers["Location"]
    to_provider_2 = second.get(APP_URL + "/login").headers["Location"]
    return [
        "   visitor 1: " + outcome(lambda: come_back(first, to_provider_1)),
        "   visitor 2: " + outcome(lambda: come_back(second, to_provider_2)),
    ]


def log_in(app: Flask) -> str:
    """One visitor presses "Log in" and comes back from the provider."""
    browser = visitor(app)
    return outcome(lambda: come_back(browser, browser.get(APP_URL + "/login").headers["Location"]))


def run(issuer: str) -> list[str]:
    """The three attempts, as the lines this script prints."""
    with insecure_transport(False):
        lines = ["1. The article's code, on http:", "   " + log_in(article_app(issuer))]
    with insecure_transport(True):
        lines += ["2. With OAUTHLIB_INSECURE_TRANSPORT=1, two visitors log in at once:"]
        lines += two_visitors(article_app(issuer))
        lines += ["3. One OAuth2Session per request, with pkce='S256':"]
        lines += ["   " + log_in(per_request_pkce_app(issuer))]
    return lines


def main() -> None:
    """Start a throwaway provider, run the attempts, print what happened."""
    with tempfile.TemporaryDirectory() as folder:
        config = ProviderConfig.load(
            auto_login="alice", database_url=f"sqlite:///{folder}/provider.sqlite3"
        )
        provider = serve_in_thread(config)
        try:
            lines = run(provider.issuer)
        finally:
            provider.stop()
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

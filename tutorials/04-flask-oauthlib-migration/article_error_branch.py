"""Run the Flask-OAuthlib articles' error branch on a real error response, and print the result.

Flask-OAuthlib no longer imports on Flask 3, so the articles' callback cannot run whole. Its error
branch needs only Flask: when the provider sends the browser back without a code,
Flask-OAuthlib's `authorized_response()` returns None (its `handle_unknown_response()`), and the
articles then read `request.args['error_reason']`. This script starts a throwaway mock provider,
sends it an authorization request it refuses (an unknown scope), follows the error response to
the articles' branch with Flask's test client, and prints what the browser gets.
Run it with `python article_error_branch.py`.
"""

import contextlib
import io
import sys
import tempfile
from urllib.parse import parse_qs, urlsplit

import requests
from bs4 import BeautifulSoup
from flask import Flask, request
from werkzeug.debug import DebuggedApplication
from werkzeug.test import Client

from mock_provider.config import ProviderConfig
from mock_provider.server import serve_in_thread


# --8<-- [start:article]
def article_app() -> Flask:
    """The articles' callback, with None standing for what authorized_response() returns."""
    app = Flask(__name__)

    @app.route("/callback")
    def authorized():
        response = None  # google.authorized_response(), when the callback carries no code
        if response is None or response.get("access_token") is None:
            return "Access denied: reason={} error={}".format(
                request.args["error_reason"], request.args["error_description"]
            )

    return app


# --8<-- [end:article]


def refused_authorization(issuer: str) -> str:
    """An authorization request the provider refuses; the callback URL it redirects to."""
    params = {
        "response_type": "code",
        "client_id": "web-app",
        "redirect_uri": "http://127.0.0.1:8000/callback",
        "scope": "openid photos.delete",  # no such scope
        "state": "xyz",
    }
    response = requests.get(issuer + "/authorize", params=params, allow_redirects=False, timeout=10)
    return response.headers["Location"]


def run(issuer: str) -> list[str]:
    """Follow the provider's error response to the articles' branch; the lines to print."""
    callback = refused_authorization(issuer)
    sent = sorted(parse_qs(urlsplit(callback).query))
    app = article_app()
    # app.run(debug=True), as in the articles, serves the app through Werkzeug's debugger.
    app.debug = True
    with contextlib.redirect_stderr(io.StringIO()):  # the traceback it also prints
        debugged = Client(DebuggedApplication(app, evalex=False)).get(callback)
    app.debug = False
    production = app.test_client().get(callback)
    return [
        "The provider sends the browser back to /callback with: " + ", ".join(sent),
        f"With debug=True, as in the articles: {debugged.status}",
        "   " + _text(debugged.get_data(as_text=True), "title"),
        f"With debug off: {production.status}",
        "   " + _text(production.get_data(as_text=True), "p"),
    ]


def _text(html: str, tag: str) -> str:
    """The text of the first `tag` on the page, on one line."""
    return " ".join(BeautifulSoup(html, "html.parser").find(tag).get_text(" ").split())


def main() -> None:
    """Start a throwaway provider, follow one refused request, print what happened."""
    with tempfile.TemporaryDirectory() as folder:
        config = ProviderConfig.load(database_url=f"sqlite:///{folder}/provider.sqlite3")
        provider = serve_in_thread(config)
        try:
            lines = run(provider.issuer)
        finally:
            provider.stop()
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

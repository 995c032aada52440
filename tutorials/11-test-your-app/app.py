"""A small Flask app that logs its users in with OpenID Connect, through Authlib's Flask client.

It is the app under test in the tutorial "Test your app against the mock provider": the app
learns every endpoint from the provider's discovery document (OIDC Discovery 1.0 §4), uses PKCE
(RFC 7636), and calls the userinfo endpoint (OIDC Core §5.3) with the access token it keeps. When
the provider answers 401 because that token has expired (RFC 6750 §3.1), it asks the user to log
in again instead of failing.
"""

# --8<-- [start:create_app]
import secrets

from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, session, url_for


def create_app(issuer: str, client_id: str, client_secret: str) -> Flask:
    """Build the app for one provider; the tests pass the mock provider's issuer."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_NAME="my_app_session",  # the provider has a cookie of its own
    )
    oauth = OAuth(app)
    oauth.register(
        name="provider",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=issuer + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
    )
    # --8<-- [end:create_app]

    # --8<-- [start:routes]
    @app.route("/login")
    def login():
        """Send the browser to the provider's authorization endpoint."""
        return oauth.provider.authorize_redirect(url_for("callback", _external=True))

    @app.route("/callback")
    def callback():
        """The redirect_uri: Authlib trades the code for tokens and checks the ID token."""
        token = oauth.provider.authorize_access_token()
        session["token"] = {"access_token": token["access_token"], "token_type": "Bearer"}
        session["name"] = token["userinfo"]["name"]
        return redirect(url_for("profile"))

    @app.route("/profile")
    def profile():
        """Ask the provider who the user is, with the access token the app keeps."""
        if "token" not in session:
            return redirect(url_for("login"))
        userinfo_endpoint = oauth.provider.load_server_metadata()["userinfo_endpoint"]
        answer = oauth.provider.get(userinfo_endpoint, token=session["token"])
        if answer.status_code == 401:  # RFC 6750 §3.1: expired, revoked or invalid
            session.clear()
            return "Your session has expired. Please log in again.", 401
        return f"Hello, {session['name']}. Your email is {answer.json()['email']}."

    return app
    # --8<-- [end:routes]

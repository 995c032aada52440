"""The Flask-OAuthlib articles' "Login with Google" app, migrated to Authlib's Flask client.

Same routes as the articles (index, login, the authorized callback, dashboard, logout), ported to
the mock provider and to Authlib 1.9. What the articles lacked is added: the secret key comes from
the environment, `state` is sent and checked (RFC 6749 §10.12), PKCE is on (RFC 7636), the
endpoints come from discovery (OIDC Discovery 1.0 §4), and an error response, such as the
access_denied a user gets by pressing Deny (RFC 6749 §4.1.2.1), ends on a page that says so.

Run it with `flask --app app run --port 8000`, after setting ISSUER, CLIENT_ID and CLIENT_SECRET.
"""

# --8<-- [start:config]
import os
import secrets

from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Flask, redirect, render_template_string, session, url_for

app = Flask(__name__)
app.config.update(
    # The articles hard-code this; whoever reads the code could sign session cookies.
    SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_hex(32),
    # Browsers share cookies across the ports of one host: give this app a cookie of its own.
    SESSION_COOKIE_NAME="flask_oauthlib_migration_session",
)
# --8<-- [end:config]

# --8<-- [start:register]
oauth = OAuth(app)
provider = oauth.register(
    name="provider",
    client_id=os.environ["CLIENT_ID"],
    client_secret=os.environ["CLIENT_SECRET"],
    server_metadata_url=os.environ["ISSUER"] + "/.well-known/openid-configuration",
    client_kwargs={"scope": "openid email profile"},
    code_challenge_method="S256",  # PKCE
    fetch_token=lambda: session.get("token"),  # what @google.tokengetter did
)
# --8<-- [end:register]

PAGE = """<!doctype html>
<title>Migrated to Authlib</title>
{% if message %}<p>{{ message }}</p>{% endif %}
{% if email %}
  <p>Logged in as: <strong>{{ email }}</strong></p>
  <p><a href="/dashboard">Dashboard</a> · <a href="/logout">Log out</a></p>
{% else %}
  <p><a href="/login">Log in</a></p>
{% endif %}
"""


def page(message: str | None = None, status: int = 200):
    """The app's one page: a message, then who is logged in, or a link to log in."""
    email = session.get("user", {}).get("email")
    return render_template_string(PAGE, message=message, email=email), status


@app.route("/")
def index():
    """Offer to log in, or say who is logged in."""
    return page()


# --8<-- [start:login]
@app.route("/login")
def login():
    """Send the browser to the provider; Authlib adds state, nonce and the code_challenge."""
    return provider.authorize_redirect(url_for("authorized", _external=True))


@app.route("/callback")
def authorized():
    """The redirect_uri: an error response, or a code to trade for tokens."""
    try:
        # Raises on ?error=... and on a state this browser did not send; sends the code_verifier.
        token = provider.authorize_access_token()
    except OAuthError as error:
        reason = error.description or error.error
        return page(f"You are not logged in: {reason} ({error.error}).", status=400)
    session["token"] = token
    session["user"] = token["userinfo"]  # the ID token's claims, validated by Authlib
    return redirect(url_for("dashboard"))


# --8<-- [end:login]


# --8<-- [start:dashboard]
@app.route("/dashboard")
def dashboard():
    """Call the userinfo endpoint; Authlib finds the token through fetch_token."""
    if "token" not in session:
        return redirect(url_for("login"))
    claims = provider.userinfo()
    return page(f"Welcome to the dashboard! The provider says your name is {claims['name']}.")


@app.route("/logout")
def logout():
    """Forget the user here; pop() with a default, since a visitor may not be logged in."""
    session.pop("token", None)
    session.pop("user", None)
    return redirect(url_for("index"))


# --8<-- [end:dashboard]

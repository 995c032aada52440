"""Log in with an OpenID Connect provider: a Flask app using Authlib's Flask client.

The popular "Login with Google in Flask with Authlib" article, ported to the mock provider and
to Authlib 1.9: endpoints come from discovery (OIDC Discovery 1.0 §4), PKCE is on (RFC 7636),
the ID token is validated by `authorize_access_token()` with the nonce it sent (OIDC Core
§3.1.3.7), refresh uses the refresh_token grant (RFC 6749 §6) and logout is RP-initiated
(OpenID Connect RP-Initiated Logout 1.0 §2).

Run it with `flask --app app run --port 8000`, after setting ISSUER, CLIENT_ID and CLIENT_SECRET.
"""

# --8<-- [start:config]
import os
import secrets

from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, render_template_string, request, session, url_for

ISSUER = os.environ["ISSUER"]  # e.g. http://127.0.0.1:9000
app = Flask(__name__)
app.config.update(
    # Never hard-coded. A generated key signs out everyone when the app restarts.
    SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_hex(32),
    # Browsers share cookies across the ports of one host: give this app a cookie of its own.
    SESSION_COOKIE_NAME="flask_authlib_login_session",
)
# --8<-- [end:config]

# --8<-- [start:register]
oauth = OAuth(app)
oauth.register(
    name="provider",
    client_id=os.environ["CLIENT_ID"],
    client_secret=os.environ["CLIENT_SECRET"],
    # Every endpoint, and the keys that sign ID tokens, come from the discovery document.
    server_metadata_url=ISSUER + "/.well-known/openid-configuration",
    client_kwargs={"scope": "openid profile email"},
    code_challenge_method="S256",  # PKCE
)
# --8<-- [end:register]

PAGE = """<!doctype html>
<title>Flask + Authlib login</title>
{% if message %}<p>{{ message }}</p>{% endif %}
{% if user %}
  <p>Logged in as <strong>{{ user["name"] }}</strong>.</p>
  <p><a href="/profile">Profile</a> · <a href="/refresh">Refresh the access token</a>
   · <a href="/logout">Log out</a></p>
{% else %}
  <p><a href="/login">Log in</a></p>
{% endif %}
{% if details %}<pre>{{ details }}</pre>{% endif %}
"""


# --8<-- [start:index]
@app.route("/")
def index():
    """Show "Log in", or the name of the user who is logged in."""
    message = None
    if request.args.get("state"):  # back from the provider's logout
        oauth.provider.validate_logout_response()  # raises unless the state is ours
        message = "You are logged out, here and at the provider."
    return render_template_string(PAGE, user=session.get("user"), message=message)


# --8<-- [end:index]


# --8<-- [start:login]
@app.route("/login")
def login():
    """Send the browser to the provider's authorization endpoint."""
    redirect_uri = url_for("callback", _external=True)
    return oauth.provider.authorize_redirect(redirect_uri)


@app.route("/callback")
def callback():
    """The redirect_uri: trade the code for tokens, and keep who the user is."""
    token = oauth.provider.authorize_access_token()
    # The ID token's claims, already validated: signature, iss, aud, exp and the nonce.
    session["user"] = token.pop("userinfo")
    session["token"] = token
    return redirect(url_for("index"))


# --8<-- [end:login]


# --8<-- [start:profile]
@app.route("/profile")
def profile():
    """Call the userinfo endpoint with the access token."""
    if "token" not in session:
        return redirect(url_for("login"))
    metadata = oauth.provider.load_server_metadata()
    response = oauth.provider.get(metadata["userinfo_endpoint"], token=session["token"])
    response.raise_for_status()
    claims = response.json()
    details = "\n".join(f"{name}: {value}" for name, value in claims.items())
    return render_template_string(PAGE, user=session["user"], details=details)


# --8<-- [end:profile]


# --8<-- [start:refresh]
@app.route("/refresh")
def refresh():
    """Trade the refresh token for a new access token (RFC 6749 §6)."""
    if "token" not in session:
        return redirect(url_for("login"))
    old = session["token"]
    # Authlib's Flask client has no refresh_token(); the token request takes any grant.
    new = oauth.provider.fetch_access_token(
        grant_type="refresh_token", refresh_token=old["refresh_token"]
    )
    new.setdefault("id_token", old["id_token"])  # kept for logout's id_token_hint
    session["token"] = new
    details = f"old access token ends ...{old['access_token'][-12:]}\n"
    details += f"new access token ends ...{new['access_token'][-12:]}"
    return render_template_string(PAGE, user=session["user"], details=details)


# --8<-- [end:refresh]


# --8<-- [start:logout]
@app.route("/logout")
def logout():
    """Forget the user here, then ask the provider to end its session too."""
    id_token = session.get("token", {}).get("id_token")
    session.clear()
    return oauth.provider.logout_redirect(
        post_logout_redirect_uri=url_for("index", _external=True),
        id_token_hint=id_token,
    )


# --8<-- [end:logout]

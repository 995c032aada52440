"""Log in with an OAuth 2.0 provider: a Flask app using requests-oauthlib's OAuth2Session.

The "Implement OAuth2 in Flask" article's app, ported to the mock provider: endpoints come from
discovery (OIDC Discovery 1.0 §4), the callback checks `state` (RFC 6749 §10.12), PKCE is on
(RFC 7636) with the code_verifier carried from one request to the next by the app itself, the
profile comes from the userinfo endpoint (OIDC Core §5.3), refresh uses the refresh_token grant
(RFC 6749 §6) and logout is RP-initiated (OpenID Connect RP-Initiated Logout 1.0 §2).

Run it with `flask --app app run --port 8000`, after setting ISSUER, CLIENT_ID, CLIENT_SECRET
and, for a provider on plain http, OAUTHLIB_INSECURE_TRANSPORT=1.
"""

# --8<-- [start:config]
import functools
import os
import secrets
from urllib.parse import urlencode

import requests
from flask import Flask, redirect, render_template_string, request, session, url_for
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

ISSUER = os.environ["ISSUER"]  # e.g. http://127.0.0.1:9000
CLIENT_ID = os.environ["CLIENT_ID"]
CLIENT_SECRET = os.environ["CLIENT_SECRET"]
SCOPE = ["openid", "profile", "email"]

app = Flask(__name__)
app.config.update(
    # Never hard-coded. A generated key signs out everyone when the app restarts.
    SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_hex(32),
    # Browsers share cookies across the ports of one host: give this app a cookie of its own.
    SESSION_COOKIE_NAME="requests_oauthlib_login_session",
)
# --8<-- [end:config]

PAGE = """<!doctype html>
<title>Flask + requests-oauthlib login</title>
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


# --8<-- [start:discovery]
@functools.cache
def provider_metadata() -> dict:
    """The provider's endpoints, read once from its discovery document (OIDC Discovery 1.0 §4)."""
    response = requests.get(ISSUER + "/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    return response.json()


def oauth_session(**kwargs) -> OAuth2Session:
    """A new OAuth2Session for this request; never one object shared by every visitor."""
    return OAuth2Session(
        CLIENT_ID, redirect_uri=url_for("callback", _external=True), scope=SCOPE, **kwargs
    )


# --8<-- [end:discovery]


# --8<-- [start:login]
@app.route("/login")
def login():
    """Send the browser to the authorization endpoint, with state and a PKCE code_challenge."""
    # RFC 7636 §4.1-4.2: the verifier stays here; only its SHA-256 hash travels.
    pkce = WebApplicationClient(CLIENT_ID)
    code_verifier = pkce.create_code_verifier(64)
    authorization_url, state = oauth_session().authorization_url(
        provider_metadata()["authorization_endpoint"],
        code_challenge=pkce.create_code_challenge(code_verifier, "S256"),
        code_challenge_method="S256",
    )
    # The callback is another request, with another OAuth2Session: keep both values for it.
    session["oauth_state"] = state
    session["code_verifier"] = code_verifier
    return redirect(authorization_url)


# --8<-- [end:login]


# --8<-- [start:callback]
@app.route("/callback")
def callback():
    """The redirect_uri: check state, trade the code for tokens, and ask who the user is."""
    if "oauth_state" not in session:
        # oauthlib compares state only when it is given one: never let it go unchecked.
        return render_template_string(PAGE, message="No login was started here."), 400
    oauth = oauth_session(state=session.pop("oauth_state"))
    try:
        token = oauth.fetch_token(
            provider_metadata()["token_endpoint"],
            authorization_response=request.url,  # raises unless its state is ours
            client_secret=CLIENT_SECRET,
            code_verifier=session.pop("code_verifier"),
        )
    except OAuth2Error as error:  # a wrong state, error=access_denied, a refused code...
        message = f"The login failed: {error.error}."
        return render_template_string(PAGE, message=message), 400
    # requests-oauthlib does not validate ID tokens, so we ask the userinfo endpoint instead.
    userinfo = oauth.get(provider_metadata()["userinfo_endpoint"], timeout=10)
    userinfo.raise_for_status()
    session["user"] = userinfo.json()
    session["token"] = token
    return redirect(url_for("index"))


# --8<-- [end:callback]


# --8<-- [start:profile]
@app.route("/profile")
def profile():
    """Call the userinfo endpoint with the access token."""
    if "token" not in session:
        return redirect(url_for("login"))
    oauth = OAuth2Session(CLIENT_ID, token=session["token"])
    response = oauth.get(provider_metadata()["userinfo_endpoint"], timeout=10)
    response.raise_for_status()
    details = "\n".join(f"{name}: {value}" for name, value in response.json().items())
    return render_template_string(PAGE, user=session["user"], details=details)


# --8<-- [end:profile]


# --8<-- [start:refresh]
@app.route("/refresh")
def refresh():
    """Trade the refresh token for a new access token (RFC 6749 §6)."""
    if "token" not in session:
        return redirect(url_for("login"))
    old = session["token"]
    oauth = OAuth2Session(CLIENT_ID, token=old)
    new = oauth.refresh_token(
        provider_metadata()["token_endpoint"], auth=HTTPBasicAuth(CLIENT_ID, CLIENT_SECRET)
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
    if "token" not in session:
        return redirect(url_for("index"))
    id_token = session["token"]["id_token"]
    session.clear()
    session["logout_state"] = state = secrets.token_urlsafe(16)
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": url_for("index", _external=True),
            "state": state,
        }
    )
    return redirect(provider_metadata()["end_session_endpoint"] + "?" + query)


@app.route("/")
def index():
    """Show "Log in", or the user's name; say so when the provider's logout sent us back."""
    message = None
    if "state" in request.args:  # back from the provider's logout
        if request.args["state"] != session.pop("logout_state", None):
            return render_template_string(PAGE, message="That logout was not ours."), 400
        message = "You are logged out, here and at the provider."
    return render_template_string(PAGE, user=session.get("user"), message=message)


# --8<-- [end:logout]

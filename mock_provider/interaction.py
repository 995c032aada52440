"""The pages a person sees: sign-in, consent, device verification and logout.

The authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2) is one URL that shows the sign-in
page, then the consent page, then redirects back to the client. Errors that must not redirect
(unknown client, unregistered redirect_uri: RFC 6749 §4.1.2.1) are shown here, with the exact
difference spelled out. A client may also POST its authorization or logout request (OIDC Core
§3.1.2.1, RP-Initiated Logout §2); the pages then carry its parameters through their forms
(see `client_request.py`).
"""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.base import OAuth2Error
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from flask import Blueprint, current_app, render_template, request, session

from . import clock, redirect_uris, store
from .client_request import carried_value, client_parameters, own_field
from .config import SCOPES
from .error_descriptions import explain
from .issuers import active_faults, current_issuer, response_issuer
from .models import User

bp = Blueprint("interaction", __name__)


def signed_in_user() -> User | None:
    """The user signed in at this browser, or the --auto-login user, signed in on the spot.

    Under a scenario with the no-auto-login fault, only a sign-in made at its issuer counts.
    """
    user = store.get_user(session.get("username"))
    if _ignores_auto_login():
        # This issuer counts only a sign-in made here, as a separate provider would.
        return user if session.get("issuer") == current_issuer() else None
    auto_login = current_app.extensions["mock_provider"].config.auto_login
    if user is None and auto_login:
        user = _sign_in(auto_login)
    return user


def _ignores_auto_login() -> bool:
    """True under a scenario whose fault makes the authorization endpoint sign no one in."""
    return any(fault.ignores_auto_login for fault in active_faults())


def _sign_in(username: str) -> User | None:
    user = store.get_user(username)
    if user is not None:
        session["username"] = user.username
        session["auth_time"] = int(clock.now())
        session["issuer"] = current_issuer()
        # Remember which authorization request this sign-in answered, so prompt=login and
        # max_age are satisfied for it when the consent form comes back.
        session["signed_in_for"] = _request_key()
    return user


def _request_key() -> str:
    """The authorization request's parameters, wherever they came: query or POST body."""
    return urlencode(list(client_parameters().items(multi=True)))[:2000]


def _just_signed_in() -> bool:
    return session.get("signed_in_for") == _request_key()


def _password_ok(user: User | None, password: str) -> bool:
    if user is None or user.password is None:
        return user is not None
    return hmac.compare_digest(user.password.encode(), password.encode())


def _sign_in_from_form() -> str | None:
    """Sign in with the posted sign-in form, if that is what was posted; the problem, if any."""
    if own_field("action") != "login":
        return None
    user = store.get_user(own_field("username"))
    if not _password_ok(user, own_field("password") or ""):
        return "That username and password do not match a seeded user."
    _sign_in(user.username)  # type: ignore[union-attr]
    return None


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    """OIDC Core §3.1.2: authenticate the user, obtain consent, redirect back with a code."""
    server = current_app.extensions["mock_provider"].server
    login_problem = _sign_in_from_form()
    user = signed_in_user()
    try:
        grant = server.get_consent_grant(end_user=user)
        if user is not None and _session_too_old():
            if client_parameters().get("prompt") == "none":
                raise LoginRequiredError(_sign_in_too_old(user), redirect_uri=grant.redirect_uri)
            grant.prompt = "login"
    except OAuth2Error as error:
        return _authorization_error(server, error)

    # Authlib sets prompt "login" only for OpenID requests; plain OAuth needs a user too.
    if login_problem or user is None or (grant.prompt == "login" and not _just_signed_in()):
        return _page("login.html", 200, grant=grant, problem=login_problem, users=_personas())

    action = own_field("action")
    if action in ("allow", "deny"):
        if action == "allow":
            store.remember_consent(user.username, grant.client.client_id, grant.request.scope)
        return server.create_authorization_response(
            grant=grant, grant_user=user if action == "allow" else None
        )
    if _needs_consent(grant, user):
        if client_parameters().get("prompt") == "none":
            missing = _consent_missing(grant, user)
            return _authorization_error(
                server, ConsentRequiredError(missing, redirect_uri=grant.redirect_uri)
            )
        return _page("consent.html", 200, grant=grant, user=user, scopes=_scope_notes(grant))
    return server.create_authorization_response(grant=grant, grant_user=user)


def _personas() -> list[User]:
    """Seeded users for the sign-in page; OIDC Core §3.1.2.1 login_hint puts its user first."""
    hint = client_parameters().get("login_hint", "")
    users = store.list_users()
    return sorted(users, key=lambda u: hint not in (u.username, u.claims.get("email"), u.sub))


def _session_too_old() -> bool:
    # OIDC Core §3.1.2.1 max_age: re-authenticate if the last sign-in is older than this.
    max_age = client_parameters().get("max_age", "")
    if not max_age.isdigit() or _just_signed_in():
        return False
    return clock.now() - session.get("auth_time", 0) > int(max_age)


def _sign_in_too_old(user: User) -> str:
    """Why prompt=none cannot be answered when max_age asks for a fresher sign-in."""
    age = clock.now() - session.get("auth_time", 0)
    return (
        f"prompt=none was sent, but user '{user.username}' signed in {age:.0f} s ago, longer "
        f"than max_age={client_parameters().get('max_age')} allows, and prompt=none forbids "
        "showing the sign-in page (OIDC Core §3.1.2.1, §3.1.2.6)"
    )


def _needs_consent(grant, user: User) -> bool:
    if grant.prompt == "consent":
        # OIDC Core §3.1.2.1: prompt=consent SHOULD ask; it does, even under --auto-login.
        return True
    if current_app.extensions["mock_provider"].config.auto_login and not _ignores_auto_login():
        return False  # --auto-login grants consent at once, for scripts and tests
    return bool(_unconsented(grant, user))


def _unconsented(grant, user: User) -> list[str]:
    """The requested scopes the user has not yet allowed this client."""
    consented = store.consented_scope(user.username, grant.client.client_id)
    return [name for name in grant.request.scope.split() if name not in consented]


def _consent_missing(grant, user: User) -> str:
    """Why prompt=none cannot be answered without the consent page."""
    return (
        f"prompt=none was sent, but user '{user.username}' has not allowed client "
        f"'{grant.client.client_id}' scope '{' '.join(_unconsented(grant, user))}', and "
        "prompt=none forbids showing the consent page (OIDC Core §3.1.2.6)"
    )


def _scope_notes(grant) -> list[tuple[str, str]]:
    return [(name, SCOPES.get(name, "")) for name in grant.request.scope.split()]


def _authorization_error(server, error: OAuth2Error):
    """Redirect the error to the client, or, if the client can't be trusted, show it here."""
    if error.redirect_uri is None and (error.description or "").startswith("Multiple '"):
        # Authlib checks for repeated parameters before it verifies redirect_uri; a repeated
        # state or scope still goes back to a verified client (RFC 6749 §4.1.2.1).
        error.redirect_uri = _verified_redirect_uri()
    if error.redirect_uri:
        explain(error)
        error.state = client_parameters().get("state")
        _, _, headers = error()
        # iss goes beside error and state: in the fragment when the implicit grant answers
        # there (RFC 6749 §4.2.2.1, RFC 9207 §2).
        location = add_params_to_uri(
            dict(headers)["Location"], {"iss": response_issuer()}, fragment=error.redirect_fragment
        )
        return "", 302, {"Location": location}
    explain(error)
    client = store.get_client(client_parameters().get("client_id"))
    received = client_parameters().get("redirect_uri")
    mismatch = None
    if client is not None and received and received not in client.redirect_uris:
        mismatch = redirect_uris.describe(received, client.redirect_uris)
    return _page(
        "authorize_error.html",
        400,
        error=error,
        client=client,
        mismatch=mismatch,
        received=received,
    )


def _verified_redirect_uri() -> str | None:
    """redirect_uri if one client_id and at most one redirect_uri came, both registered."""
    parameters = client_parameters()
    if len(parameters.getlist("client_id")) != 1:
        return None
    if len(parameters.getlist("redirect_uri")) > 1:
        return None
    client = store.get_client(parameters["client_id"])
    received = parameters.get("redirect_uri")
    if client is None or (received is not None and received not in client.redirect_uris):
        return None
    return received or client.get_default_redirect_uri()


def _typed_user_code(typed: str) -> str:
    """RFC 8628 §6.1: people type codes in lowercase, without the dash or with spaces; the
    provider's codes are eight letters shown in two groups of four, such as WDJB-MJHT."""
    letters = "".join(c for c in typed.upper() if c.isalnum())
    return f"{letters[:4]}-{letters[4:]}" if len(letters) == 8 else typed.strip().upper()


@bp.route("/device", methods=["GET", "POST"])
def device():
    """RFC 8628 §3.3: the user types the code shown on the device, then approves or denies."""
    # The code comes in verification_uri_complete's query, or typed into this page's form.
    user_code = _typed_user_code(own_field("user_code") or request.args.get("user_code") or "")
    login_problem = _sign_in_from_form()
    user = signed_in_user()
    device_code = store.find_user_code(user_code) if user_code else None
    problem = None
    if device_code is not None and device_code.issuer != current_issuer():
        device_code = None  # another issuer's code: each scenario is an issuer of its own
    if user_code and (device_code is None or device_code.is_expired()):
        problem = f"The code {user_code} is unknown or has expired. Check the device's screen."
    elif device_code is not None and device_code.decision is not None:
        problem = f"The code {user_code} has already been {device_code.decision}."
    if problem or device_code is None:
        return _page("device.html", 400 if problem else 200, problem=problem, user_code=user_code)
    if user is None or login_problem:
        return _page(
            "login.html",
            200,
            grant=None,
            problem=login_problem,
            users=_personas(),
            user_code=device_code.user_code,
        )
    action = own_field("action")
    if action in ("approve", "deny"):
        device_code.username = user.username
        device_code.auth_time = session.get("auth_time")
        device_code.decision = "approved" if action == "approve" else "denied"
        store.db().commit()
        return _page("device_done.html", 200, device_code=device_code)
    client = store.get_client(device_code.client_id)
    scopes = [(name, SCOPES.get(name, "")) for name in device_code.scope.split()]
    return _page("device_confirm.html", 200, device_code=device_code, client=client, scopes=scopes)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """OIDC RP-Initiated Logout 1.0 §2: sign out, then go back only to a registered URI."""
    server = current_app.extensions["mock_provider"].server
    try:
        end_session = server.validate_endpoint_request("end_session")
    except OAuth2Error as error:
        explain(error)
        return _page("logout.html", 400, error=error, asked=None, confirm=False)
    asked = client_parameters().get("post_logout_redirect_uri")
    if end_session.needs_confirmation and own_field("action") != "logout":
        return _page("logout.html", 200, error=None, asked=asked, confirm=True)
    response = server.create_endpoint_response("end_session", end_session)
    if response is not None:
        return response
    return _page("logout.html", 200, error=None, asked=asked, confirm=False)


def _page(template: str, status: int, **context):
    return (
        render_template(
            template,
            issuer=current_issuer(),
            carried_request=carried_value(),
            login_hint=client_parameters().get("login_hint"),
            **context,
        ),
        status,
    )

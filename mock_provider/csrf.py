"""CSRF protection for the provider's own forms: sign-in, consent, device approval, sign-out.

RFC 6749 §10.12: the authorization server MUST implement CSRF protection for its authorization
endpoint, so that no other site can press "Allow" for the user. Each page keeps a random token in
the browser's session and puts it in its forms; a form post whose token does not match is refused
(the synchronizer token pattern). The OAuth endpoints that clients call without a browser (token,
userinfo, revocation, ...) and the /control API are not forms and are not checked here.

Written by hand rather than with Flask-WTF: these are a few lines a learner can read whole, and
OIDC lets a client POST its authorization and logout requests (OIDC Core §3.1.2.1, RP-Initiated
Logout §2), so only a post of one of these pages' forms (or the instructor's) needs the token.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

from .client_request import is_provider_form

FIELD = "csrf_token"
# The person-facing pages, at the root and per scenario issuer, and the instructor sign-in.
FORM_BLUEPRINTS = ("interaction", "scenario_interaction", "instructor")
REFUSAL = (
    "This form expired or came from another site, so nothing was done and you were not sent "
    "anywhere. Go back, reload the page and try again."
)


def init_app(app: Flask) -> None:
    """Offer `csrf_token()` to templates and check every form post before its view runs."""
    app.jinja_env.globals["csrf_token"] = token
    app.before_request(check)


def token() -> str:
    """This browser session's token, made on first use; each form carries it in a hidden field."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def check() -> None:
    """Refuse a form post that does not carry this session's token, before anything changes."""
    if _is_form_post() and not holds_session_token():
        abort(400, REFUSAL)


def holds_session_token() -> bool:
    """Whether the post carries this browser session's token."""
    sent, kept = request.form.get(FIELD, ""), session.get(FIELD, "")
    return bool(kept) and hmac.compare_digest(sent.encode(), kept.encode())


def _is_form_post() -> bool:
    if request.method != "POST" or request.blueprint not in FORM_BLUEPRINTS:
        return False
    # The device page is ours alone (RFC 8628 §3.3). /authorize and /logout also take clients'
    # POSTed requests, whose parameters may have any name, even `action`: only a post of the
    # provider's own pages, which carry the client's request in one field, needs the token.
    if (request.endpoint or "").endswith(".device") or is_provider_form():
        return True
    return request.blueprint == "instructor" and "action" in request.form

"""CSRF protection for the sandbox's forms: starting runs, sending steps, instructor controls.

Every POST to the sandbox is a button a learner or instructor pressed on one of its pages, and
each one changes something (a run, the provider's clock or keys, presenter mode). Each page keeps
a random token in the browser's session and puts it in its forms; a post whose token does not
match is refused (the synchronizer token pattern), so another site, such as the attacker's site
on the next port, cannot press these buttons for the learner. The redirect_uri is a GET and needs
no token: state protects it (RFC 6749 §10.12).

Written by hand rather than with Flask-WTF: these are a few lines a learner can read whole, the
sandbox has no WTForms forms, and the provider keeps its own copy (the two apps share no code).
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

FIELD = "csrf_token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
REFUSAL = (
    "This form expired or came from another site, so nothing was done. Go back, reload the "
    "page and try again."
)


def init_app(app: Flask) -> None:
    """Offer `csrf_token()` to templates and check every unsafe request before its view runs."""
    app.jinja_env.globals["csrf_token"] = token
    app.before_request(check)


def token() -> str:
    """This browser session's token, made on first use; each form carries it in a hidden field."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def check() -> None:
    """Refuse a post that does not carry this session's token, before anything changes."""
    if request.method in SAFE_METHODS:
        return
    sent, kept = request.form.get(FIELD, ""), session.get(FIELD, "")
    if not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        abort(400, REFUSAL)

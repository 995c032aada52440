"""The instructor's sign-in page: it gives a browser the instructor token as a cookie.

Beyond loopback the VULNERABLE issuers answer only requests that carry the instructor token
(see `_refuse_vulnerable_issuer_beyond_loopback`). A script sends it as a header; a browser, which
follows redirects to those issuers during an attack demonstration, needs it as a cookie, and this
page is where the instructor types it once. The cookie is HttpOnly, so no page script reads it.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, render_template, request

from .issuers import base_issuer

bp = Blueprint("instructor", __name__)

COOKIE = "instructor_token"


def instructor_token() -> str | None:
    """The token printed at start-up, or None on loopback, where none is needed."""
    return current_app.extensions["mock_provider"].config.instructor_token


def holds_instructor_token(sent: str | None) -> bool:
    token = instructor_token()
    return (
        token is not None
        and sent is not None
        and hmac.compare_digest(sent.encode(), token.encode())
    )


@bp.route("/instructor", methods=["GET", "POST"])
def sign_in():
    """Type the instructor token once; this browser then may use the VULNERABLE issuers."""
    if instructor_token() is None:
        return _page(200, outcome="loopback")
    if request.method == "GET" or request.form.get("action") != "sign_in":
        return _page(200, outcome=None)
    sent = request.form.get(COOKIE, "").strip()
    if not holds_instructor_token(sent):
        return _page(403, outcome="refused")
    response = current_app.make_response(_page(200, outcome="signed_in"))
    response.set_cookie(COOKIE, sent, httponly=True, samesite="Lax")
    return response


def _page(status: int, outcome: str | None):
    return render_template("instructor.html", issuer=base_issuer(), outcome=outcome), status

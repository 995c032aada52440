"""The client's authorization or logout request, told apart from the provider's own form fields.

A client may send its request in the query or POST it (OIDC Core §3.1.2.1, RP-Initiated Logout
§2). The sign-in, consent, device and sign-out pages post back to the same URL, which keeps the
query but not a POSTed body, so their forms carry the client's POSTed parameters in one hidden
field, CARRIED, encoded as a query string. The pages' own fields (action, username, password,
csrf_token) then never share a name with the client's: a client that sends its own `action` or
`username` has them carried intact, and they are never read as a button or a sign-in. A post
that holds this browser session's CSRF token is a page's too, even without CARRIED: a script
that presses a page's button may copy only that hidden field.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import request
from werkzeug.datastructures import CombinedMultiDict, MultiDict

CARRIED = "carried_request"
# The blueprints of the person-facing pages, at the root and under a scenario's issuer.
PAGES = ("interaction", "scenario_interaction")


def is_provider_form() -> bool:
    """Whether this request is one of the provider's own pages posting back: it has CARRIED,
    or this browser session's CSRF token, which no client's request can hold (a script that
    presses a page's button may copy only that field)."""
    from .csrf import holds_session_token  # csrf asks this module which posts are forms

    if request.method != "POST" or request.blueprint not in PAGES:
        return False
    return CARRIED in request.form or holds_session_token()


def client_parameters() -> MultiDict:
    """The client's request parameters: the query, plus its POSTed body or the carried one."""
    if is_provider_form():
        return CombinedMultiDict([request.args, carried_parameters()])
    return request.values


def carried_parameters() -> MultiDict:
    """The client's POSTed parameters: the body it sent, or the carried copy of it."""
    if is_provider_form():
        return MultiDict(parse_qsl(request.form.get(CARRIED, ""), keep_blank_values=True))
    return request.form if request.method == "POST" else MultiDict()


def carried_value() -> str:
    """CARRIED for this page's forms: the client's POSTed parameters, encoded as a query."""
    return urlencode(list(carried_parameters().items(multi=True)))


def own_field(name: str) -> str | None:
    """A field of the provider's own form; None unless one of its pages posted it."""
    return request.form.get(name) if is_provider_form() else None

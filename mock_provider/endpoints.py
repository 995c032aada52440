"""The machine-facing endpoints, in flow order: discovery, JWKS, token, userinfo, revocation,
introspection, registration, device authorization, and the demo photos API.

The person-facing pages (authorize, device verification, logout) are in `interaction.py`.
Both blueprints are served at the root and again under `/scenarios/<id>` (see `issuers.py`).
`issuer_paths` is served at the root only: RFC 8414 §3.1 puts a scenario issuer's metadata at
`/.well-known/oauth-authorization-server/scenarios/<id>`, before the issuer's path.
"""

from __future__ import annotations

from authlib.oauth2.base import OAuth2Error
from flask import Blueprint, Response, current_app, jsonify, request

from . import keys, request_log
from .discovery import metadata
from .error_descriptions import explain

bp = Blueprint("protocol", __name__)
issuer_paths = Blueprint("issuer_paths", __name__)

PHOTOS = [
    {"id": 1, "title": "Sunrise over the estuary", "taken": "2026-03-02"},
    {"id": 2, "title": "The team at the whiteboard", "taken": "2026-05-19"},
    {"id": 3, "title": "A very good dog", "taken": "2026-08-30"},
]


def _server():
    return current_app.extensions["mock_provider"].server


def _form_required(repeatable: tuple[str, ...] = ()) -> Response | None:
    """Token-style endpoints take application/x-www-form-urlencoded bodies (each request's own
    section says so: RFC 6749 §4.1.3, RFC 7009 §2.1, RFC 7662 §2.1, RFC 8628 §3.1), and RFC 6749
    §3.2 says parameters MUST NOT be included more than once, except those an extension lets
    repeat."""
    if request.mimetype != "application/x-www-form-urlencoded":
        got = request.mimetype or "no body"
        return _invalid_request(
            f"this endpoint takes application/x-www-form-urlencoded parameters, got {got} "
            "(RFC 6749 appendix B)"
        )
    repeated = [
        name for name, values in request.form.lists() if len(values) > 1 and name not in repeatable
    ]
    if repeated:
        return _invalid_request(
            f"{repeated[0]} was sent more than once; each parameter may appear only once "
            "(RFC 6749 §3.2)"
        )
    return None


def _invalid_request(description: str) -> Response:
    return oauth_error(OAuth2Error(description, error="invalid_request", status_code=400))


def _endpoint(name: str) -> Response:
    """Answer with one of Authlib's endpoints. Some (registration, device authorization) let
    their errors escape instead of rendering them, so those are rendered here."""
    try:
        return _server().create_endpoint_response(name)
    except OAuth2Error as error:
        return oauth_error(error)


def oauth_error(error: OAuth2Error) -> Response:
    """Render an OAuth error as RFC 6749 §5.2 JSON, explained."""
    explain(error)
    status, body, headers = error()
    response = Response(
        body if isinstance(body, str) else jsonify(dict(body)).get_data(), status=status
    )
    response.headers.update(dict(headers))
    return response


@bp.get("/.well-known/openid-configuration")
@bp.get("/.well-known/oauth-authorization-server")
def discovery():
    """OIDC Discovery 1.0 §4 and RFC 8414 §3: the provider's metadata."""
    return jsonify(metadata())


@issuer_paths.get("/.well-known/oauth-authorization-server/scenarios/<scenario_id>")
def discovery_before_issuer_path():
    """RFC 8414 §3.1: a scenario issuer's metadata, the well-known segment before its path."""
    # The scenario_id in the path picks the issuer, as the /scenarios/<id> prefix does.
    return jsonify(metadata())


@bp.get("/jwks")
def jwks():
    """RFC 7517 §5: the public keys that verify ID tokens and JWT access tokens."""
    return jsonify(keys.jwks())


@bp.post("/token")
def token():
    """RFC 6749 §3.2: exchange a grant for tokens."""
    # RFC 8707 §2: "Multiple resource parameters MAY be used".
    return _form_required(repeatable=("resource",)) or _server().create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    """OIDC Core §5.3: the claims about the signed-in user that the token's scopes allow."""
    return _endpoint("userinfo")


@bp.post("/revoke")
def revoke():
    """RFC 7009 §2: the client says it no longer needs a token."""
    return _form_required() or _endpoint("revocation")


@bp.post("/introspect")
def introspect():
    """RFC 7662 §2: is this token active, and what does it allow?"""
    return _form_required() or _endpoint("introspection")


@bp.post("/register")
def register():
    """RFC 7591 §3: dynamic client registration, open on loopback."""
    if not current_app.extensions["mock_provider"].config.registration_open:
        # RFC 7591 §3: a server may restrict registration; this one was configured to.
        return oauth_error(
            OAuth2Error(
                "dynamic client registration is switched off in this provider's config "
                "([registration] open = false); use a client declared there",
                error="access_denied",
                status_code=403,
            )
        )
    sent = request.get_json(silent=True) if request.is_json else None
    if not isinstance(sent, dict) or not sent:
        # An empty object too: Authlib would refuse it with no description at all.
        return oauth_error(
            OAuth2Error(
                "the registration request must be a JSON object of client metadata, such as "
                "redirect_uris (RFC 7591 §3.1)",
                error="invalid_client_metadata",
                status_code=400,
            )
        )
    return _endpoint("client_registration")


@bp.post("/device_authorization")
def device_authorization():
    """RFC 8628 §3.1: a device without a browser asks for a user code."""
    return _form_required(repeatable=("resource",)) or _endpoint("device_authorization")


@bp.get("/api/photos")
def list_photos():
    """The demo protected API: needs an access token with scope photos.read (RFC 6750 §2.1)."""
    return _protected("photos.read") or jsonify({"photos": PHOTOS})


@bp.post("/api/photos")
def add_photo():
    """The demo protected API: adding needs photos.write, so a read-only token gets 403."""
    if response := _protected("photos.write"):
        return response
    title = request.form.get("title") or "Untitled"
    return jsonify({"photo": {"id": len(PHOTOS) + 1, "title": title[:200], "added": True}}), 201


def _protected(scope: str) -> Response | None:
    protector = current_app.extensions["mock_provider"].protector
    try:
        protector.acquire_token(scope)
    except OAuth2Error as error:
        if error.error == "insufficient_scope":
            error.description = f"this resource needs scope '{scope}' (RFC 6750 §3.1)"
            error.scope = scope  # type: ignore[attr-defined]  # named in WWW-Authenticate
        return _server().handle_error_response(None, error)
    request_log.check("scope", True, f"the token carries {scope}")
    return None

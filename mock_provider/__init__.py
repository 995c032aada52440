"""mock_provider: a spec-faithful, self-explaining OAuth 2.0 / OpenID Connect provider.

`create_app(config)` builds the Flask app. Protocol endpoints are served at the issuer's root and
again under `/scenarios/<id>`, where a scenario's faults apply; the control API is at `/control`.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import sys
from dataclasses import dataclass
from importlib import resources
from typing import Any

from authlib.oauth2.base import OAuth2Error
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    jsonify,
    render_template,
    request,
)
from werkzeug.exceptions import HTTPException

from . import (
    authorization,
    clock,
    control,
    csrf,
    endpoints,
    instructor,
    interaction,
    keys,
    request_log,
    store,
)
from .config import ProviderConfig
from .error_descriptions import wire_safe
from .issuers import active_faults, base_issuer, current_issuer, select_scenario
from .resource_server import REALM

__all__ = ["ProviderConfig", "create_app"]

MAX_REQUEST_BYTES = 64 * 1024  # no OAuth request comes near this


@dataclass
class Provider:
    """What the app holds on to: its config, the database, the Authlib server objects."""

    config: ProviderConfig
    engine: Any
    sessions: Any = None
    server: Any = None
    protector: Any = None


def create_app(config: ProviderConfig | None = None) -> Flask:
    """Create the provider app. Tests pass a config; the CLI reads files and flags into one."""
    config = config or ProviderConfig.load()
    app = Flask(__name__)
    engine = store.make_engine(config.database_url)
    app.extensions["mock_provider"] = Provider(config=config, engine=engine)
    store.init_app(app, config, engine)
    with app.app_context():
        keys.ensure_key()
        secret_key = store.get_setting("secret_key", "")
    app.config.update(
        SECRET_KEY=secret_key,
        # Browsers share cookies across ports (RFC 6265 §8.5), so each app names its own.
        SESSION_COOKIE_NAME="provider_session",
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        MAX_FORM_PARTS=200,
    )
    server, protector = authorization.create_server(app)
    app.extensions["mock_provider"].server = server
    app.extensions["mock_provider"].protector = protector

    for blueprint in (endpoints.bp, interaction.bp):
        _serve_per_issuer(app, blueprint)
    app.register_blueprint(endpoints.issuer_paths)
    app.register_blueprint(control.bp)
    app.register_blueprint(instructor.bp)
    app.add_url_rule("/", "home", home)
    app.add_url_rule("/openapi.yaml", "openapi", openapi_description)
    app.url_value_preprocessor(_select_scenario)
    app.before_request(_reject_malformed)
    csrf.init_app(app)  # after _reject_malformed: the form is read only once it is UTF-8
    app.after_request(_log_request)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OAuth2Error, _oauth_error)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return app


def _serve_per_issuer(app: Flask, blueprint: Blueprint) -> None:
    """Serve a blueprint at the root issuer and under every scenario's issuer path."""
    app.register_blueprint(blueprint)
    app.register_blueprint(
        blueprint, url_prefix="/scenarios/<scenario_id>", name=f"scenario_{blueprint.name}"
    )


def home():
    """A short page for people who open the issuer URL in a browser."""
    from .scenarios import SCENARIOS

    return render_template("home.html", issuer=current_issuer(), scenarios=SCENARIOS.values())


def openapi_description() -> Response:
    """The OpenAPI description of the JSON endpoints, shipped with the package, as written:
    the same file renders the reference docs and drives the schema tests."""
    text = resources.files(__name__).joinpath("openapi.yaml").read_bytes()
    return Response(text, mimetype="application/yaml")


def _select_scenario(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The `/scenarios/<id>` prefix picks the scenario, and with it the issuer."""
    scenario_id = values.pop("scenario_id", None) if values else None
    if not select_scenario(scenario_id):
        abort(404, f"there is no scenario '{scenario_id}'; GET /control/scenarios lists them")
    _refuse_vulnerable_issuer_beyond_loopback()


def _refuse_vulnerable_issuer_beyond_loopback() -> None:
    """A VULNERABLE issuer hands codes and tokens to attackers, so beyond loopback (where an
    instructor token is set) only the instructor may use it: `X-Instructor-Token: <token>`,
    or an `instructor_token` cookie for a browser."""
    if instructor.instructor_token() is None or not any(f.vulnerable for f in active_faults()):
        return
    sent = request.headers.get("X-Instructor-Token") or request.cookies.get(instructor.COOKIE)
    if instructor.holds_instructor_token(sent):
        return
    abort(
        403,
        "this issuer is a deliberately VULNERABLE setting, for demonstrating attacks; the "
        "provider is reachable beyond loopback, so it needs the instructor token printed at "
        "start-up (X-Instructor-Token header, or in a browser sign in once at "
        f"{base_issuer()}/instructor)",
    )


def _reject_malformed():
    """Turn away bytes no OAuth request contains, before Authlib has to parse them."""
    try:
        request.query_string.decode("utf-8")
        request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError:
        abort(400, "the request is not valid UTF-8 (RFC 6749 appendix B)")
    try:
        request.get_json(silent=True)  # parsed once and kept for the endpoint
    except RecursionError:  # json.loads gives up on a few thousand nested brackets
        abort(400, "the JSON body is nested too deeply to be client metadata or a control call")
    _check_authorization_header()


#: Protected resources: Authlib's resource protector parses their Authorization header itself
#: and refuses a malformed one as RFC 6750 §3.1 asks (400 invalid_request, Bearer challenge).
BEARER_ENDPOINTS = ("userinfo", "list_photos", "add_photo")


def _check_authorization_header() -> None:
    # Client authentication splits and decodes this header without guarding, so it would fail,
    # not refuse.
    if (request.endpoint or "").rpartition(".")[2] in BEARER_ENDPOINTS:
        return
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme and not credentials.strip():
        abort(401, "the Authorization header names a scheme but no credentials (RFC 7617 §2)")
    if scheme.lower() == "basic":
        try:
            base64.b64decode(credentials.strip()).decode("utf-8")
        except (binascii.Error, ValueError):  # bad base64, non-ASCII, or not UTF-8 inside
            abort(401, "the Authorization header is not base64-encoded UTF-8 (RFC 7617 §2)")


def _log_request(response):
    """Write the request, its response and the checks it ran to the request log."""
    if request.blueprint == "control" or request.endpoint in (None, "static"):
        return response
    try:
        store.append_log(
            at=clock.now(),
            issuer=current_issuer(),
            client_id=request_log.client_id_of_request(),
            method=request.method,
            path=request.path[:500],
            params=request_log.request_params(),
            status=response.status_code,
            response=request_log.response_text(response),
            checks=request_log.checks(),
        )
    except Exception as error:  # the log must never turn a good answer into a failure
        print(f"mock_provider: request log not written: {error}", file=sys.stderr)
    return response


def _wants_json() -> bool:
    return request.blueprint != "interaction" and not request.path.rstrip("/").endswith(
        ("/authorize", "/device", "/logout")
    )


def _http_error(error: HTTPException):
    """Framework errors (404, 405, 413, ...) answered in the endpoint's own language."""
    description = error.description or error.name
    if error.code == 405:
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or []))
        description = f"{request.method} is not allowed here; use {allowed}"
    elif error.code == 413:
        description = f"the request is larger than {MAX_REQUEST_BYTES} bytes"
    code = {401: "invalid_client", 403: "access_denied", 404: "not_found"}.get(
        error.code or 400, "invalid_request"
    )
    if _wants_json():
        response = jsonify({"error": code, "error_description": wire_safe(description)})
        if error.code == 401:  # RFC 9110 §15.5.2: a 401 carries a challenge
            response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}"'
        response.headers["Cache-Control"] = "no-store"
    else:
        response = render_template(
            "problem.html",
            issuer=current_issuer(),
            title=error.name,
            description=description,
        )
    # RFC 9110 §15.5.6: a 405 response MUST say which methods the resource allows.
    allow = getattr(error, "valid_methods", None) if error.code == 405 else None
    return response, error.code or 400, {"Allow": ", ".join(sorted(allow))} if allow else {}


def _oauth_error(error: OAuth2Error):
    """An OAuth error raised outside Authlib's own handling (e.g. insecure transport)."""
    return endpoints.oauth_error(error)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: the only hosts that need no instructor token."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

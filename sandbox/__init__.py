"""sandbox: the client app that walks a learner through each OAuth flow, one annotated step at a
time. It talks to any provider over HTTP only, learning every endpoint from discovery.
"""

# No `from __future__ import annotations` here: it would bind the name `annotations` in this
# package and hide the `sandbox.annotations` module.
from dataclasses import dataclass

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from .config import SandboxConfig
from .provider_client import Registrations
from .recorder import RunStore

__all__ = ["SandboxConfig", "create_app"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
)


@dataclass
class SandboxState:
    """What the app holds on to between requests."""

    config: SandboxConfig
    runs: RunStore
    registrations: Registrations


def create_app(config: SandboxConfig | None = None) -> Flask:
    """Create the sandbox app. Tests pass a config; `python -m sandbox` reads the environment."""
    config = config or SandboxConfig.from_env()
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=config.secret_key,
        # Browsers share cookies across ports (RFC 6265 §8.5), so each app names its own.
        SESSION_COOKIE_NAME="sandbox_session",
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.extensions["sandbox"] = SandboxState(
        config=config, runs=RunStore(config.runs_per_learner), registrations=Registrations()
    )

    from . import attack_pages, attacks, display, docs_site, exports, instructor, views

    app.extensions["sandbox_attacks"] = attacks.AttackRuns()

    app.jinja_env.globals.update(display.TEMPLATE_GLOBALS, curl_command=exports.curl_command)
    app.register_blueprint(views.bp)
    app.register_blueprint(docs_site.bp)
    app.register_blueprint(instructor.bp)
    app.register_blueprint(attack_pages.bp)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _problem)
    return app


def _security_headers(response):
    """Only this app's own files run; pages carrying codes and tokens leak nothing onward."""
    if request.blueprint != "docs":  # mkdocs-material's pages carry inline scripts of their own
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _problem(error: HTTPException):
    """Errors as a page in the sandbox's own style, saying what to do."""
    return render_template("problem.html", title=error.name, problem=error.description), error.code

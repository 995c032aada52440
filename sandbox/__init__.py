"""sandbox: the client app that walks a learner through each OAuth flow, one annotated step at a
time. It talks to any provider over HTTP only, learning every endpoint from discovery.
"""

# No `from __future__ import annotations` here: it would bind the name `annotations` in this
# package and hide the `sandbox.annotations` module.
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from .answers import UnusableAnswer, beginning
from .config import SandboxConfig
from .provider_client import Registrations
from .recorder import RunStore

__all__ = ["SandboxConfig", "create_app"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
)


MAX_REQUEST_BYTES = 64 * 1024  # the sandbox's forms send a few short fields


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
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    app.extensions["sandbox"] = SandboxState(
        config=config, runs=RunStore(config.runs_per_learner), registrations=Registrations()
    )

    from . import attack_pages, attacks, csrf, display, docs_site, exports, instructor, views

    app.extensions["sandbox_attacks"] = attacks.AttackRuns()

    app.jinja_env.globals.update(display.TEMPLATE_GLOBALS, curl_command=exports.curl_command)
    csrf.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(docs_site.bp)
    app.register_blueprint(instructor.bp)
    app.register_blueprint(attack_pages.bp)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _problem)
    app.register_error_handler(requests.RequestException, _provider_unreachable)
    app.register_error_handler(UnusableAnswer, _unusable_answer)
    return app


def _security_headers(response):
    """Only this app's own files run; pages carrying codes and tokens leak nothing onward."""
    if request.blueprint != "docs":  # mkdocs-material's pages carry inline scripts of their own
        # A page may widen its own policy on purpose (the implicit-flow victim's page does).
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _problem(error: HTTPException):
    """Errors as a page in the sandbox's own style, saying what to do."""
    problem = error.description
    if error.code == 413:
        problem = (
            f"The request is larger than {MAX_REQUEST_BYTES} bytes; no form here sends that much."
        )
    return render_template("problem.html", title=error.name, problem=problem), error.code


def _provider_unreachable(error: requests.RequestException):
    """A back-channel request that got no answer (provider stopped, restarting, too slow): say
    which provider, and that the run waits on its step, instead of a 500."""
    if error.response is not None:
        return _unusable_answer(error)  # an HTTPError: it did answer, with an error status
    sent = error.request.url if error.request is not None and error.request.url else None
    where = urlsplit(sent) if sent else None
    provider = (
        f"{where.scheme}://{where.netloc}"
        if where
        else current_app.extensions["sandbox"].config.issuer
    )
    problem = (
        f"The provider at {provider} did not answer ({type(error).__name__}). Is it still "
        "running? No answer came back, so the run is still on the same step: once the provider "
        "is back, go back to the step and send the request again."
    )
    status = 504 if isinstance(error, requests.Timeout) else 502
    return render_template(
        "problem.html", title="The provider did not answer", problem=problem
    ), status


def _unusable_answer(error: UnusableAnswer | requests.RequestException):
    """The provider answered, but with something the sandbox cannot use: say what came."""
    answer = error.response if isinstance(error, requests.RequestException) else None
    problem = (
        f"{answer.url} answered {answer.status_code}; {beginning(answer)}."
        if answer is not None
        else str(error)
    )
    return render_template(
        "problem.html", title="The provider's answer cannot be used", problem=problem
    ), 502

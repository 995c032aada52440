"""The control API: the teaching seams, as JSON under one prefix, `/control`.

Move the clock, list faults and scenarios, read the request log and the state view, rotate the
signing key, reset everything. Open on loopback; when the provider is reachable from other hosts
all but the read-only catalogues (OPEN_TO_ALL) require the instructor token printed at start-up
(`Authorization: Bearer <token>`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from . import clock, keys, store
from .error_descriptions import wire_safe
from .faults import FAULTS
from .instructor import holds_instructor_token, instructor_token
from .issuers import base_issuer
from .models import AuthorizationCode, DeviceCode, Grant, LogEntry, Token
from .scenarios import SCENARIOS, Scenario

bp = Blueprint("control", __name__, url_prefix="/control")


#: Open to anyone who can reach the provider, even beyond loopback: read-only, and nothing in them
#: is secret (the catalogues are in the docs, and the time shows in every token's iat). Learners'
#: sandboxes on a classroom network read them to list and launch scenarios. The log and the state
#: view show other people's tokens, and the rest changes things: those need the token.
OPEN_TO_ALL = {
    "control.index",
    "control.read_clock",
    "control.list_faults",
    "control.list_scenarios",
}


@bp.before_request
def require_instructor_token():
    """Beyond loopback, a control request must carry the instructor token (see OPEN_TO_ALL)."""
    reads = request.method in ("GET", "HEAD")
    if instructor_token() is None or (reads and request.endpoint in OPEN_TO_ALL):
        return None
    scheme, _, sent = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and holds_instructor_token(sent.strip()):  # RFC 9110 §11.1
        return None
    response, status = _problem(
        401,
        "the control API needs the instructor token printed at start-up, sent as "
        "'Authorization: Bearer <token>', because the provider is reachable beyond loopback",
    )
    # RFC 9110 §15.5.2: a 401 carries a challenge.
    response.headers["WWW-Authenticate"] = 'Bearer realm="mock_provider control API"'
    return response, status


@bp.get("")
def index():
    """List the control endpoints and what each does, and the provider's generation."""
    routes = {
        f"{'/'.join(sorted(rule.methods - {'HEAD', 'OPTIONS'}))} {rule.rule}": (
            current_app.view_functions[rule.endpoint].__doc__
        )
        for rule in current_app.url_map.iter_rules()
        if rule.endpoint.startswith("control.")
    }
    return jsonify({"control": routes, "generation": store.generation()})


@bp.get("/clock")
def read_clock():
    """The provider's time and how far it has been moved forward."""
    return jsonify(_clock())


@bp.post("/clock/advance")
def advance_clock():
    """Move the clock forward by `seconds` (form or JSON); everything expires accordingly."""
    raw = (request.get_json(silent=True) or {}) if request.is_json else request.form
    seconds = raw.get("seconds") if isinstance(raw, dict) or hasattr(raw, "get") else None
    try:
        if isinstance(seconds, bool):  # JSON true is not a number of seconds
            raise TypeError
        amount = float(seconds)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # OverflowError: a 400-digit integer
        return _problem(
            400, f"seconds must be a number of seconds to move forward, got {seconds!r}"
        )
    if not 0 < amount <= 10 * 365 * 24 * 3600:
        return _problem(400, f"seconds must be positive and at most ten years, got {amount:g}")
    clock.advance(amount)
    return jsonify(_clock())


@bp.post("/clock/reset")
def reset_clock():
    """Put the clock back to the real time."""
    clock.reset()
    return jsonify(_clock())


@bp.get("/faults")
def list_faults():
    """The fault catalogue, with the scenarios (and their issuers) that apply each fault."""
    return jsonify(
        {
            "faults": [
                {
                    "id": fault.id,
                    "title": fault.title,
                    "breaks": fault.breaks,
                    "spec": fault.spec,
                    "what_happens": fault.what_happens,
                    "scenarios": [
                        {"id": scenario.id, "issuer": _scenario_issuer(scenario)}
                        for scenario in SCENARIOS.values()
                        if fault.id in scenario.faults
                    ],
                }
                for fault in FAULTS.values()
            ]
        }
    )


@bp.get("/scenarios")
def list_scenarios():
    """The scenario catalogue: each is its own issuer, so launching one affects no one else."""
    return jsonify({"scenarios": [_scenario(scenario) for scenario in SCENARIOS.values()]})


@bp.get("/log")
def read_log():
    """The request log, newest first; `client_id` filters it, `limit` caps it (default 50)."""
    limit = request.args.get("limit", "50")
    if not (limit.isascii() and limit.isdigit()) or not 0 < int(limit) <= 1000:
        return _problem(400, f"limit must be a whole number from 1 to 1000, got {limit!r}")
    entries = store.read_log(request.args.get("client_id"), int(limit))
    return jsonify({"entries": [_entry(e) for e in entries]})


@bp.get("/state")
def read_state():
    """The grants the provider holds, each with its codes and tokens (lineage) and expiry."""
    rows = store.state_rows()
    now = clock.now()
    grants = []
    for grant in rows["grants"]:
        grants.append(
            {
                **_grant(grant),
                "authorization_codes": [
                    _code(c, now) for c in rows["codes"] if c.grant_id == grant.id
                ],
                "tokens": [_token(t, now) for t in rows["tokens"] if t.grant_id == grant.id],
            }
        )
    pending = [_device(d, now) for d in rows["device_codes"] if _is_pending(d)]
    return jsonify({"now": int(now), "grants": grants, "pending_device_codes": pending})


@bp.post("/keys/rotate")
def rotate_key():
    """Sign new tokens with a fresh key; the old key stays in the JWKS."""
    kid = keys.rotate()
    return jsonify({"signing_kid": kid, "jwks": keys.jwks()})


@bp.post("/reset")
def reset():
    """Forget every grant, token, consent, registration, log entry and retired signing key;
    reset the clock."""
    store.reset(current_app.extensions["mock_provider"].config)
    return jsonify({"reset": True, **_clock()})


def _scenario_issuer(scenario: Scenario) -> str:
    return f"{base_issuer()}/scenarios/{scenario.id}"


def _scenario(scenario: Scenario) -> dict[str, Any]:
    """A scenario as the sandbox reads it: exactly these keys (the contract between the apps)."""
    return {
        "id": scenario.id,
        "issuer": _scenario_issuer(scenario),
        "title": scenario.title,
        "flow": scenario.flow,
        "variant": scenario.variant,
        "step": scenario.step,
        "at_fault": scenario.at_fault,
        "learner_sees": scenario.learner_sees,
        "rule": scenario.rule,
        "spec": scenario.spec,
        "fix": scenario.fix,
        "faults": list(scenario.faults),
        "client_mistake": scenario.client_mistake,
    }


def _problem(status: int, description: str):
    """An error shaped like OAuth's (RFC 6749 §5.2), its description printable ASCII even when
    it quotes what the request sent."""
    body = {"error": "invalid_request", "error_description": wire_safe(description)}
    return jsonify(body), status


def _clock() -> dict[str, Any]:
    return {"now": int(clock.now()), "offset_seconds": clock.offset()}


def _grant(grant: Grant) -> dict[str, Any]:
    return {
        "grant_id": grant.id,
        "grant_type": grant.grant_type,
        "client_id": grant.client_id,
        "username": grant.username,
        "scope": grant.scope,
        "issuer": grant.issuer,
        "created_at": int(grant.created_at),
        "revoked": grant.revoked_at is not None,
        "revoked_reason": grant.revoked_reason,
    }


def _code(code: AuthorizationCode, now: float) -> dict[str, Any]:
    return {
        "code": code.code,
        "redirect_uri": code.redirect_uri,
        "code_challenge_method": code.code_challenge_method,
        "expires_in": int(code.expires_at - now),
        "redeemed": code.redeemed_at is not None,
    }


def _token(token: Token, now: float) -> dict[str, Any]:
    return {
        "token_id": token.id,
        "rotated_from": token.parent_id,
        "access_token": token.access_token,
        "refresh_token": token.refresh_token,
        "scope": token.scope,
        "expires_in": int(token.expires_at - now),
        "refresh_expires_in": int(token.refresh_expires_at - now)
        if token.refresh_expires_at
        else None,
        "refresh_token_rotated": token.rotated_at is not None,
        "revoked": token.is_revoked(),
    }


def _is_pending(device: DeviceCode) -> bool:
    """Still in play: the user has not denied it, it has not expired, and the device has not
    yet polled its tokens out (RFC 8628 §3.5). An approved code stays pending until then."""
    return device.decision != "denied" and not device.is_expired() and device.redeemed_at is None


def _device(device: DeviceCode, now: float) -> dict[str, Any]:
    return {
        "user_code": device.user_code,
        "client_id": device.client_id,
        "scope": device.scope,
        "decision": device.decision,
        "interval": device.interval,
        "expires_in": int(device.expires_at - now),
    }


def _entry(entry: LogEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": int(entry.at),
        "issuer": entry.issuer,
        "client_id": entry.client_id,
        "request": f"{entry.method} {entry.path}",
        "params": entry.params,
        "status": entry.status,
        "response": entry.response,
        "checks": entry.checks,
    }

"""The attack pages: one per attack, its VULNERABLE run beside its secure run.

A learner (or an instructor at the projector) presses the switch for one setting, follows the
attacker's link as the victim would, comes back, and lets the attacker redeem what was caught.
The vulnerable run ends with the attacker holding the user's tokens; the secure run ends with the
provider's own words for the check that stopped it.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from . import attacks, login_csrf
from .views import _learner

bp = Blueprint("attacks", __name__, url_prefix="/attacks")


def _runs() -> attacks.AttackRuns:
    return current_app.extensions["sandbox_attacks"]


def _attack(attack_id: str) -> attacks.Attack:
    return attacks.ATTACKS.get(attack_id) or abort(404, f"There is no attack {attack_id!r}.")


def _setting() -> str:
    setting = request.form.get("setting", "")
    if setting not in attacks.SETTINGS:
        abort(400, f"setting must be one of {', '.join(attacks.SETTINGS)}.")
    return setting


@bp.get("/<attack_id>")
def page(attack_id: str):
    """The attack, explained, with its vulnerable and secure runs side by side."""
    attack = _attack(attack_id)
    config = current_app.extensions["sandbox"].config
    runs = {setting: _runs().get(_learner(), attack.id, setting) for setting in attacks.SETTINGS}
    # A client-side weakness (login CSRF) has a page of its own: the victim's client is weak.
    template = "attacks/login_csrf.html" if attack.vulnerable == "client" else "attacks/page.html"
    return render_template(
        template,
        attack=attack,
        trick=attacks.trick(attack, config),
        runs=runs,
        attacker_url=config.attacker_base_url,
        rule=login_csrf.RULE,
    )


@bp.post("/<attack_id>/runs")
def start(attack_id: str):
    """Flip the switch: set the attack up against the chosen setting's issuer."""
    attack, setting = _attack(attack_id), _setting()
    state = current_app.extensions["sandbox"]
    try:
        if attack.vulnerable == "client":
            run = login_csrf.start(
                attack, setting, state.config, state.registrations, state.runs, _learner()
            )
        else:
            run = attacks.start(attack, setting, state.config, state.registrations)
    except attacks.AttackUnavailable as error:
        return render_template(
            "problem.html", title="The attack cannot run", problem=str(error)
        ), 502
    _runs().put(_learner(), run)
    return redirect(url_for(".page", attack_id=attack.id, _anchor=setting))


@bp.post("/<attack_id>/redeem")
def redeem(attack_id: str):
    """The attacker looks at what their site caught and tries to redeem it."""
    attack, setting = _attack(attack_id), _setting()
    run = _runs().get(_learner(), attack.id, setting)
    if run is None:
        abort(409, "Start this setting's run first.")
    try:
        if attack.vulnerable == "client":
            login_csrf.finish(run)  # the victim's client goes on; nothing to redeem
        else:
            attacks.redeem(run, current_app.extensions["sandbox"].config)
    except attacks.AttackUnavailable as error:
        return render_template(
            "problem.html", title="The attack cannot go on", problem=str(error)
        ), 502
    return redirect(url_for(".page", attack_id=attack.id, _anchor=setting))


@bp.get("/<attack_id>/app")
def victim_app(attack_id: str):
    """VULNERABLE on purpose: the implicit-flow victim, a single-page app whose redirect_uri this
    is. The token arrives in this page's fragment, and the page runs a third-party script, as
    sites embed analytics: the attacker's, so this page's policy lets the attacker's origin in."""
    attack = _attack(attack_id)
    if attack.response_type != "token":
        abort(404, f"The {attack_id!r} attack has no victim app page.")
    attacker = current_app.extensions["sandbox"].config.attacker_base_url
    response = make_response(
        render_template("attacks/victim_app.html", attack=attack, attacker_base_url=attacker)
    )
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' {attacker}; img-src 'self' data: {attacker}; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    return response

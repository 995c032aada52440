"""The sandbox's pages: the flow index, one page per step, the redirect_uri callback, the timeline.

A step page shows what is about to be sent (or what was sent and came back), the client's own
state, and the provider's view of the same exchange. Front-channel steps are links the learner
follows; back-channel steps are forms the learner submits, so nothing happens unseen.
"""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from . import annotations, attacks, diagram, display, exports, mistakes, provider_view, scenarios
from .discovery import DiscoveryError
from .flows import FLOWS, Flow, authorization_code, logout
from .flows.base import REGISTRATION
from .provider_client import RegistrationError
from .recorder import Run
from .runs import start_run

bp = Blueprint("sandbox", __name__)


def _learner() -> str:
    """This browser's learner id: runs are kept per learner, never shared."""
    if "learner" not in session:
        session["learner"] = secrets.token_urlsafe(16)
    return session["learner"]


def _state():
    return current_app.extensions["sandbox"]


def _run_or_404(run_id: str) -> tuple[Run, Flow]:
    run = _state().runs.get(_learner(), run_id)
    if run is None:
        abort(
            404,
            "There is no such run in this browser. Runs belong to the browser that started them.",
        )
    return run, FLOWS[run.flow]


@bp.get("/")
def index():
    """The flows to try, and this learner's runs.

    Also the post_logout_redirect_uri (flows/logout.py): a `state` that a run is waiting for
    completes that run's logout. Any other state is not acted on: this browser never sent it
    (RFC 6749 §10.12).
    """
    state = request.args.get("state")
    runs = _state().runs.of(_learner())
    if waiting := next((r for r in runs if state and logout.is_waiting_for(r, state)), None):
        logout.receive_post_logout(waiting, request.url)
        if not waiting.error:
            waiting.completed.append(logout.STEP)
        return redirect(url_for(".step", run_id=waiting.id, step_id=logout.STEP))
    try:
        groups, unavailable = scenarios.by_step(scenarios.catalogue(_state().config.issuer)), None
    except scenarios.ScenariosUnavailable as error:
        groups, unavailable = [], str(error)
    return render_template(
        "flows/index.html",
        flows=FLOWS.values(),
        runs=runs,
        scenario_groups=groups,
        scenarios_unavailable=unavailable,
        attacks=attacks.ATTACKS.values(),
    )


@bp.post("/flows/<flow_id>/runs")
def new_run(flow_id: str):
    """Start a run: discovery, registration if needed, then the first step."""
    flow = FLOWS.get(flow_id) or abort(404, f"There is no flow {flow_id!r}.")
    variant = flow.variant(request.form.get("variant", "")) or flow.variants[0]
    return _start(flow, variant)


@bp.post("/scenarios/<scenario_id>/runs")
def launch_scenario(scenario_id: str):
    """Launch a failure scenario: a run of its flow against its own issuer, making its mistake."""
    try:
        scenario = scenarios.find(_state().config.issuer, scenario_id)
    except scenarios.ScenariosUnavailable as error:
        return render_template(
            "problem.html", title="No failure scenarios", problem=str(error)
        ), 502
    if scenario is None:
        abort(404, f"The provider's catalogue has no scenario {scenario_id!r}.")
    if scenarios.is_vulnerable_setting(scenario):
        abort(
            404,
            f"{scenario_id!r} is a deliberately VULNERABLE setting, not a failure scenario: "
            'demonstrate it from its page under "Secure and vulnerable" on the index page.',
        )
    flow = FLOWS.get(scenario.flow)
    variant = flow.variant(scenario.variant) if flow and scenario.variant else None
    if flow is None or (scenario.variant and variant is None):
        abort(501, f"This sandbox has no flow {scenario.flow!r} ({scenario.variant}) to run.")
    if scenario.client_mistake and scenario.client_mistake not in mistakes.MISTAKES:
        abort(501, f"This sandbox cannot make the client mistake {scenario.client_mistake!r}.")
    return _start(flow, variant or flow.variants[0], issuer=scenario.issuer, scenario=scenario)


def _start(flow: Flow, variant, **scenario):
    """Start the run, keep it for this learner, and open its first step."""
    try:
        run = start_run(flow, variant, _state().config, _state().registrations, **scenario)
    except (DiscoveryError, RegistrationError) as error:
        return render_template(
            "problem.html", title="The provider cannot be used", problem=str(error)
        ), 502
    _state().runs.add(_learner(), run)
    return redirect(url_for(".step", run_id=run.id, step_id=_current_step(run, flow)))


@bp.get("/runs/<run_id>")
def run_page(run_id: str):
    """A run opens on the step the learner is on (a finished run on its last step)."""
    run, flow = _run_or_404(run_id)
    current = _current_step(run, flow) or flow.steps[-1].id
    return redirect(url_for(".step", run_id=run.id, step_id=current))


@bp.get("/runs/<run_id>/steps/<step_id>")
def step(run_id: str, step_id: str):
    """One step: the request (previewed or sent), the response, and what each part means."""
    run, flow = _run_or_404(run_id)
    if step_id not in flow_ids(flow):
        abort(404, f"The flow has no step {step_id!r}.")
    this = flow.step(step_id)
    done = step_id in run.completed
    exchanges = run.exchanges_of(step_id)
    if step_id == "id_token_validation":
        exchanges = run.exchanges_of("jwks_request")
    return render_template(
        "flows/step.html",
        run=run,
        flow=flow,
        step=this,
        note=annotations.step(step_id),
        done=done,
        current=_current_step(run, flow),
        next_step=flow.after(step_id),
        exchanges=exchanges,
        # Only the current step can be previewed: a later one lacks what earlier steps bring.
        preview=display.from_prepared(this.preview(run), step_id)
        if this.preview and step_id == _current_step(run, flow) and not run.error
        else None,
        provider_entries=provider_view.entries_for(run, exchanges) if exchanges else None,
        sequence=diagram.render(_arrows(run, flow), current_step=step_id),
        mistake=mistakes.of(run),
        failed_step=scenarios.failed_step(run, flow) if run.scenario else None,
        could_go_wrong=scenarios.at_step(run, step_id),
    )


@bp.post("/runs/<run_id>/steps/<step_id>")
def perform(run_id: str, step_id: str):
    """Send the step's request (or run the client's check), then show the outcome."""
    run, flow = _run_or_404(run_id)
    this = flow.step(step_id) if step_id in flow_ids(flow) else None
    with run.lock:
        if this is None or this.perform is None or step_id != _current_step(run, flow) or run.error:
            abort(409, "That step cannot be performed now: follow the steps in order.")
        _perform(run, this)
    return redirect(url_for(".step", run_id=run.id, step_id=step_id))


@bp.post("/runs/<run_id>/finish")
def finish(run_id: str):
    """Run to the end: perform every remaining back-channel step in order."""
    run, flow = _run_or_404(run_id)
    with run.lock:
        while not run.error and (current := _current_step(run, flow)):
            this = flow.step(current)
            if this.perform is None or this.channel == "front":
                break  # the browser (or the user on a second screen) must take this step
            if not _perform(run, this):
                break  # stopped, or a repeated step (polling) waits for the learner's next press
    return redirect(
        url_for(".step", run_id=run.id, step_id=_current_step(run, flow) or flow.steps[-1].id)
    )


@bp.get("/callback")
def callback():
    """The redirect_uri: the provider sends the browser back here (RFC 6749 §3.1.2)."""
    state = request.args.get("state")
    runs = _state().runs.of(_learner())
    # A response without state matches no run (not even one that holds no state at all).
    run = next((r for r in runs if state and r.client_state.get("state") == state), None)
    # VULNERABLE, the login CSRF attack page only: a client that sends no state takes any.
    run = run or next((r for r in runs if authorization_code.takes_any_response(r)), None)
    if run is None:
        # RFC 6749 §10.12: a response whose state this browser never sent is not acted on.
        return render_template("flows/unknown_state.html", params=request.args), 400
    with run.lock:
        if "authorization_request" in run.completed:
            # One request, one response: a second callback (the Back button, a repeated state)
            # is not acted on, even when the first one stopped the run.
            abort(409, "This run already received its authorization response; start a new run.")
        authorization_code.receive_callback(run, request.url)
        run.completed.append("authorization_request")
        if not run.error:
            run.completed.append("authorization_response")
    return redirect(url_for(".step", run_id=run.id, step_id="authorization_response"))


@bp.get("/runs/<run_id>/timeline")
def timeline(run_id: str):
    """Every exchange of the run in order, front and back channel."""
    run, flow = _run_or_404(run_id)
    return render_template(
        "flows/timeline.html", run=run, flow=flow, sequence=diagram.render(_arrows(run, flow))
    )


@bp.get("/runs/<run_id>/export.<any(md, json, har):kind>")
def export(run_id: str, kind: str):
    """The run as a download: a Markdown handout, plain JSON, or HAR for browsers' dev tools."""
    run, _flow = _run_or_404(run_id)
    render, media_type = exports.FORMATS[kind]
    disposition = f'attachment; filename="{exports.filename(run, kind)}"'
    return Response(render(run), mimetype=media_type, headers={"Content-Disposition": disposition})


def _perform(run: Run, step) -> bool:
    """Perform one step; True once it is done. A polling step returns False until it is."""
    finished = step.perform(run) is not False
    if finished and not run.error:
        run.completed.append(step.id)
    return finished and not run.error


def _current_step(run: Run, flow: Flow) -> str | None:
    return next((s.id for s in flow.steps if s.id not in run.completed), None)


def _arrows(run: Run, flow: Flow) -> list[diagram.Arrow]:
    """The arrows of the steps done so far (each a link to its page) and of the current one."""
    current = _current_step(run, flow)
    shown = [s for s in flow.steps if s.id in run.completed or s.id == current]
    if run.exchanges_of("registration_request"):
        shown.insert(1, REGISTRATION)
    return [
        diagram.Arrow(
            source,
            target,
            label,
            step=step.id,
            channel=channel,
            href=url_for(".step", run_id=run.id, step_id=step.id)
            if step is not REGISTRATION
            else None,
        )
        for step in shown
        for source, target, label, channel in step.arrows
    ]


def flow_ids(flow: Flow) -> set[str]:
    return {s.id for s in flow.steps}

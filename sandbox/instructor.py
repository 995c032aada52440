"""Instructor mode: move the provider's clock, rotate its key, reset it, and run a playlist.

Every action goes to the mock provider's control API over HTTP (control_api.py). After moving
the clock the page says, in plain words, what expired as a result, so a class can watch a token
die and then see the refresh flow recover from it. Presenter mode is here too: a setting of this
browser's session that makes every page readable from the back of a room.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from . import control_api, playlists, scenarios

bp = Blueprint("instructor", __name__)

#: The clock buttons: label → seconds to move the provider's clock forward.
ADVANCES = {"Advance 1 min": 60, "Advance 10 min": 600, "Advance 1 h": 3600, "Advance 1 day": 86400}


def _config():
    return current_app.extensions["sandbox"].config


@bp.get("/instructor")
def page():
    """The controls, the provider's time, the last action's outcome, and the playlist."""
    try:
        control = control_api.find(_config().issuer)
        clock = control_api.call("GET", f"{control}/clock")
    except control_api.ControlUnavailable as error:
        return render_template("instructor/page.html", unavailable=str(error))
    return render_template(
        "instructor/page.html",
        unavailable=None,
        advances=ADVANCES,
        provider_time=_when(clock["now"]),
        offset=clock["offset_seconds"],
        outcome=session.pop("instructor_outcome", None),
        playlist=_playlist(),
    )


@bp.post("/instructor/clock")
def move_clock():
    """Advance the provider's clock (or put it back), then say what expired."""
    seconds = ADVANCES.get(request.form.get("advance", ""))
    reset = request.form.get("advance") == "Reset clock"
    if seconds is None and not reset:
        abort(400, "Choose one of the clock buttons.")
    control = _control()
    before = control_api.call("GET", f"{control}/state")
    if reset:
        clock = control_api.call("POST", f"{control}/clock/reset")
        title = "The provider's clock is back to the real time."
    else:
        clock = control_api.call("POST", f"{control}/clock/advance", seconds=seconds)
        title = f"Moved the provider's clock forward: {request.form['advance'].lower()}."
    expired = control_api.expired_between(before, control_api.call("GET", f"{control}/state"))
    lines = [e.sentence() for e in expired] or ["Nothing expired as a result."]
    return _done(title, [f"The provider's time is now {_when(clock['now'])}.", *lines])


@bp.post("/instructor/keys/rotate")
def rotate_key():
    """Sign new tokens with a fresh key: clients must find the new kid in the JWKS."""
    answer = control_api.call("POST", f"{_control()}/keys/rotate")
    kids = [key.get("kid") for key in answer["jwks"]["keys"]]
    return _done(
        f"The provider now signs with a new key, kid {answer['signing_kid']}.",
        [
            f"The JWKS lists {len(kids)} keys: {', '.join(kids)}.",
            "Tokens signed before keep their old kid; the old key stays in the JWKS to check them.",
        ],
    )


@bp.route("/instructor/reset", methods=["GET", "POST"])
def reset():
    """Forget every grant, token, consent and registration. GET asks first; POST does it."""
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render_template("instructor/confirm_reset.html")
    answer = control_api.call("POST", f"{_control()}/reset")
    return _done(
        "The provider forgot everything: grants, tokens, consents, registrations, its log and "
        "its retired signing keys.",
        [f"Its clock is back to the real time, {_when(answer['now'])}."],
    )


@bp.post("/presenter")
def presenter():
    """Presenter mode on or off for this browser; back to the page the button was on."""
    session["presenter"] = not session.get("presenter", False)
    back = request.form.get("next", "")
    # Only a path on this site: an absolute or scheme-relative URL would be an open redirect.
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("sandbox.index")
    return redirect(back)


def _done(title: str, lines: list[str]):
    session["instructor_outcome"] = {"title": title, "lines": lines}
    return redirect(url_for(".page"))


def _control() -> str:
    return control_api.find(_config().issuer)


@bp.errorhandler(control_api.ControlUnavailable)
def _unavailable(error: control_api.ControlUnavailable):
    return render_template(
        "problem.html", title="The provider's control API cannot be used", problem=str(error)
    ), 502


def _playlist() -> dict | None:
    """The playlist in order: each id with its scenario (None: unknown) and whether this
    browser launched it already. The file is re-read, so it can be edited during a class."""
    if _config().playlist is None:
        return None
    try:
        playlist = playlists.load(_config().playlist)
        listed = scenarios.catalogue(_config().issuer)
    except (playlists.PlaylistError, scenarios.ScenariosUnavailable) as error:
        return {"problem": str(error)}
    catalogue = {s.id: s for s in listed if not scenarios.is_vulnerable_setting(s)}
    attack_settings = {s.id for s in listed if scenarios.is_vulnerable_setting(s)}
    learner = session.get("learner")
    runs = current_app.extensions["sandbox"].runs.of(learner) if learner else []
    launched = {run.scenario.id for run in runs if run.scenario}
    return {
        "title": playlist.title,
        "entries": [(i, catalogue.get(i), i in launched) for i in playlist.scenarios],
        "attack_settings": attack_settings,
        "unknown": [
            i for i in playlist.scenarios if i not in catalogue and i not in attack_settings
        ],
    }


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

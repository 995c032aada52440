"""The floor for the token-endpoint benchmark: a bare Flask app with one trivial POST endpoint.

It is served by waitress with the same number of threads as `oauth-sandbox provider`, and
`benchmarks/provider.py` sends it exactly the bytes it sends the provider's token endpoint. No
provider can answer faster than this app on the same stack, so the provider's requests per second
divided by the floor's shows how much of the budget goes to the provider's own work.

Run it alone with: python benchmarks/floor_app.py --port 9100
"""

from __future__ import annotations

import argparse

import waitress
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/token")
def token():
    """Read the form, as a token endpoint must, and answer with a fixed token-shaped JSON."""
    return jsonify(
        {
            "access_token": "floor",
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": request.form.get("scope", ""),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9100, help="loopback port to listen on")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    args = parser.parse_args()
    waitress.serve(app, host="127.0.0.1", port=args.port, threads=args.threads, ident="floor")


if __name__ == "__main__":
    main()

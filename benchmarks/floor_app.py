"""The floors for the token-endpoint benchmark: a Flask app with two POST endpoints.

- `/token` reads the form and answers a fixed token-shaped JSON: the least any endpoint on this
  stack (Flask on waitress) can do. No provider can answer faster.
- `/signed-token` does the least work any `client_credentials` token endpoint must do, in the
  fastest way the stack allows: it checks the HTTP Basic credentials against one row read with
  the standard library's `sqlite3`, signs an RS256 access token with joserfc (RFC 9068 claims,
  key loaded once), records it with one INSERT and commit, and answers with `no-store`. It has
  no request log, scopes, grants or error descriptions. Its share of `/token` is the ceiling for
  any provider's share of the floor.

It is served by waitress with the same number of threads as `oauth-sandbox provider`, and
`benchmarks/provider.py` sends both endpoints exactly the bytes it sends the provider's token
endpoint.

Run it alone with: python benchmarks/floor_app.py --port 9100 --database /tmp/floor.sqlite3
"""

from __future__ import annotations

import argparse
import hmac
import secrets
import sqlite3
import threading
import time

import waitress
from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.jwk import RSAKey

#: The one client `/signed-token` knows; benchmarks/provider.py authenticates as it.
CLIENT_ID, CLIENT_SECRET = "bench-service", "bench-service-secret"
ISSUER = "http://127.0.0.1"
LIFETIME = 3600

app = Flask(__name__)
key = RSAKey.generate_key(2048, parameters={"kid": "floor"})
connections = threading.local()


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


@app.post("/signed-token")
def signed_token():
    """Authenticate the client, sign a JWT access token, record it: nothing more."""
    credentials = request.authorization
    database = connection()
    row = (
        credentials
        and database.execute(
            "SELECT client_secret FROM clients WHERE client_id = ?", (credentials.username,)
        ).fetchone()
    )
    if not row or not hmac.compare_digest(row[0], credentials.password or ""):
        return jsonify({"error": "invalid_client"}), 401
    now, jti, scope = int(time.time()), secrets.token_urlsafe(16), request.form.get("scope", "")
    claims = {
        "iss": ISSUER,
        "sub": CLIENT_ID,
        "aud": ISSUER,
        "client_id": CLIENT_ID,
        "iat": now,
        "exp": now + LIFETIME,
        "jti": jti,
        "scope": scope,
    }
    access_token = jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": "floor"}, claims, key)
    database.execute("INSERT INTO tokens VALUES (?, ?, ?, ?)", (jti, CLIENT_ID, scope, now))
    database.commit()
    answer = {"access_token": access_token, "token_type": "Bearer", "expires_in": LIFETIME}
    return jsonify({**answer, "scope": scope}), 200, {"Cache-Control": "no-store"}


def connection() -> sqlite3.Connection:
    """This thread's connection, opened once, with the provider's journal settings."""
    if not hasattr(connections, "database"):
        connections.database = sqlite3.connect(app.config["DATABASE"])
        connections.database.execute("PRAGMA synchronous=NORMAL")
    return connections.database


def create_database(path: str) -> None:
    with sqlite3.connect(path) as database:
        database.execute("PRAGMA journal_mode=WAL")
        database.execute(
            "CREATE TABLE IF NOT EXISTS clients (client_id TEXT PRIMARY KEY, client_secret TEXT)"
        )
        database.execute(
            "CREATE TABLE IF NOT EXISTS tokens (jti TEXT, client_id TEXT, scope TEXT, iat INT)"
        )
        database.execute("INSERT OR REPLACE INTO clients VALUES (?, ?)", (CLIENT_ID, CLIENT_SECRET))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9100, help="loopback port to listen on")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--database", required=True, help="SQLite file (created if missing)")
    args = parser.parse_args()
    create_database(args.database)
    app.config["DATABASE"] = args.database
    waitress.serve(app, host="127.0.0.1", port=args.port, threads=args.threads, ident="floor")


if __name__ == "__main__":
    main()

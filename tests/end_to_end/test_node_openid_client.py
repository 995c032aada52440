"""openid-client v6 (Node.js) against the real provider: a strict client nobody here wrote.

`node/flow.mjs` runs discovery, the authorization request with PKCE, state and nonce, the code
exchange (which validates the ID token strictly), userinfo and a refresh, and prints one JSON line.
The test skips when Node.js or npm is missing, or when `npm ci` cannot install the pinned client.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from .flows import ALICE_SUB

NODE_DIR = Path(__file__).with_name("node")
MINIMUM_NODE = 20  # openid-client v6 needs WebCrypto and fetch


@pytest.fixture(scope="session")
def run_flow() -> Callable[..., tuple[int, dict]]:
    """Run flow.mjs with the given arguments; returns its exit code and its JSON line."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are needed to run openid-client; install them to run this")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    major = int(version.stdout.strip().lstrip("v").split(".")[0])
    if major < MINIMUM_NODE:
        pytest.skip(
            f"openid-client v6 needs Node.js {MINIMUM_NODE} or later, found {version.stdout}"
        )
    if not (NODE_DIR / "node_modules" / "openid-client").is_dir():
        installed = subprocess.run(
            [npm, "ci", "--prefer-offline", "--fetch-retries=1", "--no-audit", "--no-fund"]
            + ["--prefix", str(NODE_DIR)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if installed.returncode != 0:
            pytest.skip(
                f"npm ci could not install openid-client (offline?): {installed.stderr[-500:]}"
            )

    def run(*args: str) -> tuple[int, dict]:
        done = subprocess.run(
            [node, str(NODE_DIR / "flow.mjs"), *args], capture_output=True, text=True, timeout=60
        )
        assert done.stdout.strip(), done.stderr
        return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])

    return run


@pytest.mark.parametrize(
    ("client_args", "basic_credentials"),
    [
        # RFC 6749 section 2.3.1: form-urlencode, then Basic; a strict client encodes "-" too.
        (("web-app", "web-app-secret"), ["web%2Dapp:web%2Dapp%2Dsecret"] * 2),
        (("spa",), []),  # a public client sends only its client_id, in the body
    ],
    ids=["web-app-client-secret-basic", "spa-public-pkce"],
)
def test_openid_client_completes_the_code_flow_and_refreshes(
    provider, run_flow, client_args, basic_credentials
):
    status, result = run_flow(provider.issuer, *client_args)

    assert status == 0, result
    assert result["basic_credentials"] == basic_credentials  # code exchange, then refresh
    claims = result["id_token_claims"]
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == client_args[0]
    assert claims["sub"] == ALICE_SUB
    assert result["callback_iss"] == provider.issuer
    assert result["userinfo"]["sub"] == ALICE_SUB
    assert result["userinfo"]["email"] == "alice@example.com"
    assert result["refresh_token_rotated"] is True
    assert result["photos_status"] == 200


def test_openid_client_refuses_an_id_token_for_another_audience(provider, run_flow):
    issuer = f"{provider.issuer}/scenarios/wrong-audience"

    status, result = run_flow(issuer, "web-app", "web-app-secret")

    assert status == 1
    assert result["code"] == "OAUTH_JWT_CLAIM_COMPARISON_FAILED"
    assert result["cause"] == 'unexpected JWT "aud" (audience) claim value'


def test_openid_client_reports_the_providers_explanation_for_an_expired_code(provider, run_flow):
    issuer = f"{provider.issuer}/scenarios/code-expired"

    status, result = run_flow(issuer, "web-app", "web-app-secret")

    assert status == 1
    assert result["oauth_error"] == "invalid_grant"
    assert "expired" in result["error_description"]
    assert "RFC 6749 section 4.1.2" in result["error_description"]

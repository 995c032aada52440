"""Print an access token from the mock provider, to call the API with.

`python get_token.py alice` signs alice in with the seeded web app (the authorization code flow,
RFC 6749 §4.1, with the provider started with --auto-login alice so no browser is needed) and
prints her access token: a JWT (RFC 9068). `python get_token.py backend-service SCOPE` asks for a
token for the seeded backend service itself (client credentials, RFC 6749 §4.4) and prints it:
an opaque string. ISSUER names the provider.

Both ask for a token for our API, naming it with the resource parameter (RFC 8707 §2), so the
provider puts our API in the token's aud; `python get_token.py alice RESOURCE` names another.
"""

import os
import sys

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

# --8<-- [start:resource]
# Our API's resource indicator (RFC 8707 §2): its base URI. The provider knows it from the
# [resources] of its config (the seeded config declares it), and refuses names it does not know.
API = "http://127.0.0.1:8080"
# --8<-- [end:resource]


def discover(issuer: str) -> dict:
    """The provider's discovery document (RFC 8414 §3)."""
    try:
        return requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    except requests.ConnectionError:
        raise SystemExit(f"no provider answers at {issuer}: is it running?") from None


# --8<-- [start:alice]
def token_for_alice(issuer: str, resource: str = API) -> str:
    """Alice's access token, issued to web-app, with scope openid photos.read, for `resource`."""
    metadata = discover(issuer)
    client = OAuth2Session(
        "web-app",
        "web-app-secret",
        scope="openid photos.read",
        redirect_uri="http://127.0.0.1:8000/callback",
        code_challenge_method="S256",
    )
    code_verifier = generate_token(48)
    url, _state = client.create_authorization_url(
        metadata["authorization_endpoint"],
        code_verifier=code_verifier,
        resource=resource,  # RFC 8707 §2.1: the API the tokens are for
    )
    # With --auto-login alice the provider redirects at once; the code is in the Location.
    answer = requests.get(url, allow_redirects=False, timeout=10)
    if "code=" not in answer.headers.get("Location", ""):
        raise SystemExit("no code came back: start the provider with --auto-login alice")
    tokens = client.fetch_token(
        metadata["token_endpoint"],
        authorization_response=answer.headers["Location"],
        code_verifier=code_verifier,
    )
    return tokens["access_token"]


# --8<-- [end:alice]


# --8<-- [start:service]
def token_for_service(issuer: str, scope: str) -> str:
    """The backend service's own access token, for `scope` (client credentials grant)."""
    client = OAuth2Session("backend-service", "backend-service-secret", scope=scope)
    tokens = client.fetch_token(
        discover(issuer)["token_endpoint"],
        grant_type="client_credentials",
        resource=API,  # RFC 8707 §2.2: here the token request names the API
    )
    return tokens["access_token"]


# --8<-- [end:service]


def main(argv: list[str]) -> None:
    """Print the token that the command line asks for."""
    issuer = os.environ.get("ISSUER", "http://127.0.0.1:9000")
    if argv[1:2] == ["alice"] and len(argv) <= 3:
        print(token_for_alice(issuer, *argv[2:]))
    elif argv[1:2] == ["backend-service"] and len(argv) == 3:
        print(token_for_service(issuer, argv[2]))
    else:
        raise SystemExit("usage: python get_token.py alice [RESOURCE] | backend-service SCOPE")


if __name__ == "__main__":
    main(sys.argv)

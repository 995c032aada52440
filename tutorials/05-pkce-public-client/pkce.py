"""PKCE for a public client, one step at a time (RFC 7636).

The seeded client `spa` has no client_secret: anyone can read a single-page app's code, so it
could not keep one. PKCE stands in for the secret. The script makes a code_verifier, sends only
its S256 hash (the code_challenge) with the authorization request, and proves possession of the
verifier when it trades the code for tokens. Then it shows what the provider answers when the
verifier is wrong or missing. Authlib does the protocol work: the challenge, the authorization
URL and the token request.

Start the provider with `oauth-sandbox provider --auto-login alice`, so that following the
authorization URL signs Alice in at once, then run `python pkce.py` (`--step` waits for Enter
before each step; `--issuer` names another provider).
"""

import argparse
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.rfc7636 import create_s256_code_challenge

# --8<-- [start:client]
CLIENT_ID = "spa"  # the seeded public client: it has no client_secret
REDIRECT_URI = "http://127.0.0.1:8000/callback"  # registered for spa; nothing needs to listen there
SCOPE = "openid profile"


def new_session() -> OAuth2Session:
    """An OAuth 2.0 client with no secret, that adds a code_challenge to authorization URLs."""
    return OAuth2Session(
        CLIENT_ID, redirect_uri=REDIRECT_URI, scope=SCOPE, code_challenge_method="S256"
    )


# --8<-- [end:client]


def discover(issuer: str) -> dict:
    """The provider's endpoints, from its discovery document (OIDC Discovery 1.0 §4)."""
    response = requests.get(issuer + "/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    return response.json()


# --8<-- [start:verifier]
def make_code_verifier() -> str:
    """RFC 7636 §4.1: 43 to 128 characters of A-Z a-z 0-9 -._~, from a secure random source."""
    return generate_token(48)


# --8<-- [end:verifier]


# --8<-- [start:follow]
def follow(authorization_url: str) -> str:
    """Play the browser: open the authorization URL and return where the provider sends it."""
    response = requests.get(authorization_url, allow_redirects=False, timeout=10)
    if response.status_code != 302:
        raise SystemExit(
            f"The provider answered {response.status_code} instead of signing Alice in and "
            "sending the browser back: start it with `oauth-sandbox provider --auto-login alice`."
        )
    return response.headers["Location"]


# --8<-- [end:follow]


def authorize(metadata: dict, code_verifier: str) -> tuple[OAuth2Session, str, str]:
    """Steps 3 and 4 in one: an authorization request; returns the session, state and redirect."""
    session = new_session()
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=code_verifier
    )
    return session, state, follow(url)


def try_exchange(metadata: dict, code_verifier: str | None) -> None:
    """Get a fresh code, redeem it sending `code_verifier`, and print what the provider says."""
    session, state, redirect = authorize(metadata, make_code_verifier())
    # --8<-- [start:try_exchange]
    try:
        session.fetch_token(
            metadata["token_endpoint"],
            authorization_response=redirect,
            state=state,
            code_verifier=code_verifier,  # None: Authlib sends no code_verifier at all
        )
        print("   tokens issued: PKCE did not protect this code!")
    except OAuthError as error:
        print(f"   error: {error.error}")
        print(f"   error_description: {error.description}")
    # --8<-- [end:try_exchange]


def step(title: str, pause: bool) -> None:
    """Print a step's title; with --step, wait for Enter first."""
    if pause:
        input("\n(press Enter for the next step)")
    print(f"\n{title}")


def run(issuer: str, pause: bool = False) -> None:
    """Run every step against the provider at `issuer`, printing what each one produced."""
    metadata = discover(issuer)

    step("1. Make a code_verifier: a secret that stays in the script", pause)
    # --8<-- [start:step_1]
    code_verifier = make_code_verifier()
    print(f"   code_verifier          {code_verifier}")
    # --8<-- [end:step_1]

    step("2. Derive the code_challenge: BASE64URL(SHA-256(code_verifier))", pause)
    # --8<-- [start:step_2]
    code_challenge = create_s256_code_challenge(code_verifier)
    print(f"   code_challenge         {code_challenge}")
    # --8<-- [end:step_2]

    step("3. Build the authorization URL", pause)
    # --8<-- [start:step_3]
    session = new_session()
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=code_verifier
    )
    print(f"   {url}")
    query = parse_qs(urlsplit(url).query)
    print(f"   code_challenge         {query['code_challenge'][0]}")
    print(f"   code_challenge_method  {query['code_challenge_method'][0]}")
    print(f"   code_verifier sent?    {'code_verifier' in query}")
    # --8<-- [end:step_3]

    step("4. Follow it: Alice is signed in, and the provider redirects back", pause)
    # --8<-- [start:step_4]
    redirect = follow(url)
    print(f"   {redirect}")
    # --8<-- [end:step_4]

    step("5. Trade the code for tokens, proving possession of the code_verifier", pause)
    # --8<-- [start:step_5]
    token = session.fetch_token(
        metadata["token_endpoint"],
        authorization_response=redirect,  # Authlib reads the code from it
        state=state,  # and raises if the state is not ours
        code_verifier=code_verifier,
    )
    issued = [name for name in ("access_token", "id_token", "refresh_token") if name in token]
    print(f"   tokens issued: {', '.join(issued)}")
    userinfo = session.get(metadata["userinfo_endpoint"]).json()
    print(f"   userinfo says: {userinfo['name']}")
    # --8<-- [end:step_5]

    step("6. A fresh code, redeemed with a different code_verifier", pause)
    # --8<-- [start:step_6]
    try_exchange(metadata, code_verifier=make_code_verifier())
    # --8<-- [end:step_6]

    step("7. A fresh code, redeemed with no code_verifier", pause)
    # --8<-- [start:step_7]
    try_exchange(metadata, code_verifier=None)
    # --8<-- [end:step_7]


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the steps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", default="http://127.0.0.1:9000", help="the provider")
    parser.add_argument("--step", action="store_true", help="wait for Enter before each step")
    args = parser.parse_args(argv)
    run(args.issuer.rstrip("/"), pause=args.step)


if __name__ == "__main__":
    main()

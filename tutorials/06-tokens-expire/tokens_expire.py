"""Tokens expire: refresh, rotation and revocation, driven with the provider's clock.

The script signs Alice in with the seeded confidential client `web-app`, calls the provider's
demo photos API with the access token, then moves the provider's clock past the token's
lifetime (control API, POST /control/clock/advance) and calls again. It refreshes (RFC 6749
§6) and sees the refresh token rotate, presents the old refresh token again and sees the whole
grant revoked (RFC 9700 §4.14.2), then revokes a refresh token itself (RFC 7009) and asks the
provider about it (RFC 7662). At the end it puts the provider's clock back.

Start the provider with `oauth-sandbox provider --auto-login alice`, then run
`python tokens_expire.py` (`--issuer` names another provider).
"""

import argparse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError

CLIENT_ID = "web-app"  # the seeded confidential client
CLIENT_SECRET = "web-app-secret"
REDIRECT_URI = "http://127.0.0.1:8000/callback"  # registered; nothing needs to listen there
SCOPE = "openid photos.read"  # photos.read lets the token call the demo photos API


class Provider:
    """The provider's endpoints (from discovery) and its clock (from the control API)."""

    def __init__(self, issuer: str) -> None:
        response = requests.get(issuer + "/.well-known/openid-configuration", timeout=10)
        response.raise_for_status()
        self.metadata = response.json()
        self.photos_api = issuer + "/api/photos"  # a demo resource server, beside the provider
        # An extension member of the discovery document (RFC 8414 §2 allows them).
        self.control = self.metadata["mock_provider_control_endpoint"]

    def advance_clock(self, seconds: int) -> None:
        """Move the provider's clock forward: everything it issued ages by `seconds`."""
        response = requests.post(
            self.control + "/clock/advance", data={"seconds": seconds}, timeout=10
        )
        response.raise_for_status()

    def reset_clock(self) -> None:
        """Put the provider's clock back to the real time."""
        requests.post(self.control + "/clock/reset", timeout=10).raise_for_status()


def sign_in(provider: Provider) -> tuple[OAuth2Session, dict]:
    """Authorization code flow with PKCE; the provider's --auto-login signs Alice in at once."""
    session = OAuth2Session(
        CLIENT_ID,
        CLIENT_SECRET,
        redirect_uri=REDIRECT_URI,
        scope=SCOPE,
        code_challenge_method="S256",
    )
    code_verifier = generate_token(48)
    url, state = session.create_authorization_url(
        provider.metadata["authorization_endpoint"], code_verifier=code_verifier
    )
    redirect = requests.get(url, allow_redirects=False, timeout=10)
    if redirect.status_code != 302:
        raise SystemExit(
            f"The provider answered {redirect.status_code} instead of signing Alice in and "
            "sending the browser back: start it with `oauth-sandbox provider --auto-login alice`."
        )
    token = session.fetch_token(
        provider.metadata["token_endpoint"],
        authorization_response=redirect.headers["Location"],
        state=state,
        code_verifier=code_verifier,
    )
    return session, token


# --8<-- [start:call_api]
def call_photos_api(provider: Provider, access_token: str) -> None:
    """GET the demo photos API with the access token as a Bearer token (RFC 6750 §2.1)."""
    response = requests.get(
        provider.photos_api, headers={"Authorization": f"Bearer {access_token}"}, timeout=10
    )
    if response.ok:
        titles = [photo["title"] for photo in response.json()["photos"]]
        print(f"   {response.status_code}: {len(titles)} photos, the first '{titles[0]}'")
    else:
        print(
            f"   {response.status_code}: WWW-Authenticate: {response.headers['WWW-Authenticate']}"
        )


# --8<-- [end:call_api]


# --8<-- [start:refresh]
def refresh(provider: Provider, session: OAuth2Session, refresh_token: str) -> dict | None:
    """Trade a refresh token for new tokens (RFC 6749 §6); print the error if refused."""
    try:
        return session.refresh_token(
            provider.metadata["token_endpoint"], refresh_token=refresh_token
        )
    except OAuthError as error:
        print(f"   error: {error.error}")
        print(f"   error_description: {error.description}")
        return None


# --8<-- [end:refresh]


# --8<-- [start:introspect]
def introspect(provider: Provider, session: OAuth2Session, name: str, value: str) -> None:
    """Ask the provider whether a token is still active (RFC 7662 §2)."""
    response = session.introspect_token(
        provider.metadata["introspection_endpoint"], token=value, token_type_hint=name
    )
    answer = response.json()
    details = f", scope '{answer['scope']}'" if answer["active"] else ""
    print(f"   {name}: active {str(answer['active']).lower()}{details}")


# --8<-- [end:introspect]


def step(title: str) -> None:
    print(f"\n{title}")


def expire_and_refresh(provider: Provider) -> None:
    """Steps 1 to 5: expiry, refresh with rotation, and reuse detection."""
    step("1. Sign in as Alice and call the photos API")
    # --8<-- [start:step_1]
    session, token = sign_in(provider)
    print(f"   the access token lives {token['expires_in']} s")
    call_photos_api(provider, token["access_token"])
    # --8<-- [end:step_1]

    step("2. Move the provider's clock one minute past the access token's lifetime")
    # --8<-- [start:step_2]
    provider.advance_clock(token["expires_in"] + 60)
    call_photos_api(provider, token["access_token"])
    # --8<-- [end:step_2]

    step("3. Refresh: a new access token, and a new refresh token")
    # --8<-- [start:step_3]
    new_token = refresh(provider, session, token["refresh_token"])
    if new_token is None:
        raise SystemExit("The refresh was refused: see the error above.")
    rotated = new_token["refresh_token"] != token["refresh_token"]
    print(f"   the refresh token changed: {'yes' if rotated else 'no'}")
    call_photos_api(provider, new_token["access_token"])
    # --8<-- [end:step_3]

    step("4. Present the old refresh token again")
    # --8<-- [start:step_4]
    refresh(provider, session, token["refresh_token"])
    # --8<-- [end:step_4]

    step("5. The new tokens died with their grant")
    # --8<-- [start:step_5]
    call_photos_api(provider, new_token["access_token"])
    refresh(provider, session, new_token["refresh_token"])
    # --8<-- [end:step_5]


def revoke(provider: Provider) -> None:
    """Steps 6 and 7: revocation, confirmed by introspection."""
    step("6. Sign in again, and ask the provider about the new tokens")
    # --8<-- [start:step_6]
    session, token = sign_in(provider)
    introspect(provider, session, "refresh_token", token["refresh_token"])
    introspect(provider, session, "access_token", token["access_token"])
    # --8<-- [end:step_6]

    step("7. Revoke the refresh token, then ask again")
    # --8<-- [start:step_7]
    response = session.revoke_token(
        provider.metadata["revocation_endpoint"],
        token=token["refresh_token"],
        token_type_hint="refresh_token",
    )
    print(f"   revocation: {response.status_code}")
    introspect(provider, session, "refresh_token", token["refresh_token"])
    introspect(provider, session, "access_token", token["access_token"])
    call_photos_api(provider, token["access_token"])
    # --8<-- [end:step_7]


def run(issuer: str) -> None:
    """Run every step against the provider at `issuer`, then put its clock back."""
    provider = Provider(issuer)
    try:
        expire_and_refresh(provider)
        revoke(provider)
    finally:
        provider.reset_clock()
        print("\nThe provider's clock is back to the real time.")


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the steps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", default="http://127.0.0.1:9000", help="the provider")
    args = parser.parse_args(argv)
    run(args.issuer.rstrip("/"))


if __name__ == "__main__":
    main()

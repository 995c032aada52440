"""The device authorization grant (RFC 8628), as a TV app with no browser runs it.

The seeded public client `tv-app` asks the provider for a device_code and a user_code (RFC
8628 §3.1), shows the person the user_code and where to type it (§3.3), then polls the token
endpoint (§3.4) until the person approves or denies on another device, or the code expires. Its
second poll goes too soon on purpose, to see `slow_down` (§3.5). Authlib sends the token
requests and raises each error the provider answers.

Start the provider with `oauth-sandbox provider`, run `python device_flow.py` (`--issuer` names
another provider), and approve the device in a browser while the script polls.
"""

import argparse
import time
from collections.abc import Callable

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError

# --8<-- [start:client]
CLIENT_ID = "tv-app"  # a public client: software on a TV cannot keep a secret
SCOPE = "openid profile photos.read"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"  # RFC 8628 §3.4
SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: after slow_down, poll 5 s more slowly from then on
# --8<-- [end:client]


def discover(issuer: str) -> dict:
    """The provider's endpoints, from its discovery document (RFC 8414 §3)."""
    response = requests.get(issuer + "/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    return response.json()


# --8<-- [start:device_authorization]
def request_device_code(session: OAuth2Session, metadata: dict) -> dict:
    """RFC 8628 §3.1: ask for a device_code (for the app) and a user_code (for the person)."""
    response = session.post(
        metadata["device_authorization_endpoint"],
        data={"client_id": CLIENT_ID, "scope": SCOPE},
        withhold_token=True,  # there is no token yet
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


# --8<-- [end:device_authorization]


# --8<-- [start:poll]
def poll(session: OAuth2Session, metadata: dict, device_code: str) -> tuple[dict | None, str]:
    """RFC 8628 §3.4: one token request; returns the tokens, or the error the provider sent."""
    try:
        token = session.fetch_token(
            metadata["token_endpoint"], grant_type=DEVICE_CODE_GRANT, device_code=device_code
        )
        return token, ""
    except OAuthError as error:
        return None, f"{error.error}: {error.description}" if error.description else error.error


def poll_until_decided(
    session: OAuth2Session, metadata: dict, device: dict, wait: Callable[[float], None]
) -> dict | None:
    """Poll until the person decides; the first two polls go at once, the second too soon."""
    interval = device.get("interval", 5)  # RFC 8628 §3.2: 5 s if the provider names none
    number, delay = 0, 0
    while True:  # until tokens, access_denied or expired_token
        number += 1
        if delay:
            wait(delay)
        token, error = poll(session, metadata, device["device_code"])
        when = f"after {delay} s" if delay else "at once"
        print(f"   poll {number}, {when}: {'tokens' if token else error}")
        if token is not None:
            return token
        if error.startswith("slow_down"):
            interval += SLOW_DOWN_STEP
        elif not error.startswith("authorization_pending"):
            return None  # access_denied or expired_token: polling is over (RFC 8628 §3.5)
        delay = interval if number >= 2 else 0


# --8<-- [end:poll]


def run(issuer: str, wait: Callable[[float], None] = time.sleep) -> None:
    """Run the device flow against the provider at `issuer`; `wait` sleeps between polls."""
    metadata = discover(issuer)
    session = OAuth2Session(CLIENT_ID, scope=SCOPE)  # no secret: the client authenticates "none"

    print("\n1. Device authorization request")
    # --8<-- [start:step_1]
    device = request_device_code(session, metadata)
    print(f"   user_code                  {device['user_code']}")
    print(f"   verification_uri           {device['verification_uri']}")
    print(f"   verification_uri_complete  {device['verification_uri_complete']}")
    print(f"   expires_in                 {device['expires_in']} s")
    print(f"   interval                   {device['interval']} s")
    print(f"\n   On your phone or computer, open {device['verification_uri']}")
    print(f"   and enter the code {device['user_code']}")
    # --8<-- [end:step_1]

    print("\n2. Poll the token endpoint until the person decides")
    # --8<-- [start:step_2]
    token = poll_until_decided(session, metadata, device, wait)
    # --8<-- [end:step_2]
    if token is None:
        print("\nNo tokens: the person denied the request, or the code expired.")
        return

    print("\n3. The tokens")
    # --8<-- [start:step_3]
    issued = [name for name in ("access_token", "id_token", "refresh_token") if name in token]
    print(f"   tokens issued: {', '.join(issued)}")
    print(f"   scope: {token['scope']}")
    userinfo = session.get(metadata["userinfo_endpoint"]).json()
    print(f"   userinfo says: {userinfo['name']}")
    # --8<-- [end:step_3]


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the flow."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", default="http://127.0.0.1:9000", help="the provider")
    args = parser.parse_args(argv)
    run(args.issuer.rstrip("/"))


if __name__ == "__main__":
    main()

"""Plain-HTTP steps shared by the end-to-end tests: what a browser and a client send, no more.

Every request opens a fresh connection (`Connection: close`), so a test that runs the provider
under several worker processes lets the operating system pick the worker each time.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from urllib.parse import parse_qsl, urlsplit

import requests

REDIRECT_URI = "http://127.0.0.1:8000/callback"  # registered for web-app and spa; nothing listens
WEB_APP = ("web-app", "web-app-secret")
ALICE_SUB = "248289761001"
CLOSE = {"Connection": "close"}
TIMEOUT = 15
HIDDEN_FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden fields of a provider page's forms, which a browser sends back with its form
    (the CSRF token, and the carried request); on a page with several forms, the last wins."""
    return {name: html.unescape(value) for name, value in HIDDEN_FIELD.findall(page)}


def s256(verifier: str) -> str:
    """The S256 code_challenge of a code_verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """A fresh code_verifier (RFC 7636 §4.1) and its S256 code_challenge."""
    verifier = secrets.token_urlsafe(48)
    return verifier, s256(verifier)


def follow_authorize(url: str, **params: str) -> str:
    """GET the authorization endpoint like a browser whose user is signed in; return Location."""
    response = requests.get(
        url, params=params, headers=CLOSE, allow_redirects=False, timeout=TIMEOUT
    )
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def callback_params(location: str) -> dict[str, str]:
    """The query of a redirect back to REDIRECT_URI, checked to really go there."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI, location
    return dict(parse_qsl(parts.query))


def code_for(issuer: str, client_id: str = "web-app", scope: str = "openid photos.read") -> str:
    """An authorization code for alice (auto-login), without PKCE: web-app does not need it."""
    state = secrets.token_urlsafe(16)
    params = callback_params(
        follow_authorize(
            f"{issuer}/authorize",
            response_type="code",
            client_id=client_id,
            redirect_uri=REDIRECT_URI,
            scope=scope,
            state=state,
        )
    )
    assert params["state"] == state
    return params["code"]


def post_token(issuer: str, data: dict[str, str], auth=WEB_APP) -> requests.Response:
    """POST to the token endpoint on a fresh connection, as web-app (HTTP Basic) by default."""
    return requests.post(f"{issuer}/token", data=data, auth=auth, headers=CLOSE, timeout=TIMEOUT)


def redeem(issuer: str, code: str) -> requests.Response:
    return post_token(
        issuer, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    )


def refresh(issuer: str, refresh_token: str) -> requests.Response:
    return post_token(issuer, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def userinfo(issuer: str, access_token: str) -> requests.Response:
    return requests.get(
        f"{issuer}/userinfo",
        headers={**CLOSE, "Authorization": f"Bearer {access_token}"},
        timeout=TIMEOUT,
    )

"""Client metadata (RFC 7591 §2, RP-Initiated Logout §3.1) as dynamic registration receives it:
the JSON type of each value, Authlib's checks restated in plain words naming the value, and the
rules Authlib's claims classes leave to the server.
"""

from __future__ import annotations

from typing import Any

from authlib.common.urls import is_valid_url
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.rfc7591 import (
    ClientMetadataClaims,
    InvalidClientMetadataError,
    InvalidRedirectURIError,
)
from authlib.oidc.rpinitiated import ClientMetadataClaims as AuthlibLogoutMetadataClaims
from joserfc.errors import ClaimError

from .redirect_uris import scheme_of

EXAMPLE_REDIRECT_URI = "https://client.test/cb"
# The discovery member (RFC 8414 §2) that lists the values Authlib accepts for each field.
SUPPORTED = {
    "scope": "scopes_supported",
    "grant_types": "grant_types_supported",
    "response_types": "response_types_supported",
    "token_endpoint_auth_method": "token_endpoint_auth_methods_supported",
}


class RegistrationMetadataClaims(ClientMetadataClaims):
    """RFC 7591 §2 metadata as Authlib checks it; each refusal names the value and the rule."""

    def validate_redirect_uris(self) -> None:
        # Instead of Authlib's check, which wants a host even in a native app's
        # com.example.app:/callback and lets javascript://host/... through.
        for uri in self.get("redirect_uris") or []:
            problem = redirect_uri_problem(uri)
            if problem:
                raise InvalidRedirectURIError(problem)

    def validate(self, now=None, leeway=0) -> None:
        try:
            super().validate(now, leeway)
        except ClaimError as error:  # Authlib says only "Invalid claim: 'redirect_uris'"
            raise self.refusal(error.claim) from error

    def refusal(self, claim: str) -> OAuth2Error:
        """The error for a value Authlib refused, in plain words (RFC 7591 §3.2.2)."""
        value = self.get(claim)
        if claim in SUPPORTED:
            known = self.params.get(SUPPORTED[claim], [])
            sent = value.split() if claim == "scope" else value
            unknown = [sent] if isinstance(sent, str) else [v for v in sent if v not in known]
            return InvalidClientMetadataError(
                f"{claim} '{' '.join(unknown)}' is not supported by this provider, which "
                f"supports {', '.join(known)} (its {SUPPORTED[claim]}; RFC 7591 §2)"
            )
        if claim == "jwks":
            return InvalidClientMetadataError(
                "jwks must be a JSON Web Key Set, and may not be sent with jwks_uri (RFC 7591 §2)"
            )
        return InvalidClientMetadataError(  # client_uri, logo_uri, tos_uri, policy_uri, jwks_uri
            f"{claim} must be an absolute URL with a host; got '{value}' (RFC 7591 §2)"
        )


def redirect_uri_problem(uri: str) -> str | None:
    """Why no client may register `uri` as a redirect_uri, in plain words; None if it may.

    A fragment is forbidden outright (RFC 6749 §3.1.2). The scheme must reach a client: https,
    http, or a native app's private-use scheme, which RFC 8252 §7.1 says is a domain the app
    controls, reversed (com.example.app), so it has a dot. That leaves out javascript:, data:,
    file: and the like, where a browser would run or show the code instead of delivering it.
    """
    if "#" in uri:
        return (
            f"redirect_uris: '{uri}' has a fragment (#), which a redirection endpoint URI must "
            "not have (RFC 6749 §3.1.2)"
        )
    scheme = scheme_of(uri)
    if "." in scheme or (scheme in ("http", "https") and is_valid_url(uri, False)):
        return None
    if scheme and scheme not in ("http", "https"):
        return _scheme_refused("redirect_uris", uri, scheme, "RFC 6749 §3.1.2")
    # Relative, not a URI, no host, or a userinfo that disguises the host (as Authlib checks).
    return (
        "redirect_uris must be a list of absolute URIs, each with a host and without a "
        f"fragment, such as {EXAMPLE_REDIRECT_URI}; got '{uri}' (RFC 7591 §2, RFC 6749 §3.1.2)"
    )


def _scheme_refused(field: str, uri: str, scheme: str, spec: str) -> str:
    return (
        f"{field}: '{uri}' uses the scheme {scheme}, which no client may register; use https, "
        "http, or for a native app a private-use scheme named after a domain it controls, "
        f"reversed, such as com.example.app:/callback ({spec}, RFC 8252 §7.1)"
    )


def _post_logout_scheme_refused(uri: str, scheme: str) -> str:
    # RP-Initiated Logout §3.1 names https, and http for confidential clients; Authlib checks
    # these URIs as URLs with a host, so a native app's private-use scheme cannot pass either.
    return (
        f"post_logout_redirect_uris: '{uri}' uses the scheme {scheme}; use https, or http for a "
        "confidential client (RP-Initiated Logout §3.1)"
    )


def check_grant_types_fit(metadata: dict[str, Any]) -> None:
    """Refuse metadata that no client could use: the rules that span two fields (RFC 7591 §2)."""
    grant_types = metadata.get("grant_types", ["authorization_code"])
    if "authorization_code" in grant_types and not metadata.get("redirect_uris"):
        raise InvalidRedirectURIError(
            "redirect_uris is missing: a client of the authorization_code grant must register "
            f"at least one, such as {EXAMPLE_REDIRECT_URI} (RFC 7591 §2, RFC 6749 §3.1.2.2)"
        )
    auth_method = metadata.get("token_endpoint_auth_method", "client_secret_basic")
    if "client_credentials" in grant_types and auth_method == "none":
        raise InvalidClientMetadataError(
            "token_endpoint_auth_method none makes a public client, but only confidential "
            "clients may use the client_credentials grant (RFC 6749 §4.4): register with "
            "client_secret_basic or client_secret_post, or leave client_credentials out of "
            "grant_types"
        )


class LogoutMetadataClaims(AuthlibLogoutMetadataClaims):
    """post_logout_redirect_uris, checked as RP-Initiated Logout §3.1 asks."""

    def validate(self, now=None, leeway=0) -> None:
        for uri in self.get("post_logout_redirect_uris") or []:
            scheme = scheme_of(uri) if isinstance(uri, str) else ""  # types are checked apart
            if scheme and scheme not in ("http", "https"):
                raise InvalidClientMetadataError(_post_logout_scheme_refused(uri, scheme))
        try:
            super().validate(now, leeway)
        except ClaimError as error:  # Authlib says only "Invalid claim: '...'"
            bad = next(
                (uri for uri in self[error.claim] if not is_valid_url(uri, False)),
                self[error.claim],
            )
            raise InvalidClientMetadataError(
                f"{error.claim} must be a list of absolute URIs, each with a host and without a "
                f"fragment; got '{bad}' (RP-Initiated Logout §3.1)"
            ) from error
        except ValueError as error:  # Authlib raises a bare ValueError for this one rule
            raise InvalidClientMetadataError(
                "post_logout_redirect_uris of a public client must use https, or http on "
                "loopback; RP-Initiated Logout §3.1 allows http only for a confidential client"
            ) from error


# RFC 7591 §2 and RP-Initiated Logout §3.1: the JSON type of each metadata value. Authlib's claims
# classes assume these types, so a number where a string belongs failed instead of being refused.
STRING_METADATA = (
    "token_endpoint_auth_method",
    "client_name",
    "client_uri",
    "logo_uri",
    "scope",
    "tos_uri",
    "policy_uri",
    "jwks_uri",
    "software_id",
    "software_version",
    "software_statement",
)
LIST_METADATA = (
    "redirect_uris",
    "post_logout_redirect_uris",
    "grant_types",
    "response_types",
    "contacts",
)


def check_metadata_types(data: dict[str, Any]) -> None:
    """Refuse client metadata whose values have the wrong JSON type (RFC 7591 §2, §3.2.2)."""
    for name in STRING_METADATA:
        if name in data and not isinstance(data[name], str):
            raise InvalidClientMetadataError(f"{name} must be a string (RFC 7591 section 2)")
    for name in LIST_METADATA:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidClientMetadataError(
                f"{name} must be an array of strings (RFC 7591 section 2)"
            )
    if "jwks" in data and not isinstance(data["jwks"], dict):
        raise InvalidClientMetadataError(
            "jwks must be a JSON Web Key Set object (RFC 7591 section 2)"
        )

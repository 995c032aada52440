"""Client metadata (RFC 7591 §2, RP-Initiated Logout §3.1) as dynamic registration receives it:
the JSON type of each value, and the rules Authlib's claims classes leave to the server.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc7591 import InvalidClientMetadataError
from authlib.oidc.rpinitiated import ClientMetadataClaims as AuthlibLogoutMetadataClaims


class LogoutMetadataClaims(AuthlibLogoutMetadataClaims):
    """post_logout_redirect_uris, checked as RP-Initiated Logout §3.1 asks."""

    def validate(self, now=None, leeway=0) -> None:
        try:
            super().validate(now, leeway)
        except ValueError as error:  # Authlib raises a bare ValueError for this one rule
            raise InvalidClientMetadataError(
                "post_logout_redirect_uris may use http only for a confidential client or on "
                "loopback (RP-Initiated Logout §3.1)"
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

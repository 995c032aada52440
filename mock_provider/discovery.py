"""Discovery metadata (OIDC Discovery 1.0 §3, RFC 8414 §2): every endpoint, and only what works.

The same document is served at both well-known paths. A scenario's issuer publishes its own
document whose endpoints all live under the scenario's path; RFC 8414 §3.1 also puts it before
that path, at `/.well-known/oauth-authorization-server/scenarios/<id>`.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from .config import GRANT_TYPES, SCOPES, USER_CLAIMS
from .issuers import active_faults, base_issuer, current_issuer

AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def metadata() -> dict[str, Any]:
    """The provider's metadata for the issuer of the current request."""
    issuer = current_issuer()
    # The VULNERABLE implicit issuer also offers response_type=token (grants/implicit.py).
    implicit = any(fault.implicit_grant for fault in active_faults())
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        # RFC 8414 §2: OPTIONAL, so it is left out when the config closes registration.
        **({"registration_endpoint": f"{issuer}/register"} if _registration_open() else {}),
        "revocation_endpoint": f"{issuer}/revoke",
        "introspection_endpoint": f"{issuer}/introspect",
        "device_authorization_endpoint": f"{issuer}/device_authorization",
        "end_session_endpoint": f"{issuer}/logout",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code", "token"] if implicit else ["code"],
        "response_modes_supported": ["query", "fragment"] if implicit else ["query"],
        "grant_types_supported": [*GRANT_TYPES, "implicit"] if implicit else list(GRANT_TYPES),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "code_challenge_methods_supported": ["S256", "plain"],
        "claims_supported": [
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "azp",
            "at_hash",
            *USER_CLAIMS,
        ],
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": True,
        # An extension (RFC 8414 §2 allows more members): where the teaching seams are.
        "mock_provider_control_endpoint": f"{base_issuer()}/control",
        "request_parameter_supported": False,
        # OIDC Discovery §3: omitted, this one would default to true.
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
    }


def _registration_open() -> bool:
    return current_app.extensions["mock_provider"].config.registration_open

"""Resource indicators at the authorization endpoint (RFC 8707 §2.1).

The `resource` parameters of an authorization request name the APIs the client wants its tokens
for. Each must be an absolute URI without a fragment, and one this provider knows; otherwise the
error goes back to the client as invalid_target. The resources are kept with the grant, and the
token endpoint allows those or some of them (RFC 8707 §2.2, in `resource_indicators.py`).
"""

from __future__ import annotations

from .. import resource_indicators


class ResourceIndicator:
    """An extension of the authorization code grant. It runs once the client and redirect_uri
    are verified, so the error goes back to the client with state and iss."""

    def __call__(self, grant) -> None:
        grant.register_hook("before_validate_authorization_request_payload", self.check)

    def check(self, grant, redirect_uri: str) -> None:
        grant.request.resources = resource_indicators.requested(
            resource_indicators.sent(grant.request)
        )

"""Resource indicators at the authorization endpoint (RFC 8707 §2.1).

The `resource` parameters of an authorization request name the APIs the client wants its tokens
for. Each must be an absolute URI without a fragment, and one this provider knows; otherwise the
error goes back to the client as invalid_target. The resources are kept with the grant, and the
token endpoint allows those or some of them (RFC 8707 §2.2, in `resource_indicators.py`). The
implicit grant issues its token at once, so that token is for exactly what was named.
"""

from __future__ import annotations

from .. import resource_indicators


class ResourceIndicator:
    """An extension of the authorization code grant, or of the implicit grant. It runs once the
    client and redirect_uri are verified, so the error goes back to the client with state and
    iss (in the fragment, for the implicit grant)."""

    def __init__(self, implicit: bool = False) -> None:
        self.implicit = implicit

    def __call__(self, grant) -> None:
        if self.implicit:  # Authlib's implicit grant has no hook inside its validation
            grant.register_hook("after_validate_authorization_request", self.check_implicit)
        else:
            grant.register_hook("before_validate_authorization_request_payload", self.check)

    def check(self, grant, redirect_uri: str) -> None:
        grant.request.resources = resource_indicators.requested(
            resource_indicators.sent(grant.request)
        )

    def check_implicit(self, grant, redirect_uri: str) -> None:
        try:
            self.check(grant, redirect_uri)
        except resource_indicators.InvalidTargetError as error:
            error.redirect_uri, error.redirect_fragment = redirect_uri, True
            raise
        resource_indicators.issue_for(grant.request.resources)

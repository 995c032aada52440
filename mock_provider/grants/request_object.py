"""Request objects (OIDC Core §6), which this provider does not support, and says so.

Discovery publishes request_parameter_supported and request_uri_parameter_supported as false, so
an authorization request carrying `request` or `request_uri` is answered request_not_supported
or request_uri_not_supported (OIDC Core §3.1.2.6) instead of being served from its other
parameters as though the request object were not there.
"""

from __future__ import annotations

from authlib.oauth2.base import OAuth2Error
from authlib.oidc.core.errors import RequestNotSupportedError, RequestURINotSupportedError

from .. import request_log


class RequestObjectRefusal:
    """An extension of the authorization code grant. It runs once the client and redirect_uri
    are verified, so the error goes back to the client with state and iss."""

    def __call__(self, grant) -> None:
        grant.register_hook("before_validate_authorization_request_payload", self.refuse)

    def refuse(self, grant, redirect_uri: str) -> None:
        sent = grant.request.payload.data
        if "request" in sent:
            _refuse(
                RequestNotSupportedError(
                    "request (a request object) was sent, but this provider does not support "
                    "request objects (its discovery says request_parameter_supported false): send "
                    "the authorization parameters in the query instead (OIDC Core §6.1, §3.1.2.6)"
                )
            )
        if "request_uri" in sent:
            _refuse(
                RequestURINotSupportedError(
                    "request_uri was sent, but this provider does not fetch request objects (its "
                    "discovery says request_uri_parameter_supported false): send the "
                    "authorization parameters in the query instead (OIDC Core §6.2, §3.1.2.6)"
                )
            )


def _refuse(error: OAuth2Error) -> None:
    request_log.check("request object", False, error.description)
    raise error

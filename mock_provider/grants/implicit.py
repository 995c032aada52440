"""The implicit grant (RFC 6749 §4.2), offered only by the VULNERABLE issuer `vulnerable-implicit`.

OAuth 2.1 drops it, and RFC 9700 §2.1.2 tells clients not to use it: the access token comes back
in the fragment of the redirect URI, where the browser's history and every script on the
client's page can read it. The sandbox's attack page shows a third-party script doing exactly
that. Everywhere else this grant stays silent, so the default issuer answers
`unsupported_response_type`, as an OAuth 2.1 provider does.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.grants import ImplicitGrant as AuthlibImplicitGrant

from .. import request_log
from ..issuers import active_faults


class ImplicitGrant(AuthlibImplicitGrant):
    """Authlib's implicit grant, answering only where the `implicit-grant` fault is active."""

    @classmethod
    def check_authorization_endpoint(cls, request) -> bool:
        if not super().check_authorization_endpoint(request):
            return False
        offered = any(fault.implicit_grant for fault in active_faults())
        if offered:
            request_log.check(
                "response_type token (VULNERABLE: implicit grant offered)",
                True,
                "the access token will travel in the fragment of the redirect URI, where RFC 9700 "
                "section 2.1.2 says clients should not receive it",
            )
        return offered

"""Client credentials grant (RFC 6749 §4.4): a confidential client acting on its own behalf."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidClientError
from authlib.oauth2.rfc6749.util import extract_basic_authorization

from .. import request_log, resource_indicators, store
from ..models import Client


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Only confidential clients may use it (RFC 6749 §4.4), so `none` is not accepted."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def authenticate_token_endpoint_client(self) -> Client:
        try:
            return super().authenticate_token_endpoint_client()
        except InvalidClientError:
            # A public client has no secret to send, so telling it how to authenticate would not
            # help: say that this grant is for confidential clients only.
            named, _ = extract_basic_authorization(self.request.headers)
            client = store.get_client(self.request.payload.client_id or named or "")
            if client is not None and client.is_public:
                request_log.check(
                    "confidential client",
                    False,
                    f"client '{client.client_id}' is a public client (token_endpoint_auth_method "
                    "none), but the client_credentials grant needs a confidential client that "
                    "authenticates with its client_secret (RFC 6749 §4.4, §2.1)",
                )
            raise

    def validate_token_request(self) -> None:
        super().validate_token_request()
        # RFC 8707 §2.2: no earlier authorization limits the resources; any known one will do.
        resource_indicators.check_token_request(resource_indicators.sent(self.request))

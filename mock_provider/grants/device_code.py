"""Device authorization grant (RFC 8628 §3.4, §3.5): the device polls while the user decides."""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import InvalidGrantError
from authlib.oauth2.rfc8628 import DeviceCodeGrant as AuthlibDeviceCodeGrant

from .. import clock, request_log, resource_indicators, store
from ..issuers import current_issuer
from ..models import Client, DeviceCode, User

SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: the interval MUST be increased by 5 seconds


class DeviceCodeGrant(AuthlibDeviceCodeGrant):
    """Authlib answers authorization_pending, slow_down, expired_token and access_denied."""

    def authenticate_token_endpoint_client(self) -> Client:
        client = super().authenticate_token_endpoint_client()
        self.request.client = client  # query_device_credential compares it with the code's
        return client

    def query_device_credential(self, device_code: str) -> DeviceCode | None:
        device = store.find_device_code(device_code)
        if device is None:
            # RFC 6749 §5.2: an unknown grant is invalid_grant, not a malformed request.
            raise InvalidGrantError("device_code was not issued by this provider (RFC 8628 §3.4)")
        polling = self.request.client.client_id
        if device.client_id != polling:
            # RFC 6749 §5.2: a grant "issued to another client" is invalid_grant; Authlib would
            # answer unauthorized_client, which is about grant types.
            failure = (
                f"device_code was issued to client '{device.client_id}', not to client "
                f"'{polling}' (RFC 6749 §5.2)"
            )
            request_log.check("device_code", False, failure)
            raise InvalidGrantError(failure)
        if device.issuer != current_issuer():  # each scenario is an issuer of its own
            failure = (
                f"device_code was issued by {device.issuer}; poll that issuer's token endpoint"
            )
            request_log.check("device_code", False, failure)
            raise InvalidGrantError(failure)
        request_log.check("device_code", True, "issued by this provider to this client")
        return device

    def query_user_grant(self, user_code: str) -> tuple[User | None, bool] | None:
        device = store.find_user_code(user_code)
        if device is None or device.decision is None:
            return None
        return store.get_user(device.username), device.decision == "approved"

    def should_slow_down(self, credential: DeviceCode) -> bool:
        now = clock.now()
        last = credential.last_polled_at
        too_fast = last is not None and now - last < credential.interval
        if too_fast:
            credential.interval += SLOW_DOWN_STEP
        store.record_poll(credential, now)
        request_log.check(
            "polling interval",
            not too_fast,
            f"polled {now - last:.1f} s after the previous poll; the interval is now "
            f"{credential.interval} s"
            if too_fast and last is not None
            else f"interval {credential.interval} s respected",
        )
        return too_fast

    def validate_token_request(self) -> None:
        super().validate_token_request()
        device = self.request.credential
        # RFC 8707 §2.2: the resources the device authorization request named, else the default
        # of its scope, or some of them.
        resource_indicators.check_token_request(resource_indicators.sent(self.request), device)
        if not store.claim_device_code(device):
            raise InvalidGrantError(
                "device_code was already exchanged for tokens; this provider redeems a device code "
                "once, as RFC 6749 §10.5 asks of authorization codes"
            )
        # The OpenID extension reads nonce and auth_time from `authorization_code`.
        self.request.authorization_code = device

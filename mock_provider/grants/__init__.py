"""The grants the provider supports, one module each, named as in the specs."""

from .authorization_code import AuthorizationCodeGrant
from .client_credentials import ClientCredentialsGrant
from .device_code import DeviceCodeGrant
from .implicit import ImplicitGrant
from .openid import OpenIDCode
from .proof_key import ProofKey
from .refresh_token import RefreshTokenGrant
from .request_object import RequestObjectRefusal
from .resource_parameter import ResourceIndicator

__all__ = [
    "AuthorizationCodeGrant",
    "ClientCredentialsGrant",
    "DeviceCodeGrant",
    "ImplicitGrant",
    "OpenIDCode",
    "ProofKey",
    "RefreshTokenGrant",
    "RequestObjectRefusal",
    "ResourceIndicator",
]

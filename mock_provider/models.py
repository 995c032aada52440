"""The provider's tables, and the Authlib model methods each row answers.

Lineage is explicit: a `Grant` is one authorization a user gave a client; authorization codes,
device codes and tokens point at it, and a rotated token points at its parent. Revoking a grant
revokes everything issued under it (RFC 6749 §4.1.2 and §10.4, RFC 9700 §4.14.2).
"""

from __future__ import annotations

import hmac
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc8628 import DeviceCredentialMixin
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from . import clock, request_log
from .config import SCOPES
from .issuers import active_faults

#: The grant each response_type belongs to (RFC 6749 §3.1.1): a client registered for the grant
#: may ask for it. "token" (implicit) is offered only by the VULNERABLE implicit issuer.
RESPONSE_TYPES = {"code": "authorization_code", "token": "implicit"}


class Base(DeclarativeBase):
    """The tables' common base (SQLAlchemy's declarative mapping)."""


class Client(Base, ClientMixin):
    """A registered client (RFC 7591 §2 metadata)."""

    __tablename__ = "clients"

    client_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    client_secret: Mapped[str | None] = mapped_column(String(200))
    client_name: Mapped[str] = mapped_column(String(200), default="")
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope: Mapped[str] = mapped_column(String(500), default="")
    require_pkce: Mapped[bool] = mapped_column(Boolean, default=False)
    access_token_format: Mapped[str] = mapped_column(String(10), default="jwt")
    #: "config" for declared clients, "registration" for RFC 7591 dynamic registration.
    origin: Mapped[str] = mapped_column(String(20), default="config")
    created_at: Mapped[float] = mapped_column(Float, default=0.0)

    @property
    def is_public(self) -> bool:
        return self.client_secret is None

    @property
    def token_endpoint_auth_method(self) -> str:
        return "none" if self.is_public else "client_secret_basic"

    @property
    def client_metadata(self) -> dict[str, Any]:
        """The registered metadata, as RFC 7591 §3.2.1 returns it (and Authlib reads it)."""
        return {
            "client_name": self.client_name,
            "redirect_uris": self.redirect_uris,
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "grant_types": self.grant_types,
            "response_types": [
                response_type
                for response_type, grant_type in RESPONSE_TYPES.items()
                if grant_type in self.grant_types
            ],
            "scope": self.scope,
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
        }

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # RFC 6749 §3.1.2.3: redirect_uri may be omitted only when exactly one is registered.
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return self.scope  # RFC 6749 §3.3: the registered scope is the default
        registered = self.scope.split()
        for name in scope.split():
            if name not in SCOPES:
                raise InvalidScopeError(
                    f"scope '{name}' is unknown to this provider; it knows "
                    f"{', '.join(SCOPES)} (RFC 6749 §3.3)"
                )
            if name not in registered:
                raise InvalidScopeError(
                    f"scope '{name}' is not registered for client '{self.client_id}', "
                    f"which may ask for: {self.scope} (RFC 6749 §3.3)"
                )
        return " ".join(dict.fromkeys(scope.split()))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # RFC 9700 §4.1.3 and RFC 6749 §3.1.2.3: compare by exact string matching.
        matched = redirect_uri in self.redirect_uris
        registered = ", ".join(self.redirect_uris) or "(none)"
        if any(fault.redirect_uri_prefix_match for fault in active_faults()):
            # The deliberately VULNERABLE setting: what lenient providers did, and attackers used.
            prefixed = any(redirect_uri.startswith(uri) for uri in self.redirect_uris)
            request_log.check(
                "redirect_uri prefix match (VULNERABLE)",
                prefixed,
                f"registered {registered}; received {redirect_uri}; accepted because it starts "
                "with a registered URI, where RFC 9700 section 2.1 requires exact matching"
                if prefixed
                else f"no registered URI is a prefix of {redirect_uri}: registered {registered}",
            )
            return prefixed
        request_log.check(
            "redirect_uri exact match",
            matched,
            f"registered {registered}; received {redirect_uri}"
            if matched
            else f"redirect_uri is not registered for client '{self.client_id}': "
            f"registered {registered}; received {redirect_uri} (RFC 6749 §3.1.2.3)",
        )
        return matched

    def check_client_secret(self, client_secret: str) -> bool:
        matched = self.client_secret is not None and hmac.compare_digest(
            self.client_secret.encode(), client_secret.encode()
        )
        request_log.check(
            "client_secret",
            matched,
            "matches the registered secret"
            if matched
            else f"client_secret does not match the one registered for client '{self.client_id}'",
        )
        return matched

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            allowed = method == "none"
            why = (
                "a public client sends only its client_id"
                if allowed
                else f"client '{self.client_id}' is public: it has no secret to send"
            )
        else:
            allowed = method in ("client_secret_basic", "client_secret_post")
            why = (
                f"the client authenticated with {method}"
                if allowed
                else f"client '{self.client_id}' is confidential: it must send its client_secret "
                "in HTTP Basic or in the client_secret form field (RFC 6749 §2.3.1)"
            )
        request_log.check(f"client authentication ({method})", allowed, why)
        return allowed

    def check_response_type(self, response_type: str) -> bool:
        return response_type in self.client_metadata["response_types"]

    def check_grant_type(self, grant_type: str) -> bool:
        allowed = grant_type in self.grant_types
        registered = ", ".join(self.grant_types) or "(none)"
        request_log.check(
            "grant_type registered",
            allowed,
            f"client '{self.client_id}' may use: {registered}"
            if allowed
            else f"client '{self.client_id}' is not registered for grant_type={grant_type}; it "
            f"may use: {registered} (RFC 6749 §5.2)",
        )
        return allowed


class User(Base):
    """A person who can sign in; `claims` holds the OIDC Core §5.1 standard claims."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    sub: Mapped[str] = mapped_column(String(255), unique=True)
    password: Mapped[str | None] = mapped_column(String(200))
    claims: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def get_user_id(self) -> str:
        return self.sub


class Grant(Base):
    """One authorization: the root that codes and tokens descend from."""

    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_type: Mapped[str] = mapped_column(String(100))
    client_id: Mapped[str] = mapped_column(String(200), index=True)
    username: Mapped[str | None] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(500), default="")
    issuer: Mapped[str] = mapped_column(String(500))
    #: The resource parameters of the authorization request (RFC 8707 §2.1); None if it had none.
    resources: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float)
    revoked_reason: Mapped[str | None] = mapped_column(Text)


class AuthorizationCode(Base, AuthorizationCodeMixin):
    """An authorization code (RFC 6749 §4.1.2), with its PKCE challenge (RFC 7636 §4.4)."""

    __tablename__ = "authorization_codes"

    code: Mapped[str] = mapped_column(String(200), primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"))
    client_id: Mapped[str] = mapped_column(String(200))
    username: Mapped[str] = mapped_column(String(200))
    redirect_uri: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(500), default="")
    nonce: Mapped[str | None] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(200))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    auth_time: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    redeemed_at: Mapped[float | None] = mapped_column(Float)

    grant: Mapped[Grant] = relationship(lazy="joined")

    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None

    def is_expired(self) -> bool:
        return clock.now() >= self.expires_at


class Token(Base, TokenMixin):
    """An access token and its optional refresh token (RFC 6749 §1.4, §1.5)."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"))
    client_id: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(200))
    token_type: Mapped[str] = mapped_column(String(40), default="Bearer")
    access_token: Mapped[str] = mapped_column(Text, unique=True)
    refresh_token: Mapped[str | None] = mapped_column(String(255), unique=True)
    scope: Mapped[str] = mapped_column(String(500), default="")
    #: The access token's `aud` (RFC 9068 §3), kept for opaque tokens and introspection too.
    audience: Mapped[list[str] | None] = mapped_column(JSON)
    issued_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    refresh_expires_at: Mapped[float | None] = mapped_column(Float)
    #: Set when the refresh token has been exchanged for a new pair (rotation).
    rotated_at: Mapped[float | None] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float)

    grant: Mapped[Grant] = relationship(lazy="joined")
    client: Mapped[Client] = relationship(
        primaryjoin="Token.client_id == Client.client_id", foreign_keys=[client_id], lazy="joined"
    )
    user: Mapped[User | None] = relationship(
        primaryjoin="Token.username == User.username", foreign_keys=[username], lazy="joined"
    )

    def check_client(self, client: Client) -> bool:
        # Authlib asks this before revoking: RFC 7009 §2.1 refuses a token of another client.
        issued_to = self.client_id == client.client_id
        request_log.check(
            "token issued to this client",
            issued_to,
            f"issued to client '{client.client_id}'"
            if issued_to
            else f"the token was issued to client '{self.client_id}', not to client "
            f"'{client.client_id}'; a client may revoke only its own tokens (RFC 7009 §2.1)",
        )
        return issued_to

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int(self.expires_at - self.issued_at)

    def is_expired(self) -> bool:
        return clock.now() >= self.expires_at

    def is_refresh_token_expired(self) -> bool:
        return self.refresh_expires_at is not None and clock.now() >= self.refresh_expires_at

    def is_revoked(self) -> bool:
        return self.revoked_at is not None or self.grant.revoked_at is not None

    def get_user(self) -> User | None:
        return self.user

    def get_client(self) -> Client:
        return self.client


class DeviceCode(Base, DeviceCredentialMixin):
    """A device authorization (RFC 8628 §3.2) and the user's decision on it."""

    __tablename__ = "device_codes"

    device_code: Mapped[str] = mapped_column(String(200), primary_key=True)
    user_code: Mapped[str] = mapped_column(String(20), unique=True)
    client_id: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(500), default="")
    issuer: Mapped[str] = mapped_column(String(500))
    issued_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    interval: Mapped[int] = mapped_column(Integer)
    last_polled_at: Mapped[float | None] = mapped_column(Float)
    username: Mapped[str | None] = mapped_column(String(200))
    #: None while pending, then "approved" or "denied".
    decision: Mapped[str | None] = mapped_column(String(10))
    auth_time: Mapped[int | None] = mapped_column(Integer)
    #: The resource parameters of the device authorization request (RFC 8707 §2); None if none.
    resources: Mapped[list[str] | None] = mapped_column(JSON)
    #: Set once tokens were issued: a device code is redeemed only once.
    redeemed_at: Mapped[float | None] = mapped_column(Float)

    def get_client_id(self) -> str:
        return self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_user_code(self) -> str:
        return self.user_code

    def get_nonce(self) -> None:
        return None

    def get_auth_time(self) -> int | None:
        return self.auth_time

    def get_acr(self) -> None:  # the OpenID extension reads these from the device code too
        return None

    def get_amr(self) -> None:
        return None

    def is_expired(self) -> bool:
        return clock.now() >= self.expires_at


class Consent(Base):
    """The scopes a user has already allowed a client, so consent is asked once."""

    __tablename__ = "consents"

    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    scope: Mapped[str] = mapped_column(String(500))


class SigningKey(Base):
    """An RS256 signing key; retired keys stay published in the JWKS until reset."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(100), primary_key=True)
    private_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Setting(Base):
    """Small shared values every worker must agree on (clock offset, cookie secret)."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LogEntry(Base):
    """One request the provider received, its response and the checks it ran."""

    __tablename__ = "request_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[float] = mapped_column(Float)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str | None] = mapped_column(String(200), index=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

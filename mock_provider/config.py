"""The provider's configuration: clients, users and lifetimes, read from TOML and validated.

A config file has the shape of `seed.toml` beside this module. Each section a file declares
(`[lifetimes]`, `[clients.*]`, `[users.*]`) replaces the seeded one. Every error names the file,
the key and what was expected, and unknown keys are rejected, so a typo never passes silently.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .redirect_uris import scheme_of

SEED_FILE = Path(__file__).with_name("seed.toml")

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials", DEVICE_CODE_GRANT)
SCOPES = {
    "openid": "Sign you in and tell the app who you are (your account id).",
    "profile": "See your name, preferred username and locale.",
    "email": "See your email address and whether it is verified.",
    "photos.read": "View your photos through the demo photos API.",
    "photos.write": "Add photos through the demo photos API.",
}
TOKEN_FORMATS = ("jwt", "opaque")
USER_CLAIMS = (
    "sub",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "email",
    "email_verified",
    "locale",
    "picture",
)


class ConfigError(ValueError):
    """A config file is invalid; the message names the file, the key and what was expected."""


@dataclass(frozen=True)
class Lifetimes:
    """How long each credential lives, in seconds."""

    authorization_code: int = 600
    access_token: int = 3600
    refresh_token: int = 30 * 24 * 3600
    id_token: int = 3600
    device_code: int = 600
    device_poll_interval: int = 5


@dataclass(frozen=True)
class ClientSpec:
    """A client as declared in config (RFC 7591 §2 metadata names)."""

    client_id: str
    client_name: str = ""
    client_secret: str | None = None
    redirect_uris: tuple[str, ...] = ()
    post_logout_redirect_uris: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ("authorization_code",)
    scope: str = "openid"
    require_pkce: bool = False
    access_token_format: str = "jwt"


@dataclass(frozen=True)
class UserSpec:
    """A seeded person who can sign in; `claims` are OIDC Core §5.1 standard claims."""

    username: str
    claims: dict[str, Any]
    password: str | None = None


@dataclass(frozen=True)
class ProviderConfig:
    """Everything the provider needs to start. Tests build one directly; the CLI reads files."""

    issuer: str = "http://127.0.0.1:9000"
    #: Any SQLAlchemy URL; in-memory SQLite (the default) means a throwaway file, removed at exit.
    database_url: str = "sqlite://"
    clients: tuple[ClientSpec, ...] = ()
    users: tuple[UserSpec, ...] = ()
    lifetimes: Lifetimes = field(default_factory=Lifetimes)
    auto_login: str | None = None
    #: A fixed start time for the clock (tests); None follows the wall clock.
    clock_start: float | None = None
    #: Required by the control API when the provider is reachable beyond loopback.
    instructor_token: str | None = None
    #: `[registration] open`: False turns dynamic client registration (RFC 7591) off.
    registration_open: bool = True
    #: `[resources] uris`: APIs beyond the provider's own that clients may name (RFC 8707 §2).
    resources: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides: Any) -> ProviderConfig:
        """Read the seed, overlay the file at `path` (if any), then apply keyword overrides."""
        sections = _read_toml(SEED_FILE)
        if path is not None:
            sections.update(_read_toml(Path(path)))
        return cls.from_mapping(sections, str(path or SEED_FILE), **overrides)

    @classmethod
    def from_mapping(
        cls, sections: dict[str, Any], source: str, **overrides: Any
    ) -> ProviderConfig:
        """Validate config-file-shaped data; `source` names where it came from in errors."""
        unknown = set(sections) - {"lifetimes", "clients", "users", "registration", "resources"}
        if unknown:
            raise ConfigError(
                f"{source}: unknown section [{sorted(unknown)[0]}]; expected [lifetimes], "
                "[clients.<client_id>], [users.<username>], [registration] or [resources]"
            )
        config = cls(
            registration_open=_registration_open(source, sections.get("registration", {})),
            resources=_resources(source, sections.get("resources", {})),
            lifetimes=_lifetimes(source, sections.get("lifetimes", {})),
            clients=tuple(
                _client(source, cid, table) for cid, table in _tables(source, sections, "clients")
            ),
            users=_unique_subjects(
                source,
                tuple(
                    _user(source, name, table) for name, table in _tables(source, sections, "users")
                ),
            ),
        )
        config = config.replace(**overrides)
        config.check_auto_login(source, "--auto-login")
        return config

    def check_auto_login(self, source: str, setting: str) -> None:
        """The auto-login user must be one of the declared users."""
        if self.auto_login and self.auto_login not in {u.username for u in self.users}:
            raise ConfigError(
                f"{source}: {setting} names user '{self.auto_login}', which is not declared; "
                f"expected one of {sorted(u.username for u in self.users)}"
            )

    def replace(self, **changes: Any) -> ProviderConfig:
        """Return a copy with some fields changed (None values are ignored)."""
        known = {f.name for f in fields(self)}
        kept = {k: v for k, v in changes.items() if v is not None and k in known}
        return ProviderConfig(**{**self.__dict__, **kept})


def seed_sections() -> dict[str, Any]:
    """The seeded clients, users and lifetimes, as config-file-shaped data."""
    return _read_toml(SEED_FILE)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML (a TOML file is UTF-8 text)") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from None


def _tables(source: str, sections: dict[str, Any], name: str) -> list[tuple[str, dict[str, Any]]]:
    section = sections.get(name, {})
    for key, value in section.items():
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: [{name}] {key}: expected a table [{name}.{key}]")
    return list(section.items())


def _check_keys(source: str, where: str, table: dict[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"{source}: [{where}] unknown key '{key}'; expected one of {sorted(allowed)}"
            )


def _expect(source: str, where: str, key: str, value: Any, kind: type, what: str) -> Any:
    # bool is an int in Python; an integer setting must not accept `true`.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{source}: [{where}] {key}: expected {what}, got {value!r}")
    return value


def _lifetimes(source: str, table: dict[str, Any]) -> Lifetimes:
    allowed = {f.name for f in fields(Lifetimes)}
    _check_keys(source, "lifetimes", table, allowed)
    for key, value in table.items():
        _expect(source, "lifetimes", key, value, int, "a whole number of seconds")
        if value <= 0:
            raise ConfigError(
                f"{source}: [lifetimes] {key}: expected a positive number, got {value}"
            )
    return Lifetimes(**table)


def _registration_open(source: str, table: Any) -> bool:
    """`[registration] open = false` closes dynamic registration: only declared clients exist."""
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [registration]: expected a table [registration]")
    _check_keys(source, "registration", table, {"open"})
    return _expect(source, "registration", "open", table.get("open", True), bool, "true or false")


def _resources(source: str, table: Any) -> tuple[str, ...]:
    """`[resources] uris`: the resource indicators of APIs that accept this provider's tokens."""
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [resources]: expected a table [resources]")
    _check_keys(source, "resources", table, {"uris"})
    what = "a list of absolute URIs without a fragment"
    uris = _expect(source, "resources", "uris", table.get("uris", []), list, what)
    for uri in uris:
        # RFC 8707 §2: a resource indicator MUST be an absolute URI and MUST NOT include a
        # fragment component.
        if not isinstance(uri, str) or not scheme_of(uri) or "#" in uri:
            raise ConfigError(f"{source}: [resources] uris: expected {what}, got {uri!r}")
    return tuple(uris)


def _urls(source: str, where: str, key: str, value: Any) -> tuple[str, ...]:
    what = "a list of absolute http(s) URLs with a host, without user info or a fragment"
    _expect(source, where, key, value, list, what)
    for url in value:
        if not _is_redirect_url(url):
            raise ConfigError(f"{source}: [{where}] {key}: expected {what}, got {url!r}")
    return tuple(value)


def _is_redirect_url(url: Any) -> bool:
    """RFC 6749 §3.1.2: a redirection endpoint URI MUST be absolute and MUST NOT include a
    fragment component, not even an empty one ("#"). User info would disguise the host
    (https://provider.test@attacker.test/), as dynamic registration also refuses."""
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
    except ValueError:  # such as an unclosed [ in the host
        return False
    return bool(
        parts
        and parts.scheme in ("http", "https")
        and parts.hostname
        and "@" not in parts.netloc
        and "#" not in url
    )


def _client(source: str, client_id: str, table: dict[str, Any]) -> ClientSpec:
    where = f"clients.{client_id}"
    allowed = {f.name for f in fields(ClientSpec)} - {"client_id"}
    _check_keys(source, where, table, allowed)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in ("redirect_uris", "post_logout_redirect_uris"):
            values[key] = _urls(source, where, key, value)
        elif key == "grant_types":
            _expect(source, where, key, value, list, f"a list drawn from {list(GRANT_TYPES)}")
            for grant_type in value:
                if grant_type not in GRANT_TYPES:
                    raise ConfigError(
                        f"{source}: [{where}] grant_types: unknown grant type {grant_type!r}; "
                        f"expected values from {list(GRANT_TYPES)}"
                    )
            values[key] = tuple(value)
        elif key == "scope":
            _expect(source, where, key, value, str, "a space-separated string of scopes")
            unknown = [s for s in value.split() if s not in SCOPES]
            if unknown:
                raise ConfigError(
                    f"{source}: [{where}] scope: unknown scope {unknown[0]!r}; "
                    f"expected scopes from {sorted(SCOPES)}"
                )
            values[key] = value
        elif key == "require_pkce":
            values[key] = _expect(source, where, key, value, bool, "true or false")
        elif key == "access_token_format":
            if value not in TOKEN_FORMATS:
                raise ConfigError(
                    f"{source}: [{where}] access_token_format: expected one of "
                    f"{list(TOKEN_FORMATS)}, got {value!r}"
                )
            values[key] = value
        else:
            values[key] = _expect(source, where, key, value, str, "a string")
    spec = ClientSpec(client_id=client_id, **values)
    needs_redirect = "authorization_code" in spec.grant_types
    if needs_redirect and not spec.redirect_uris:
        raise ConfigError(
            f"{source}: [{where}] redirect_uris: expected at least one URL, because the client "
            "uses the authorization_code grant (RFC 6749 §3.1.2.2)"
        )
    if spec.client_secret == "":
        raise ConfigError(
            f"{source}: [{where}] client_secret: expected a secret, got an empty string; leave "
            "the key out to declare a public client"
        )
    if "client_credentials" in spec.grant_types and spec.client_secret is None:
        raise ConfigError(
            f"{source}: [{where}] client_secret: expected a secret, because only confidential "
            "clients may use the client_credentials grant (RFC 6749 §4.4)"
        )
    return spec


def _unique_subjects(source: str, users: tuple[UserSpec, ...]) -> tuple[UserSpec, ...]:
    """OIDC Core §2: `sub` identifies one end-user at the issuer, never two."""
    holders: dict[str, str] = {}
    for user in users:
        sub = user.claims["sub"]
        if sub in holders:
            raise ConfigError(
                f"{source}: [users.{user.username}] sub: expected a subject of its own, but "
                f"{sub!r} is already the sub of [users.{holders[sub]}] (OIDC Core §2)"
            )
        holders[sub] = user.username
    return users


def _user(source: str, username: str, table: dict[str, Any]) -> UserSpec:
    where = f"users.{username}"
    _check_keys(source, where, table, {*USER_CLAIMS, "password"})
    for key, value in table.items():
        kind, what = (bool, "true or false") if key == "email_verified" else (str, "a string")
        _expect(source, where, key, value, kind, what)
    claims = {k: v for k, v in table.items() if k != "password"}
    claims.setdefault("sub", username)
    claims.setdefault("preferred_username", username)
    return UserSpec(username=username, claims=claims, password=table.get("password"))

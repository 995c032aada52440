"""Starting the mock provider from the command line: its config, its socket, its start-up lines.

Only `oauth-sandbox provider` imports this module, so the sandbox's process (`run`, `sandbox`)
never loads the provider's stack (SQLAlchemy, Authlib's server), and the provider starts sooner.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from mock_provider import is_loopback, keys
from mock_provider.config import ConfigError, ProviderConfig, seed_sections
from mock_provider.server import BoundProvider, bind

from .listening import cannot_listen


def default_database_url() -> str:
    """A SQLite file in the user's state directory, so registrations survive a restart."""
    state_home = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    folder = Path(state_home) / "oauth-sandbox"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.ClickException(
            f"cannot keep the provider's database in {folder} ({error.strerror}): set "
            "XDG_STATE_HOME to a writable directory, or pass --database"
        ) from None
    return f"sqlite:///{folder / 'provider.sqlite3'}"


def bind_provider(
    host,
    port,
    config_file,
    auto_login,
    database,
    issuer,
    port_option="oauth-sandbox provider --port",
) -> BoundProvider:
    """The configured provider, bound to host:port; a ClickException saying what is wrong."""
    beyond_loopback = not is_loopback(host)
    if auto_login and config_file is None:
        _check_seeded_user(auto_login)
    try:
        config = ProviderConfig.load(
            config_file,
            auto_login=auto_login,
            database_url=database or default_database_url(),
            issuer=issuer.rstrip("/") if issuer else None,
            instructor_token=secrets.token_urlsafe(16) if beyond_loopback else None,
        )
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if beyond_loopback:
        # Authlib refuses plain http beyond loopback unless told otherwise (RFC 6749 §10.9).
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        return bind(config, host, port)
    except ConfigError as error:  # the database disagrees with the config
        raise click.ClickException(f"{config_file or 'the seeded users'}: {error}") from None
    except (SQLAlchemyError, ImportError) as error:  # a bad URL, a missing driver, no server
        raise click.ClickException(
            f"--database {_without_password(config.database_url)}: cannot use it ({_why(error)})"
        ) from None
    except (OSError, ValueError) as error:  # ValueError: waitress, a host that resolves to nothing
        raise cannot_listen(host, port, error, port_option) from None


def _check_seeded_user(auto_login: str) -> None:
    """Without --config, --auto-login must name a seeded user. The message names them and says
    how to declare another, not the packaged seed file: no file a learner wrote or should edit."""
    seeded = list(seed_sections().get("users", {}))
    if auto_login not in seeded:
        raise click.ClickException(
            f"--auto-login {auto_login}: not one of the seeded users ({', '.join(seeded)}). To "
            f"sign in as another user, declare it in a TOML file as [users.{auto_login}] and pass "
            "that file with --config FILE."
        )


def _why(error: Exception) -> str:
    """The first line of a database error, or which driver is missing."""
    if isinstance(error, ImportError):
        return f"its driver {error.name or error} is not installed"
    return str(getattr(error, "orig", None) or error).splitlines()[0]


def announce(bound: BoundProvider, host: str, started: float) -> None:
    """Print the issuer, the useful URLs, the clients and the users, then "ready in"."""
    config: ProviderConfig = bound.app.extensions["mock_provider"].config
    beyond_loopback = not is_loopback(host)
    warn = click.style("WARNING", fg="yellow", bold=True)
    click.echo(keys.WARNING.replace("WARNING", warn), err=True)
    if beyond_loopback:
        click.echo(
            f"mock_provider {warn}: listening beyond loopback over plain http. Anyone on this "
            "network can reach it. The control API needs the instructor token below.",
            err=True,
        )
    issuer = config.issuer
    path = urlsplit(issuer).path
    if path:
        click.echo(
            f"mock_provider {warn}: the issuer has a path ({path}), but the provider serves its "
            f"endpoints at the root of the address it listens on: clients reach them only "
            f"through a proxy that strips {path}.",
            err=True,
        )
    root = issuer.split("/scenarios/")[0]
    lines = [
        f"mock_provider: issuer {click.style(issuer, bold=True)}",
        f"  discovery   {issuer}/.well-known/openid-configuration",
        f"  control API {root}/control",
        f"  database    {_without_password(config.database_url)}",
    ]
    if config.instructor_token:
        lines.append(f"  instructor token  {config.instructor_token}")
        lines.append(f"  instructor sign-in for a browser (attack demos)  {root}/instructor")
    if config.auto_login:
        lines.append(f"  auto-login  {config.auto_login} (signed in and consenting at once)")
    lines.append("clients:")
    for client in config.clients:
        kind = _client_kind(client, beyond_loopback)
        lines.append(f"  {client.client_id:<16} {kind:<32} {', '.join(client.grant_types)}")
        if client.redirect_uris:
            lines.append(f"  {'':<16} redirect_uris {' '.join(client.redirect_uris)}")
    lines.append("users:")
    for user in config.users:
        how = f"password: {user.password}" if user.password else "one click, no password"
        lines.append(f"  {user.username:<16} {user.claims.get('name', '')} ({how})")
    lines.append(f"ready in {(time.perf_counter() - started) * 1000:.0f} ms. Press Ctrl-C to stop.")
    click.echo("\n".join(lines))
    sys.stdout.flush()


def _without_password(database_url: str) -> str:
    """The database URL as printed: a PostgreSQL password must not reach a projected screen."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL at all, so it holds no password to hide
        return database_url


def _client_kind(client, beyond_loopback: bool) -> str:
    """How a client authenticates, for the start-up listing.

    On loopback the secret is printed: the learner at this machine needs it to configure an
    app, and the seeded ones are printed in the docs anyway. Beyond loopback the terminal is
    often projected to a room, and a config file may hold secrets that are not teaching
    values, so the listing only says that there is one (RFC 6749 §2.3.1: the client
    secret is a credential, known only to the client and the provider)."""
    if client.client_secret is None:
        return "public, PKCE" if "authorization_code" in client.grant_types else "public"
    if beyond_loopback:
        return "secret (hidden beyond loopback)"
    return f"secret {client.client_secret}"

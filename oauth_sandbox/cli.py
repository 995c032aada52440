"""The `oauth-sandbox` command.

`oauth-sandbox provider` serves the mock provider with waitress, prints what a learner needs
(the issuer, the seeded clients and users, the useful URLs) and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path

import click

from mock_provider import is_loopback, keys
from mock_provider.config import ConfigError, ProviderConfig
from mock_provider.server import bind


def default_database_url() -> str:
    """A SQLite file in the user's state directory, so registrations survive a restart."""
    state_home = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    folder = Path(state_home) / "oauth-sandbox"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'provider.sqlite3'}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="oauth-sandbox")
def main() -> None:
    """An offline OAuth 2.0 / OpenID Connect teaching sandbox and mock provider."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    default=9000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to bind (0 picks a free one).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML file declaring clients, users and lifetimes (see the reference).",
)
@click.option(
    "--auto-login",
    metavar="USER",
    help="Sign USER in and grant consent at once; every check still runs.",
)
@click.option(
    "--database",
    metavar="URL",
    help="SQLAlchemy database URL. [default: a SQLite file in ~/.local/state]",
)
@click.option(
    "--issuer",
    metavar="URL",
    help="Issuer identifier. [default: http://HOST:PORT, no trailing slash]",
)
def provider(host, port, config_file, auto_login, database, issuer) -> None:
    """Serve the mock OAuth 2.0 / OpenID Connect provider."""
    started = time.perf_counter()
    beyond_loopback = not is_loopback(host)
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
        bound = bind(config, host, port)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from None
    _announce(bound.app.extensions["mock_provider"].config, beyond_loopback, started)
    try:
        bound.serve()  # returns on Ctrl-C: waitress catches KeyboardInterrupt itself
    except KeyboardInterrupt:
        pass  # Ctrl-C that arrives outside waitress's loop
    finally:
        bound.close()
    click.echo("\nmock_provider: stopped.")


def _announce(config: ProviderConfig, beyond_loopback: bool, started: float) -> None:
    warn = click.style("WARNING", fg="yellow", bold=True)
    click.echo(keys.WARNING.replace("WARNING", warn), err=True)
    if beyond_loopback:
        click.echo(
            f"mock_provider {warn}: listening beyond loopback over plain http. Anyone on this "
            "network can reach it. The control API needs the instructor token below.",
            err=True,
        )
    issuer = config.issuer
    lines = [
        f"mock_provider: issuer {click.style(issuer, bold=True)}",
        f"  discovery   {issuer}/.well-known/openid-configuration",
        f"  control API {issuer.split('/scenarios/')[0]}/control",
        f"  database    {config.database_url}",
    ]
    if config.instructor_token:
        lines.append(f"  instructor token  {config.instructor_token}")
    if config.auto_login:
        lines.append(f"  auto-login  {config.auto_login} (signed in and consenting at once)")
    lines.append("clients:")
    for client in config.clients:
        kind = "public, PKCE" if client.client_secret is None else f"secret {client.client_secret}"
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

"""The `oauth-sandbox` command.

`oauth-sandbox` (or `oauth-sandbox run`) starts both apps; `oauth-sandbox provider` serves only the
mock provider and `oauth-sandbox sandbox --issuer URL` only the client app. Each is served by
waitress, prints what a learner needs, and stops cleanly on Ctrl-C. This module is the one place
that knows both apps; they still talk to each other over HTTP only.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import threading
import time
import webbrowser
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import click
from sqlalchemy.engine import make_url
from waitress.server import create_server

from mock_provider import is_loopback, keys
from mock_provider.config import ConfigError, ProviderConfig
from mock_provider.server import BoundProvider, bind
from sandbox import SandboxConfig
from sandbox import create_app as create_sandbox_app
from sandbox.attacker import create_attacker_app
from sandbox.playlists import PlaylistError

from .provider_process import ProviderProcess


def default_database_url() -> str:
    """A SQLite file in the user's state directory, so registrations survive a restart."""
    state_home = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    folder = Path(state_home) / "oauth-sandbox"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'provider.sqlite3'}"


HOST_OPTION = click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind."
)


def port_option(default: int):
    return click.option(
        "--port",
        default=default,
        show_default=True,
        type=click.IntRange(0, 65535),
        help="Port to bind (0 picks a free one).",
    )


PLAYLIST_OPTION = click.option(
    "--playlist",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML playlist of failure scenarios for the instructor page (see the how-to).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.version_option(package_name="oauth-sandbox")
@click.pass_context
def main(context: click.Context) -> None:
    """An offline OAuth 2.0 / OpenID Connect teaching sandbox and mock provider.

    With no command, starts both apps (the same as `oauth-sandbox run`).
    """
    if context.invoked_subcommand is None:
        context.invoke(run)


@main.command()
@HOST_OPTION
@port_option(9000)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML file declaring clients, users and lifetimes (see the reference).",
)
@click.option(
    "--auto-login",
    metavar="USER",
    help="Sign USER in and grant consent at once (prompt=consent still asks); every check runs.",
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
@click.option("--stop-with-parent", is_flag=True, hidden=True)  # set by `run` (its child)
def provider(host, port, config_file, auto_login, database, issuer, stop_with_parent) -> None:
    """Serve the mock OAuth 2.0 / OpenID Connect provider."""
    started = time.perf_counter()
    bound = _bind_provider(host, port, config_file, auto_login, database, issuer)
    _announce(bound.app.extensions["mock_provider"].config, not is_loopback(host), started)
    if stop_with_parent:
        _stop_when_stdin_closes()
    _serve_until_interrupted(bound.serve, bound.close)
    click.echo("\nmock_provider: stopped.")


def _bind_provider(host, port, config_file, auto_login, database, issuer) -> BoundProvider:
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
        return bind(config, host, port)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from None


@main.command("sandbox")
@HOST_OPTION
@port_option(8000)
@click.option(
    "--issuer",
    default="http://127.0.0.1:9000",
    show_default=True,
    metavar="URL",
    help="The provider to learn from; every endpoint comes from its discovery.",
)
@click.option("--client-id", metavar="ID", help="Use this client instead of registering one.")
@click.option("--client-secret", metavar="SECRET", help="The secret of --client-id, if any.")
@click.option(
    "--instructor-token",
    metavar="TOKEN",
    envvar="OAUTH_SANDBOX_INSTRUCTOR_TOKEN",
    help="The token a provider beyond loopback printed at start-up: this sandbox's instructor "
    "page and provider views then work with it. Loopback only. [env: "
    "OAUTH_SANDBOX_INSTRUCTOR_TOKEN]",
)
@PLAYLIST_OPTION
def sandbox_command(
    host, port, issuer, client_id, client_secret, instructor_token, playlist
) -> None:
    """Serve only the client app, against any issuer."""
    if instructor_token and not is_loopback(host):
        raise click.ClickException(
            f"--instructor-token with --host {host} would hand the provider's controls to "
            "everyone who can reach this sandbox: run the instructor's sandbox on 127.0.0.1."
        )
    started = time.perf_counter()
    server, base_url = _bind_sandbox(
        host, port, issuer.rstrip("/"), client_id, client_secret, playlist, instructor_token
    )
    click.echo(f"sandbox: open {click.style(base_url, bold=True)} (issuer {issuer.rstrip('/')})")
    click.echo(f"ready in {(time.perf_counter() - started) * 1000:.0f} ms. Press Ctrl-C to stop.")
    _serve_until_interrupted(server.run, server.close)
    click.echo("\nsandbox: stopped.")


@main.command()
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="The sandbox's port.",
)
@click.option(
    "--provider-port",
    default=9000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="The mock provider's port.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the sandbox in a browser.")
@PLAYLIST_OPTION
def run(
    port: int = 8000,
    provider_port: int = 9000,
    open_browser: bool = False,
    playlist: Path | None = None,
) -> None:
    """Start the mock provider and the sandbox together, on loopback.

    The provider runs in a process of its own, as `oauth-sandbox provider`: each app then has
    an interpreter (and a core) to itself, so a class's load on the sandbox never slows the
    provider's answers, and each app's memory can be read on its own.
    """
    started = time.perf_counter()
    provider = ProviderProcess.start(provider_port)
    try:
        server, base_url = _bind_sandbox("127.0.0.1", port, provider.issuer, None, None, playlist)
    except click.ClickException:
        provider.stop()
        raise
    attacker_url = server.application.extensions["sandbox"].config.attacker_base_url  # type: ignore[union-attr]
    attacker = _start_attacker(attacker_url)
    click.echo(f"sandbox: open {click.style(base_url, bold=True)}")
    if attacker is not None:
        click.echo(f"sandbox: the attacker's site (for the attack pages) is {attacker_url}")
    click.echo(f"ready in {(time.perf_counter() - started) * 1000:.0f} ms. Press Ctrl-C to stop.")
    if open_browser:
        webbrowser.open(base_url)
    try:
        _serve_until_interrupted(server.run, server.close)
    finally:
        provider.stop()
        if attacker is not None:
            attacker.close()
    click.echo("\noauth-sandbox: stopped.")


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _stop_when_stdin_closes() -> None:
    """Stop as on SIGTERM once stdin reaches its end.

    `run` holds the other end of this pipe for as long as it lives, so the pipe closes when it
    exits, even killed with SIGKILL: the provider then stops instead of holding its port.
    """

    def watch() -> None:
        sys.stdin.buffer.read()
        signal.raise_signal(signal.SIGTERM)

    threading.Thread(target=watch, name="parent watch", daemon=True).start()


def _start_attacker(url: str):
    """Serve the attacker's site (the attack pages' other origin) on its port, in a thread."""
    parts = urlsplit(url)
    try:
        server = create_server(
            create_attacker_app(), host=parts.hostname, port=parts.port, threads=2, ident="attacker"
        )
    except OSError as error:
        warn = click.style("WARNING", fg="yellow", bold=True)
        click.echo(
            f"sandbox {warn}: the attacker's site cannot listen on {parts.netloc} "
            f"({error.strerror}); the Secure and vulnerable pages need it.",
            err=True,
        )
        return None
    threading.Thread(target=server.run, name="attacker", daemon=True).start()
    return server


def _bind_sandbox(
    host, port, issuer, client_id, client_secret, playlist=None, instructor_token=None
):
    """Bind the sandbox's socket, then create the app knowing its real base URL."""
    try:  # a bad playlist stops the start before anything listens
        config = SandboxConfig(
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            playlist=playlist,
            instructor_token=instructor_token,
        )
    except PlaylistError as error:
        raise click.ClickException(str(error)) from None
    try:
        server = create_server(_not_ready, host=host, port=port, threads=8, ident="sandbox")
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from None
    base_url = f"http://{host}:{server.effective_port}"  # type: ignore[union-attr]
    server.application = create_sandbox_app(replace(config, base_url=base_url))  # type: ignore[union-attr]
    return server, base_url


def _not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def _serve_until_interrupted(serve, close) -> None:
    """Serve until Ctrl-C (waitress catches it inside its loop and returns), then close.

    A SIGTERM (a service manager, a script's terminate(), `run` stopping its provider) stops
    the server the same way, so it always closes cleanly and says so. SIGINT is handled even
    when the shell started the command in the background with SIGINT ignored (`(cmd &)`), so
    `kill -INT` stops it wherever it was started.
    """
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        serve()
    except KeyboardInterrupt:
        return  # a Ctrl-C that arrived outside waitress's loop; `finally` still closes
    finally:
        close()


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
        f"  database    {_without_password(config.database_url)}",
    ]
    if config.instructor_token:
        lines.append(f"  instructor token  {config.instructor_token}")
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
    return make_url(database_url).render_as_string(hide_password=True)


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


if __name__ == "__main__":  # `python -m oauth_sandbox.cli`: how `run` starts the provider
    main()

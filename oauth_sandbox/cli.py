"""The `oauth-sandbox` command.

`oauth-sandbox` (or `oauth-sandbox run`) starts both apps; `oauth-sandbox provider` serves only the
mock provider and `oauth-sandbox sandbox --issuer URL` only the client app. Each is served by
waitress, prints what a learner needs, and stops cleanly on Ctrl-C. This package is the one place
that knows both apps; they still talk to each other over HTTP only.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import click

from .provider_process import ProviderProcess

# Each app's stack is imported by the commands that serve it (provider_startup, sandbox_startup),
# so `run`'s two processes load one app each, and each starts sooner and holds less memory.


HOST_OPTION = click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind."
)


def port_option(
    default: int, highest: int = 65535, help: str = "Port to bind (0 picks a free one)."
):
    return click.option(
        "--port", default=default, show_default=True, type=click.IntRange(0, highest), help=help
    )


#: The sandbox serves the attacker's site of its attack pages on its own port + 1.
SANDBOX_PORT_HELP = "Port to bind (0 picks a free one); the attacker's site takes the next one."


def issuer_url(_context: click.Context, _parameter: click.Parameter, value: str | None):
    """An issuer is an http(s) URL with a host and no query or fragment (RFC 8414 §2)."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise click.BadParameter(
            f"expected an http(s) URL with a host and no query or fragment, such as "
            f"http://127.0.0.1:9000, got {value!r} (RFC 8414 §2)"
        )
    return value


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
    callback=issuer_url,
    help="Issuer identifier. [default: http://HOST:PORT, no trailing slash]",
)
@click.option("--stop-with-parent", is_flag=True, hidden=True)  # set by `run` (its child)
def provider(host, port, config_file, auto_login, database, issuer, stop_with_parent) -> None:
    """Serve the mock OAuth 2.0 / OpenID Connect provider."""
    with _until_stopped("mock_provider"):
        from . import provider_startup

        started = time.perf_counter()
        # `run` starts its provider with --stop-with-parent, from its own --provider-port.
        port_option = (
            "oauth-sandbox run --provider-port"
            if stop_with_parent
            else "oauth-sandbox provider --port"
        )
        bound = provider_startup.bind_provider(
            host, port, config_file, auto_login, database, issuer, port_option
        )
        try:
            provider_startup.announce(bound, host, started)
            if stop_with_parent:
                _stop_when_stdin_closes()
            bound.serve()
        finally:
            bound.close()


@main.command("sandbox")
@HOST_OPTION
@port_option(8000, highest=65534, help=SANDBOX_PORT_HELP)
@click.option(
    "--issuer",
    default="http://127.0.0.1:9000",
    show_default=True,
    metavar="URL",
    callback=issuer_url,
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
    with _until_stopped("sandbox"):
        from .sandbox_startup import bind_sandbox, is_loopback, start_attacker

        if instructor_token and not is_loopback(host):
            raise click.ClickException(
                f"--instructor-token with --host {host} would hand the provider's controls to "
                "everyone who can reach this sandbox: run the instructor's sandbox on 127.0.0.1."
            )
        started = time.perf_counter()
        server, base_url = bind_sandbox(
            host, port, issuer.rstrip("/"), client_id, client_secret, playlist, instructor_token
        )
        attacker = None
        try:
            click.echo(
                f"sandbox: open {click.style(base_url, bold=True)} (issuer {issuer.rstrip('/')})"
            )
            attacker = start_attacker(server)
            click.echo(
                f"ready in {(time.perf_counter() - started) * 1000:.0f} ms. Press Ctrl-C to stop."
            )
            server.run()
        finally:
            server.close()
            if attacker is not None:
                attacker.close()


@main.command()
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65534),
    help="The sandbox's port; the attacker's site takes the next one.",
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
    with _until_stopped("oauth-sandbox"):
        from .sandbox_startup import bind_sandbox, start_attacker

        started = time.perf_counter()
        provider = ProviderProcess.start(provider_port)
        server = attacker = None
        try:
            server, base_url = bind_sandbox(
                "127.0.0.1", port, provider.issuer, None, None, playlist,
                port_option="oauth-sandbox run --port",
            )  # fmt: skip
            click.echo(f"sandbox: open {click.style(base_url, bold=True)}")
            attacker = start_attacker(server)
            click.echo(
                f"ready in {(time.perf_counter() - started) * 1000:.0f} ms. Press Ctrl-C to stop."
            )
            if open_browser:
                import webbrowser

                webbrowser.open(base_url)
            server.run()
        finally:
            if server is not None:
                server.close()
            provider.stop()
            if attacker is not None:
                attacker.close()


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def _until_stopped(app: str) -> Iterator[None]:
    """Run the block until Ctrl-C or SIGTERM, whenever it comes, then say '{app}: stopped.'.

    Waitress catches a Ctrl-C inside its loop and returns; one that comes while the command
    starts (importing, binding, starting the provider) raises KeyboardInterrupt here, after the
    block's own `finally` clauses have closed what it opened. Either way the command ends the
    same: its "stopped." line and exit status 0. An error (a ClickException) passes through.
    """
    _stop_on_signals()
    with suppress(KeyboardInterrupt):
        yield
    click.echo(f"\n{app}: stopped.")


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM raise KeyboardInterrupt: SIGINT is handled even when the shell started
    the command in the background with SIGINT ignored (`(cmd &)`), so `kill -INT` stops it
    wherever it was started, even the moment it says it is ready."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _stop_when_stdin_closes() -> None:
    """Stop as on SIGTERM once stdin reaches its end.

    `run` holds the other end of this pipe for as long as it lives, so the pipe closes when it
    exits, even killed with SIGKILL: the provider then stops instead of holding its port.
    """

    def watch() -> None:
        # The file descriptor, not sys.stdin: a thread blocked in a buffered read holds its lock,
        # and the interpreter aborts at exit when it cannot take it.
        while os.read(sys.stdin.fileno(), 4096):
            continue  # `run` never writes: only the pipe's end (an empty read) matters
        signal.raise_signal(signal.SIGTERM)

    threading.Thread(target=watch, name="parent watch", daemon=True).start()


if __name__ == "__main__":  # `python -m oauth_sandbox.cli`: how `run` starts the provider
    main()

"""Starting the sandbox from the command line: its socket, its app, the attacker's site.

Only the sandbox's commands (`run`, `sandbox`) import this module, so the provider's process
never loads the sandbox's stack.
"""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import replace
from urllib.parse import urlsplit

import click
from waitress.server import create_server

from sandbox import SandboxConfig
from sandbox import create_app as create_sandbox_app
from sandbox.attacker import create_attacker_app
from sandbox.playlists import PlaylistError

from .listening import cannot_listen


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (the sandbox's own test; the apps share no code)."""
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def start_attacker(sandbox_server):
    """Serve the attacker's site (the attack pages' other origin) on its port, in a thread;
    say where. None, with a warning, when its port is taken: only the attack pages need it."""
    url = sandbox_server.application.extensions["sandbox"].config.attacker_base_url
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
    click.echo(f"sandbox: the attacker's site (for the attack pages) is {url}")
    return server


def bind_sandbox(
    host,
    port,
    issuer,
    client_id,
    client_secret,
    playlist=None,
    instructor_token=None,
    port_option="oauth-sandbox sandbox --port",
):
    """Bind the sandbox's socket, then create the app knowing its real base URL.

    `port_option` is how the learner chose the port, for the message when it is taken."""
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
    except (OSError, ValueError) as error:  # ValueError: waitress, a host that resolves to nothing
        raise cannot_listen(host, port, error, port_option) from None
    literal = f"[{host}]" if ":" in host else host  # an IPv6 address in a URL (RFC 3986 §3.2.2)
    base_url = f"http://{literal}:{server.effective_port}"  # type: ignore[union-attr]
    server.application = create_sandbox_app(replace(config, base_url=base_url))  # type: ignore[union-attr]
    return server, base_url


def _not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]

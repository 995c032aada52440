"""Serving the provider with waitress: in the foreground for the CLI, in a thread for tests.

The socket is bound first and the app created second, so the issuer can name the real port even
when the operating system chose it (port 0).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

from flask import Flask
from waitress import wasyncore
from waitress.server import create_server

from . import create_app
from .config import ProviderConfig


def _not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@dataclass
class BoundProvider:
    """A provider app behind a bound waitress server."""

    app: Flask
    server: object
    issuer: str

    def serve(self) -> None:
        """Serve until interrupted."""
        self.server.run()  # type: ignore[attr-defined]

    def close(self) -> None:
        """Stop serving: end the worker threads and close every connection, kept-alive ones too."""
        self.server.task_dispatcher.shutdown()  # type: ignore[attr-defined]
        wasyncore.close_all(self.server._map)  # type: ignore[attr-defined]


def bind(
    config: ProviderConfig,
    host: str = "127.0.0.1",
    port: int = 9000,
    threads: int = 8,
    poll_seconds: float = 1.0,
) -> BoundProvider:
    """Bind host:port, then create the app; without a configured issuer it is the bound URL."""
    server = create_server(
        _not_ready,
        host=host,
        port=port,
        threads=threads,
        ident="mock_provider",
        asyncore_loop_timeout=poll_seconds,
    )
    bound_port = server.effective_port  # type: ignore[union-attr]
    issuer = (
        config.issuer
        if config.issuer != ProviderConfig.issuer
        else f"http://{_reachable_name(host)}:{bound_port}"
    )
    try:
        app = create_app(config.replace(issuer=issuer))
    except BaseException:  # an unusable database, say: give the port back before saying so
        server.close()  # type: ignore[union-attr]
        raise
    server.application = app  # type: ignore[union-attr]
    return BoundProvider(app=app, server=server, issuer=issuer)


def _reachable_name(host: str) -> str:
    """The host part of the default issuer: the bound address, or this machine's name when
    bound to every address (0.0.0.0 is no place a browser can be sent to)."""
    if host in ("0.0.0.0", "::", ""):
        return socket.gethostname()
    return f"[{host}]" if ":" in host else host


class RunningProvider:
    """A provider served from a background thread; `stop()` ends it."""

    def __init__(self, bound: BoundProvider) -> None:
        self.bound = bound
        self.issuer = bound.issuer
        self.app = bound.app
        self._thread = threading.Thread(target=self._run, daemon=True, name="mock_provider")
        self._thread.start()

    def _run(self) -> None:
        try:
            self.bound.serve()
        except OSError:
            return  # the socket was closed by stop()

    def stop(self) -> None:
        self.bound.close()
        self._thread.join(timeout=5)


def serve_in_thread(config: ProviderConfig, port: int = 0) -> RunningProvider:
    """Start a provider on a free loopback port in a background thread."""
    return RunningProvider(bind(config, "127.0.0.1", port, poll_seconds=0.05))

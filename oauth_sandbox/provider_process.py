"""The mock provider as a child process of `oauth-sandbox run`, its output passed on.

Each app then has an interpreter (and a core) to itself, so a class's load on the sandbox never
slows the provider's answers, and each app's memory can be read on its own.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading

import click

PROVIDER_ISSUER = re.compile(r"^mock_provider: issuer (\S+)")
if os.name == "nt":  # Windows has no sessions; a new process group takes CTRL_BREAK instead
    NEW_PROCESS_GROUP = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    STOP_SIGNAL = signal.CTRL_BREAK_EVENT  # type: ignore[attr-defined]
else:
    NEW_PROCESS_GROUP = {"start_new_session": True}
    STOP_SIGNAL = signal.SIGTERM


class ProviderProcess:
    """`oauth-sandbox provider` as a child process whose output this one passes on.

    It stops with this process, whichever way that ends: `stop` on the way out, and the pipe on
    its stdin, which closes when this process dies, for a SIGKILL."""

    def __init__(self, popen: subprocess.Popen, issuer: str, relay: threading.Thread) -> None:
        self.popen, self.issuer, self.relay = popen, issuer, relay

    @classmethod
    def start(cls, port: int) -> ProviderProcess:
        """Start it and wait until it is ready (it prints its issuer first, then "ready in")."""
        command = [
            sys.executable, "-m", "oauth_sandbox.cli",
            "provider", "--port", str(port), "--stop-with-parent",
        ]  # fmt: skip
        popen = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,  # never written: it closes when this process ends, however
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            # Its own process group: a Ctrl-C reaches this process only, which then stops
            # the provider once, after the sandbox, with SIGTERM (see `stop`).
            **NEW_PROCESS_GROUP,
        )
        issuer = None
        try:
            for line in popen.stdout:  # type: ignore[union-attr]
                if line.startswith("ready in"):  # `run` says when both apps are ready
                    break
                click.echo(line, nl=False)
                if found := PROVIDER_ISSUER.match(click.unstyle(line)):
                    issuer = found[1]
        except BaseException:  # Ctrl-C while it starts: it is in a group of its own, so stop it
            popen.kill()
            popen.wait()  # gone before `run` says it stopped
            raise
        if issuer is None:  # it exited before it was ready
            code = popen.wait()
            if code > 0:  # it said why on stderr (the port is taken, say): one line is enough
                raise click.exceptions.Exit(code)
            raise click.ClickException(f"the mock provider stopped as it started (exit {code}).")
        relay = threading.Thread(
            target=cls._pass_on, args=(popen,), name="provider output", daemon=True
        )
        relay.start()
        return cls(popen, issuer, relay)

    @staticmethod
    def _pass_on(popen: subprocess.Popen) -> None:
        for line in popen.stdout:  # type: ignore[union-attr]
            click.echo(line, nl=False)

    def stop(self) -> None:
        """Stop it (it closes as on Ctrl-C), and wait for its last words."""
        if self.popen.poll() is None:
            self.popen.send_signal(STOP_SIGNAL)
            try:
                self.popen.wait(timeout=10)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):  # stuck, or asked twice
                self.popen.kill()
                self.popen.wait()
        self.popen.stdin.close()  # type: ignore[union-attr]
        self.relay.join(timeout=5)

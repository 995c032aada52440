"""oauth_sandbox: the command line that starts the sandbox and the mock provider.

This is the one place allowed to know both apps: it launches them side by side, and they still
talk to each other over HTTP only.

Importing the command's modules takes a moment. A Ctrl-C (or SIGTERM) during that moment stops
the command as a later one does, with its "stopped." line and no traceback: this package is the
first thing the `oauth-sandbox` script imports, so its handler is in place before the rest loads.
Each command then installs its own (see `cli._until_stopped`).
"""

import os
import signal
import sys


def stopped_line(arguments: list[str]) -> str:
    """What the command prints when it stops: '<the app it serves>: stopped.'"""
    command = next((a for a in arguments if not a.startswith("-")), "run")
    app = {"provider": "mock_provider", "sandbox": "sandbox"}.get(command, "oauth-sandbox")
    return f"{app}: stopped."


def _stop_while_loading(_signal: int, _frame: object) -> None:
    # Nothing is open yet, so there is nothing to close: say so and leave, as after a later one.
    print(f"\n{stopped_line(sys.argv[1:])}", flush=True)
    raise SystemExit(0)


# Only in the `oauth-sandbox` script's own process: not in a test or a program that imports this.
if os.path.basename(sys.argv[0]).startswith("oauth-sandbox"):
    signal.signal(signal.SIGINT, _stop_while_loading)
    signal.signal(signal.SIGTERM, _stop_while_loading)

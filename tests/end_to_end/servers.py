"""Small stand-in servers the end-to-end tests start next to the real ones."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import BaseWSGIServer


@contextmanager
def serving(server: BaseWSGIServer) -> Iterator[str]:
    """Serve `server` from a thread until the block ends; its URL meanwhile."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)

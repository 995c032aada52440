"""A provider the sandbox is pointed at may be hostile: what it sends must never become a script.

The provider here is a few lines of Flask serving a discovery document whose endpoints are
`javascript:` URLs, the way a hostile issuer would try to turn the sandbox's links into scripts.
The sandbox refuses the document before any page links to it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from .sandbox_pages import make_sandbox, submit
from .servers import serving


@pytest.fixture
def hostile_issuer() -> Iterator[str]:
    app = Flask("hostile")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    issuer = f"http://127.0.0.1:{server.server_port}"

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return {
            "issuer": issuer,
            "authorization_endpoint": "javascript:alert(document.cookie)",
            "token_endpoint": f"{issuer}/token",
        }

    with serving(server):
        yield issuer


def test_a_javascript_endpoint_in_discovery_is_refused_with_the_reason(hostile_issuer):
    learner = make_sandbox(hostile_issuer)

    response = submit(learner, "/", "/flows/authorization-code/runs")

    text = response.get_data(as_text=True)
    assert response.status_code == 502
    assert "authorization_endpoint is &#39;javascript:alert(document.cookie)&#39;" in text
    assert "not an http(s) URL" in text
    assert 'href="javascript:' not in text

"""What the sandbox says when a provider answered with something it cannot use."""

from __future__ import annotations

import pytest
import requests
from bs4 import BeautifulSoup

from sandbox import SandboxConfig, create_app
from sandbox.answers import loads


def _answered(status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content = status, body
    response.url = "http://provider.test/token"
    return response


def test_an_http_error_is_reported_as_the_status_the_provider_answered_not_as_silence():
    app = create_app(SandboxConfig(issuer="http://provider.test"))

    def raises_http_error():
        _answered(500, b"Internal trouble: database on fire").raise_for_status()

    app.add_url_rule("/raises", view_func=raises_http_error)

    answer = app.test_client().get("/raises")

    said = BeautifulSoup(answer.get_data(as_text=True), "html.parser").get_text(" ")
    assert answer.status_code == 502
    assert "http://provider.test/token answered 500" in said
    assert "it begins 'Internal trouble: database on fire'" in said
    assert "did not answer" not in said


def test_json_nested_deeper_than_python_can_read_is_not_json():
    with pytest.raises(ValueError, match="nested too deeply"):
        loads("[" * 5000 + "]" * 5000)

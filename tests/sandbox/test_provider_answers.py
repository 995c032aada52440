"""What the sandbox says when a provider answered with something it cannot use."""

from __future__ import annotations

import pytest
import requests

from sandbox.answers import loads


def _answered(status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content = status, body
    response.url = "http://provider.test/token"
    return response


def test_json_nested_deeper_than_python_can_read_is_not_json():
    with pytest.raises(ValueError, match="nested too deeply"):
        loads("[" * 5000 + "]" * 5000)

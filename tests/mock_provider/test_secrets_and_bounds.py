"""What the request log shows of secrets, and the bounds that keep a shared provider usable.

The log is read over the control API by anyone who can reach it, so a client secret must not
appear there however it travelled: HTTP Basic credentials, a form field, or the JSON answer to a
registration. Tokens stay, because they are what the log teaches. The bounds: the log keeps only
its newest entries, a request body has a size limit, and dynamic registration can be closed.
"""

from __future__ import annotations

import base64
import json

import pytest

from mock_provider import MAX_REQUEST_BYTES, ProviderConfig, create_app, store
from mock_provider.config import ConfigError

from .conftest import REDIRECT_URI, WEB_APP_SECRET

MASK = "********"


def log_text(client) -> str:
    """The request log exactly as the control API serves it."""
    answer = client.get("/control/log?limit=1000")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_the_log_shows_no_client_secret_sent_as_basic_credentials_or_in_the_form(client):
    basic = base64.b64encode(f"web-app:{WEB_APP_SECRET}".encode()).decode()
    form = {"grant_type": "authorization_code", "code": "no-such-code"}
    client.post("/token", data=form, headers={"Authorization": f"Basic {basic}"})
    client.post("/token", data={**form, "client_id": "web-app", "client_secret": WEB_APP_SECRET})

    text = log_text(client)

    assert WEB_APP_SECRET not in text
    assert basic not in text
    entries = json.loads(text)["entries"]
    assert entries[0]["params"]["client_secret"] == MASK
    assert entries[1]["params"]["authorization"] == "Basic (client_id=web-app)"


def test_the_log_masks_the_client_secret_in_a_registration_answer_but_keeps_the_client_id(
    client,
):
    answer = client.post("/register", json={"redirect_uris": [REDIRECT_URI]})
    registered = answer.get_json()
    assert answer.status_code == 201

    text = log_text(client)
    logged = json.loads(json.loads(text)["entries"][0]["response"])

    assert registered["client_secret"] not in text
    assert logged["client_secret"] == MASK
    assert logged["client_id"] == registered["client_id"]


def test_the_log_keeps_only_its_newest_entries(client, monkeypatch):
    monkeypatch.setattr(store, "LOG_KEPT", 20)
    for number in range(230):
        client.get(f"/.well-known/openid-configuration?n={number}")

    entries = json.loads(log_text(client))["entries"]

    # Old entries rotate out every 100 requests, so between 20 and 20 + 99 remain.
    assert 20 <= len(entries) < 120
    assert entries[0]["params"] == {"n": "229"}


def test_a_request_body_over_the_limit_gets_413_saying_how_large_a_request_may_be(client):
    answer = client.post("/token", data={"grant_type": "x" * (MAX_REQUEST_BYTES + 1)})

    assert answer.status_code == 413
    assert answer.get_json() == {
        "error": "invalid_request",
        "error_description": f"the request is larger than {MAX_REQUEST_BYTES} bytes",
    }


def test_registration_closed_in_the_config_answers_403_and_leaves_discovery(tmp_path, config):
    path = tmp_path / "closed.toml"
    path.write_text("[registration]\nopen = false\n")
    closed = ProviderConfig.load(path, database_url=config.database_url)
    client = create_app(closed).test_client()

    answer = client.post("/register", json={"redirect_uris": [REDIRECT_URI]})
    metadata = client.get("/.well-known/openid-configuration").get_json()

    assert answer.status_code == 403
    assert answer.get_json()["error"] == "access_denied"
    assert "[registration] open = false" in answer.get_json()["error_description"]
    assert "registration_endpoint" not in metadata
    assert metadata["token_endpoint"].endswith("/token")  # the rest is unchanged


def test_registration_is_open_unless_the_config_closes_it(client):
    metadata = client.get("/.well-known/openid-configuration").get_json()

    assert metadata["registration_endpoint"].endswith("/register")
    assert client.post("/register", json={"redirect_uris": [REDIRECT_URI]}).status_code == 201


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[registration]\nopen = 'no'\n", "[registration] open: expected true or false, got 'no'"),
        ("[registration]\nclosed = true\n", "[registration] unknown key 'closed'; expected"),
        ("registration = false\n", "[registration]: expected a table [registration]"),
    ],
    ids=["not-a-boolean", "unknown-key", "not-a-table"],
)
def test_a_bad_registration_section_is_rejected_naming_the_file_and_the_key(
    tmp_path, text, expected
):
    path = tmp_path / "bad.toml"
    path.write_text(text)

    with pytest.raises(ConfigError) as raised:
        ProviderConfig.load(path)

    assert str(raised.value).startswith(f"{path}: ")
    assert expected in str(raised.value)

"""What Schemathesis found against `mock_provider/openapi.yaml`, pinned as plain regression tests
so that each stays fixed whatever the fuzzer happens to generate next time."""

from __future__ import annotations

import pytest

CALLBACK = ["http://127.0.0.1:5000/callback"]


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"redirect_uris": CALLBACK, "scope": {}}, "scope"),
        ({"redirect_uris": [5]}, "redirect_uris"),
        ({"redirect_uris": CALLBACK, "client_name": 5}, "client_name"),
        (
            {"redirect_uris": CALLBACK, "post_logout_redirect_uris": [{}]},
            "post_logout_redirect_uris",
        ),
        ({"redirect_uris": CALLBACK, "response_types": [{}]}, "response_types"),
        ({"redirect_uris": CALLBACK, "jwks": "x"}, "jwks"),
    ],
)
def test_registration_metadata_of_the_wrong_json_type_is_refused_naming_the_field(
    client, metadata, field
):
    response = client.post("/register", json=metadata)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_metadata"
    assert response.get_json()["error_description"].startswith(f"{field} must be")


def test_an_empty_registration_object_is_refused_with_a_description(client):
    response = client.post("/register", json={})

    assert response.status_code == 400
    assert "redirect_uris" in response.get_json()["error_description"]


@pytest.mark.parametrize("path", ["/userinfo", "/api/photos"])
@pytest.mark.parametrize("header", ["Bearer", "Basic", "Basic !!!"])
def test_a_malformed_authorization_header_at_a_protected_resource_gets_rfc_6750s_400(
    client, path, header
):
    response = client.get(path, headers={"Authorization": header})

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_a_control_error_quoting_non_ascii_input_is_printable_ascii(client):
    response = client.get("/control/log", query_string={"limit": "\x8e[¢"})

    assert response.status_code == 400
    description = response.get_json()["error_description"]
    assert description.startswith("limit must be a whole number")
    assert all(0x20 <= ord(c) <= 0x7E for c in description)

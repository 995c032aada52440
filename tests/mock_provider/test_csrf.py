"""CSRF protection of the provider's own forms (RFC 6749 §10.12): sign-in, consent, the device
pages and the sign-out confirmation take a post only with the token their page put in the form."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from .conftest import (
    REDIRECT_URI,
    authorize_url,
    filled_form,
    form_token,
    html,
    redirect_params,
    redirect_target,
    sign_in,
    submit,
)

REFUSAL = "This form expired or came from another site"


def _device_code(client: FlaskClient) -> str:
    response = client.post("/device_authorization", data={"client_id": "tv-app", "scope": "openid"})
    return response.get_json()["user_code"]


def _device_confirmation(client: FlaskClient) -> TestResponse:
    """The "Approve the device?" page, reached by typing a fresh code and signing in as alice."""
    entered = submit(client, client.get("/device"), user_code=_device_code(client))
    return submit(client, entered, username="alice")


# Each form: how a browser reaches its page, and what the person types or presses there.
FORMS: dict[str, Callable[[FlaskClient], tuple[TestResponse, dict[str, str]]]] = {
    "sign-in": lambda c: (c.get(authorize_url()), {"username": "alice"}),
    "consent": lambda c: (sign_in(c, authorize_url(), "alice"), {"action": "allow"}),
    "device code entry": lambda c: (c.get("/device"), {"user_code": _device_code(c)}),
    "device approval": lambda c: (_device_confirmation(c), {"action": "approve"}),
    "sign-out confirmation": lambda c: (c.get("/logout"), {"action": "logout"}),
}
# What the page after each form, submitted with its token, is headed.
NEXT_PAGE = {
    "sign-in": "Allow access?",
    "device code entry": "Sign in",
    "device approval": "Device approved",
    "sign-out confirmation": "You are signed out",
}


@pytest.mark.parametrize("token", ["missing", "another browser's"])
@pytest.mark.parametrize("form", FORMS)
def test_a_form_post_without_this_browsers_token_is_refused_in_plain_words_and_not_redirected(
    app, client, form, token
):
    page, typed = _page_and_typing(client, form)
    action, fields = filled_form(page, **typed)
    if token == "missing":
        del fields["csrf_token"]
    else:
        fields["csrf_token"] = form_token(app.test_client().get("/device"))

    response = client.post(action, data=fields)

    assert response.status_code == 400
    assert REFUSAL in " ".join(html(response).get_text().split())
    assert "reload the page and try again" in html(response).get_text()
    assert "Location" not in response.headers


@pytest.mark.parametrize("form", FORMS)
def test_the_same_form_post_with_its_token_goes_through(client, form):
    page, typed = _page_and_typing(client, form)

    response = submit(client, page, **typed)

    if form == "consent":
        assert redirect_target(response) == REDIRECT_URI
        assert redirect_params(response)["code"]
    else:
        assert response.status_code == 200
        assert html(response).h1.get_text() == NEXT_PAGE[form]


def test_a_refused_sign_in_leaves_the_browser_signed_out(client):
    action, fields = filled_form(client.get(authorize_url()), username="alice")
    del fields["csrf_token"]
    client.post(action, data=fields)

    assert html(client.get(authorize_url())).h1.get_text() == "Sign in"


def test_a_refused_device_approval_leaves_the_device_waiting(client):
    user_code = _device_code(client)
    entered = submit(client, client.get("/device"), user_code=user_code)
    action, fields = filled_form(submit(client, entered, username="alice"), action="approve")
    del fields["csrf_token"]
    client.post(action, data=fields)

    again = submit(client, client.get("/device"), user_code=user_code)

    assert html(again).h1.get_text() == "Approve the device?"


def test_a_consent_post_at_a_scenario_issuer_needs_the_token_too(client):
    url = authorize_url(prefix="/scenarios/wrong-audience")
    action, fields = filled_form(sign_in(client, url, "alice"), action="allow")
    del fields["csrf_token"]

    response = client.post(action, data=fields)

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_an_authorization_request_sent_by_post_needs_no_form_token(client):
    # OIDC Core §3.1.2.1: the authorization endpoint MUST accept POST, and a client cannot hold
    # the browser's token; only pressing a button of the provider's pages needs one.
    params = dict(parse_qsl(urlsplit(authorize_url()).query))

    response = client.post("/authorize", data=params)

    assert response.status_code == 200
    assert html(response).h1.get_text() == "Sign in"


def test_the_consent_post_of_a_posted_request_needs_the_token_too(client):
    params = dict(parse_qsl(urlsplit(authorize_url()).query))
    consent = submit(client, client.post("/authorize", data=params), username="alice")
    action, fields = filled_form(consent, action="allow")
    del fields["csrf_token"]

    response = client.post(action, data=fields)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert REFUSAL in response.get_data(as_text=True)


def test_the_request_log_masks_the_form_token(client):
    sign_in(client, authorize_url(), "alice")

    entries = client.get("/control/log").get_json()["entries"]

    posted = next(e for e in entries if e["request"].startswith("POST /authorize"))
    assert posted["params"]["csrf_token"] == "********"


def _page_and_typing(client: FlaskClient, form: str) -> tuple[TestResponse, dict[str, str]]:
    return FORMS[form](client)

"""The authorization endpoint as a person and a client see it: sign-in, consent, redirects."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from mock_provider import ProviderConfig, create_app
from mock_provider.config import SCOPES

from .conftest import (
    BOB_PASSWORD,
    ISSUER,
    REDIRECT_URI,
    Pkce,
    advance_clock,
    authorize_url,
    button_names,
    html,
    redirect_params,
    redirect_target,
    sign_in,
    submit,
)

SCOPE = "openid profile email photos.read"


def _posted(client, url: str):
    """Send the authorization request of `url` as a form POST (OIDC Core §3.1.2.1)."""
    return client.post("/authorize", data=dict(parse_qsl(urlsplit(url).query)))


def _signed_in_and_consented(client, url: str) -> None:
    consent = sign_in(client, url, "alice")
    assert submit(client, consent, action="allow").status_code == 302


def test_login_page_offers_alice_and_bob(client):
    response = client.get(authorize_url())

    assert response.status_code == 200
    assert html(response).h1.get_text() == "Sign in"
    assert {"Sign in as alice", "Sign in as bob"} <= set(button_names(response))


def test_consent_page_explains_each_requested_scope_in_plain_words(client):
    url = authorize_url(scope=SCOPE)

    response = sign_in(client, url, "alice")

    page = html(response)
    assert page.h1.get_text() == "Allow access?"
    listed = {
        item.code.get_text(): item.get_text().split(": ", 1)[1]
        for item in page.select("ul.scopes li")
    }
    assert listed == {name: SCOPES[name] for name in SCOPE.split()}
    assert {"Allow", "Deny"} <= set(button_names(response))


def test_allow_redirects_with_code_state_and_iss(client):
    url = authorize_url(scope=SCOPE)
    consent = sign_in(client, url, "alice")

    response = submit(client, consent, action="allow")

    params = redirect_params(response)
    assert redirect_target(response) == REDIRECT_URI
    assert params["code"]
    assert params["state"] == "state-123"
    assert params["iss"] == ISSUER  # RFC 9207 §2


def test_deny_redirects_with_access_denied_state_and_iss(client):
    url = authorize_url(scope=SCOPE)
    consent = sign_in(client, url, "alice")

    response = submit(client, consent, action="deny")

    params = redirect_params(response)
    assert redirect_target(response) == REDIRECT_URI
    assert params["error"] == "access_denied"
    assert params["state"] == "state-123"
    assert params["iss"] == ISSUER
    assert "code" not in params


def test_bob_is_refused_with_a_wrong_password(client):
    response = sign_in(client, authorize_url(), "bob", "wrong password")

    assert response.status_code == 200
    assert "Location" not in response.headers
    problem = html(response).select_one('[role="alert"]')
    assert problem is not None
    assert "do not match" in problem.get_text()
    assert html(response).h1.get_text() == "Sign in"


def test_bob_signs_in_with_the_right_password(client):
    response = sign_in(client, authorize_url(), "bob", BOB_PASSWORD)

    assert html(response).h1.get_text() == "Allow access?"
    assert "Bob Brown" in html(response).get_text()


def test_remembered_consent_skips_the_consent_page(client):
    _signed_in_and_consented(client, authorize_url(scope=SCOPE))

    response = client.get(authorize_url(scope=SCOPE, state="second"))

    params = redirect_params(response)
    assert params["code"]
    assert params["state"] == "second"


def test_consent_is_asked_again_for_a_scope_not_yet_allowed(client):
    _signed_in_and_consented(client, authorize_url(scope="openid"))

    response = client.get(authorize_url(scope="openid email"))

    assert response.status_code == 200
    assert html(response).h1.get_text() == "Allow access?"


def test_prompt_consent_shows_the_consent_page_despite_remembered_consent(client):
    _signed_in_and_consented(client, authorize_url(scope=SCOPE))

    response = client.get(authorize_url(scope=SCOPE, prompt="consent"))

    assert response.status_code == 200
    assert html(response).h1.get_text() == "Allow access?"


def test_prompt_login_asks_to_sign_in_again_then_proceeds(client):
    _signed_in_and_consented(client, authorize_url(scope=SCOPE))
    url = authorize_url(scope=SCOPE, prompt="login")

    login_page = client.get(url)
    after_sign_in = sign_in(client, url, "alice")

    assert login_page.status_code == 200
    assert html(login_page).h1.get_text() == "Sign in"
    assert redirect_params(after_sign_in)["code"]


def test_prompt_none_without_a_session_redirects_with_login_required_saying_why(client):
    response = client.get(authorize_url(prompt="none"))

    params = redirect_params(response)
    assert redirect_target(response) == REDIRECT_URI
    assert params["error"] == "login_required"
    assert params["error_description"] == (
        "prompt=none was sent, but no user is signed in at the provider, and prompt=none "
        "forbids showing the sign-in page (OIDC Core section 3.1.2.6)"
    )
    assert params["state"] == "state-123"
    assert params["iss"] == ISSUER


def test_prompt_none_with_a_session_but_no_consent_redirects_with_consent_required_naming_scope(
    client,
):
    sign_in(client, authorize_url(scope=SCOPE), "alice")  # consent page shown, not answered

    response = client.get(authorize_url(scope=SCOPE, prompt="none"))

    params = redirect_params(response)
    assert params["error"] == "consent_required"
    assert params["error_description"] == (
        "prompt=none was sent, but user 'alice' has not allowed client 'web-app' scope "
        f"'{SCOPE}', and prompt=none forbids showing the consent page (OIDC Core section 3.1.2.6)"
    )
    assert params["state"] == "state-123"
    assert params["iss"] == ISSUER


def test_prompt_none_with_a_sign_in_older_than_max_age_is_login_required_naming_both_ages(client):
    _signed_in_and_consented(client, authorize_url(scope=SCOPE))
    advance_clock(client, 60)

    response = client.get(authorize_url(scope=SCOPE, prompt="none", max_age="30"))

    params = redirect_params(response)
    assert params["error"] == "login_required"
    assert params["error_description"] == (
        "prompt=none was sent, but user 'alice' signed in 60 s ago, longer than max_age=30 "
        "allows, and prompt=none forbids showing the sign-in page (OIDC Core section 3.1.2.1, "
        "section 3.1.2.6)"
    )
    assert params["state"] == "state-123"


def test_prompt_none_with_session_and_consent_returns_a_code(client):
    _signed_in_and_consented(client, authorize_url(scope=SCOPE))

    response = client.get(authorize_url(scope=SCOPE, prompt="none"))

    assert redirect_params(response)["code"]


@pytest.mark.parametrize(
    ("max_age", "asks_to_sign_in"), [("0", True), ("30", True), ("3600", False)]
)
def test_max_age_asks_to_sign_in_again_only_when_the_sign_in_is_older(
    client, max_age, asks_to_sign_in
):
    _signed_in_and_consented(client, authorize_url(scope=SCOPE))
    advance_clock(client, 60)

    response = client.get(authorize_url(scope=SCOPE, max_age=max_age))

    if asks_to_sign_in:
        assert response.status_code == 200
        assert html(response).h1.get_text() == "Sign in"
    else:
        assert redirect_params(response)["code"]


def test_max_age_is_satisfied_by_signing_in_again(client):
    _signed_in_and_consented(client, authorize_url(scope=SCOPE))
    advance_clock(client, 60)
    url = authorize_url(scope=SCOPE, max_age="0")

    response = sign_in(client, url, "alice")

    assert redirect_params(response)["code"]


def test_login_hint_puts_the_hinted_persona_first(client):
    response = client.get(authorize_url(login_hint="bob"))

    personas = [name for name in button_names(response) if name.startswith("Sign in as")]
    assert personas[0] == "Sign in as bob"


def test_without_login_hint_no_persona_is_marked_as_suggested(tmp_path):
    config_file = tmp_path / "provider.toml"
    config_file.write_text(
        '[clients.web-app]\nclient_secret = "s"\nredirect_uris = ["http://127.0.0.1:8000/callback"]\n'
        '[users.carol]\nsub = "carol-1"\nname = "Carol, who has no email"\n'
    )
    config = ProviderConfig.load(config_file, database_url=f"sqlite:///{tmp_path}/p.sqlite3")

    page = create_app(config).test_client().get(authorize_url(scope="openid"))

    assert "Sign in as carol" in button_names(page)
    assert "suggested by login_hint" not in page.text


def test_consent_page_names_the_apis_the_client_asked_tokens_for(client):
    url = authorize_url(scope=SCOPE, resource=f"{ISSUER}/api")

    page = html(sign_in(client, url, "alice"))

    resources = page.select_one("p.resources")
    assert [code.get_text() for code in resources.select("code")] == [f"{ISSUER}/api", "resource"]
    assert "only" in resources.get_text()


def test_public_client_without_code_challenge_is_sent_back_with_invalid_request(client):
    response = client.get(authorize_url("spa"))

    params = redirect_params(response)
    assert redirect_target(response) == REDIRECT_URI
    assert params["error"] == "invalid_request"
    assert "code_challenge" in params["error_description"]
    assert params["state"] == "state-123"
    assert params["iss"] == ISSUER


def test_public_client_with_code_challenge_reaches_the_login_page(client):
    response = client.get(authorize_url("spa", pkce=Pkce.new()))

    assert response.status_code == 200
    assert html(response).h1.get_text() == "Sign in"


def test_unregistered_redirect_uri_is_shown_to_the_person_not_redirected(client):
    response = client.get(authorize_url(redirect_uri="http://127.0.0.1:8000/callback/"))

    assert response.status_code == 400
    assert "Location" not in response.headers
    page = html(response)
    assert page.h1.get_text() == "Authorization request rejected"
    assert "the path has a trailing slash" in page.select_one("ul.differences").get_text()


# Authorization requests sent by POST (OIDC Core §3.1.2.1)


def test_a_posted_request_survives_sign_in_and_consent_and_redirects_with_code_state_and_iss(
    client,
):
    login_page = _posted(client, authorize_url(scope=SCOPE))
    consent = submit(client, login_page, username="alice")

    response = submit(client, consent, action="allow")

    params = redirect_params(response)
    assert redirect_target(response) == REDIRECT_URI
    assert params["code"]
    assert params["state"] == "state-123"
    assert params["iss"] == ISSUER


def test_a_posted_request_whose_parameters_share_names_with_the_sign_in_form_arrives_intact(
    client,
):
    # A client's own extension parameters may be called action, username, password or
    # csrf_token; the provider's forms must carry them without mistaking them for their own.
    url = authorize_url(scope=SCOPE, login_hint="bob")
    sent = {
        **dict(parse_qsl(urlsplit(url).query)),
        "action": "signup",
        "username": "carol",
        "password": "",
        "csrf_token": "the-clients-own",
    }
    login_page = client.post("/authorize", data=sent)
    consent = submit(client, login_page, username="alice")

    response = submit(client, consent, action="allow")

    assert html(login_page).h1.get_text() == "Sign in"
    carried = html(consent).find("input", attrs={"name": "carried_request"})["value"]
    assert dict(parse_qsl(carried, keep_blank_values=True)) == sent
    params = redirect_params(response)
    assert params["code"]
    assert params["state"] == "state-123"
    logged = client.get("/control/log", query_string={"client_id": "web-app"}).get_json()
    assert [e["request"] for e in logged["entries"]] == ["POST /authorize"] * 3


def test_a_script_that_posts_only_the_form_token_and_its_button_still_signs_in(client):
    # Such as `curl -d csrf_token=... -d action=login -d username=alice`: it copies the session's
    # token but not every hidden field of the form.
    url = authorize_url(scope=SCOPE)
    token = html(client.get(url)).find("input", attrs={"name": "csrf_token"})["value"]

    response = client.post(url, data={"csrf_token": token, "action": "login", "username": "alice"})

    assert html(response).h1.get_text() == "Allow access?"


def test_a_posted_request_denied_on_the_consent_page_redirects_with_access_denied(client):
    consent = submit(client, _posted(client, authorize_url(scope=SCOPE)), username="alice")

    response = submit(client, consent, action="deny")

    params = redirect_params(response)
    assert params["error"] == "access_denied"
    assert params["state"] == "state-123"


def test_a_posted_request_with_prompt_login_asks_to_sign_in_again_after_a_posted_sign_in(client):
    consent = submit(client, _posted(client, authorize_url(scope=SCOPE)), username="alice")
    assert submit(client, consent, action="allow").status_code == 302

    login_page = _posted(client, authorize_url(scope=SCOPE, prompt="login", state="second"))
    after_sign_in = submit(client, login_page, username="alice")

    assert login_page.status_code == 200
    assert html(login_page).h1.get_text() == "Sign in"
    params = redirect_params(after_sign_in)
    assert params["code"]
    assert params["state"] == "second"

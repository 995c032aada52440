"""Tutorial 2, "Add 'Log in with ...' to a Flask app with Authlib", run as the learner runs it.

The tutorial's app (tutorials/02-flask-authlib-login/app.py) is imported fresh for each test, with
the settings of the tutorial's commands.sh, and talks over real HTTP to a real mock provider on a
free loopback port. Flask's test client plays the browser at http://127.0.0.1:8000, the address the
tutorial runs the app on, so the redirect_uri is the one the seeded `web-app` client registers.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from .tutorial_files import import_fresh

TUTORIAL = Path(__file__).parents[2] / "tutorials" / "02-flask-authlib-login"
COMMANDS = (TUTORIAL / "commands.sh").read_text()
APP_URL = "http://127.0.0.1:" + re.search(r"flask --app app run --port (\d+)", COMMANDS)[1]
SETTINGS = dict(re.findall(r"^export (\w+)=(\S+)$", COMMANDS, re.MULTILINE))

pytestmark = pytest.mark.oauth_provider(auto_login="alice")


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch, oauth_provider) -> FlaskClient:
    """The tutorial's app, configured as commands.sh says but for the provider's port."""
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ISSUER", oauth_provider.issuer)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return import_fresh(monkeypatch, TUTORIAL / "app.py").app.test_client()


def log_in(browser: FlaskClient) -> None:
    """Press "Log in"; the provider signs alice in at once and sends her back with a code."""
    to_provider = browser.get(APP_URL + "/login").headers["Location"]
    back = requests.get(to_provider, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    assert browser.get(back.headers["Location"]).headers["Location"] == "/"


def page_text(browser: FlaskClient, path: str) -> str:
    response = browser.get(APP_URL + path)
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    page.title.decompose()  # the text of the page as the learner reads it, without the tab's
    return page.get_text(" ", strip=True)


def session_token(browser: FlaskClient) -> dict:
    with browser.session_transaction(APP_URL + "/") as session:
        return dict(session["token"])


def test_settings_are_those_of_the_seeded_web_app_client(oauth_provider):
    web_app = oauth_provider.client(SETTINGS["CLIENT_ID"])
    assert web_app.client_secret == SETTINGS["CLIENT_SECRET"]
    assert APP_URL + "/callback" in web_app.redirect_uris
    assert APP_URL + "/" in web_app.post_logout_redirect_uris
    assert SETTINGS["ISSUER"] == "http://127.0.0.1:9000"


def test_the_home_page_offers_to_log_in(browser):
    assert page_text(browser, "/") == "Log in"


def test_login_sends_pkce_and_a_nonce_and_ends_on_alice_adams(browser, oauth_provider):
    to_provider = urlsplit(browser.get(APP_URL + "/login").headers["Location"])
    query = parse_qs(to_provider.query)
    assert (
        f"{to_provider.scheme}://{to_provider.netloc}{to_provider.path}"
        == (oauth_provider.metadata["authorization_endpoint"])
    )
    assert query["redirect_uri"] == [APP_URL + "/callback"]
    assert query["code_challenge_method"] == ["S256"]
    assert "nonce" in query

    log_in(browser)

    assert "Logged in as Alice Adams ." in page_text(browser, "/")


def test_profile_shows_the_claims_from_the_userinfo_endpoint(browser, oauth_provider):
    log_in(browser)

    text = page_text(browser, "/profile")

    assert "email: alice@example.com" in text
    assert "sub: 248289761001" in text
    assert oauth_provider.log()[0]["request"] == "GET /userinfo"


def test_refresh_returns_a_new_access_token_that_works(browser):
    log_in(browser)
    before = session_token(browser)

    text = page_text(browser, "/refresh")
    after = session_token(browser)

    assert after["access_token"] != before["access_token"]
    assert f"old access token ends ...{before['access_token'][-12:]}" in text
    assert f"new access token ends ...{after['access_token'][-12:]}" in text
    assert after["refresh_token"] != before["refresh_token"]  # rotated by the provider
    assert "email: alice@example.com" in page_text(browser, "/profile")


def test_logout_goes_to_end_session_with_id_token_hint_and_comes_back(browser, oauth_provider):
    log_in(browser)
    id_token = session_token(browser)["id_token"]

    to_provider = urlsplit(browser.get(APP_URL + "/logout").headers["Location"])
    query = parse_qs(to_provider.query)
    assert (
        f"{to_provider.scheme}://{to_provider.netloc}{to_provider.path}"
        == (oauth_provider.metadata["end_session_endpoint"])
    )
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == [APP_URL + "/"]

    back = requests.get(to_provider.geturl(), allow_redirects=False, timeout=10)
    assert back.status_code == 302
    assert back.headers["Location"] == f"{APP_URL}/?state={query['state'][0]}"
    text = page_text(browser, back.headers["Location"].removeprefix(APP_URL))
    assert text == "You are logged out, here and at the provider. Log in"


def test_the_article_mistakes_fail_as_the_tutorial_shows(monkeypatch, capsys):
    mistakes = import_fresh(monkeypatch, TUTORIAL / "article_mistakes.py")

    mistakes.main()

    assert capsys.readouterr().out == (TUTORIAL / "article_mistakes.txt").read_text()

"""Tutorial 3, "The same with requests-oauthlib", run as the learner runs it.

The tutorial's app (tutorials/03-requests-oauthlib/app.py) is imported fresh for each test, with
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
from oauthlib.oauth2 import InsecureTransportError

from .consent import answer_consent
from .tutorial_files import import_fresh

TUTORIAL = Path(__file__).parents[2] / "tutorials" / "03-requests-oauthlib"
COMMANDS = (TUTORIAL / "commands.sh").read_text()
APP_URL = "http://127.0.0.1:" + re.search(r"flask --app app run --port (\d+)", COMMANDS)[1]
SETTINGS = dict(re.findall(r"^export (\w+)=(\S+)$", COMMANDS, re.MULTILINE))

pytestmark = pytest.mark.oauth_provider(auto_login="alice")


@pytest.fixture
def tutorial_app(monkeypatch: pytest.MonkeyPatch, oauth_provider):
    """The tutorial's app, configured as commands.sh says but for the provider's port."""
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ISSUER", oauth_provider.issuer)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return import_fresh(monkeypatch, TUTORIAL / "app.py").app


@pytest.fixture
def browser(tutorial_app) -> FlaskClient:
    return tutorial_app.test_client()


def to_provider_and_back(browser: FlaskClient) -> str:
    """Press "Log in"; the provider signs alice in at once; return where it sends her back."""
    to_provider = browser.get(APP_URL + "/login").headers["Location"]
    back = requests.get(to_provider, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    return back.headers["Location"]


def log_in(browser: FlaskClient) -> None:
    assert browser.get(to_provider_and_back(browser)).headers["Location"] == "/"


def page_text(browser: FlaskClient, path: str, status: int = 200) -> str:
    response = browser.get(path if "://" in path else APP_URL + path)
    assert response.status_code == status
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
    assert SETTINGS["OAUTHLIB_INSECURE_TRANSPORT"] == "1"


def test_without_oauthlib_insecure_transport_login_fails_with_the_quoted_error(
    tutorial_app, monkeypatch
):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT")
    tutorial_app.testing = True  # the exception as the terminal prints it, not the 500 page

    with pytest.raises(InsecureTransportError) as raised:
        tutorial_app.test_client().get(APP_URL + "/login")

    error = raised.value
    line = f"{type(error).__module__}.{type(error).__qualname__}: {error}\n"
    assert line == (TUTORIAL / "insecure_transport_error.txt").read_text()


def test_the_home_page_offers_to_log_in(browser):
    assert page_text(browser, "/") == "Log in"


def test_login_sends_state_and_an_s256_challenge_to_the_discovered_endpoint(
    browser, oauth_provider
):
    to_provider = urlsplit(browser.get(APP_URL + "/login").headers["Location"])
    query = parse_qs(to_provider.query)
    endpoint = f"{to_provider.scheme}://{to_provider.netloc}{to_provider.path}"

    assert endpoint == oauth_provider.metadata["authorization_endpoint"]
    assert query["redirect_uri"] == [APP_URL + "/callback"]
    assert query["code_challenge_method"] == ["S256"]
    with browser.session_transaction(APP_URL + "/") as session:
        assert query["state"] == [session["oauth_state"]]
        assert "code_verifier" not in query  # only its hash travels


def test_login_ends_on_alice_adams_and_sent_the_code_verifier(browser, oauth_provider):
    log_in(browser)

    assert "Logged in as Alice Adams ." in page_text(browser, "/")
    token_request = next(e for e in oauth_provider.log() if e["request"] == "POST /token")
    pkce = next(c for c in token_request["checks"] if c["check"] == "PKCE code_verifier")
    assert pkce == {
        "check": "PKCE code_verifier",
        "detail": "matches the code_challenge",
        "passed": True,
    }


def test_a_callback_whose_state_is_not_ours_is_refused_with_a_page(browser):
    back = to_provider_and_back(browser)
    forged = re.sub(r"state=[^&]+", "state=not-the-one-we-sent", back)

    text = page_text(browser, forged, status=400)

    assert text == "The login failed: mismatching_state. Log in"
    with browser.session_transaction(APP_URL + "/") as session:
        assert "token" not in session


@pytest.mark.oauth_provider(auto_login=None)  # alice signs in and sees the consent page
def test_pressing_deny_at_the_provider_ends_on_a_page_that_says_access_denied(browser):
    to_provider = browser.get(APP_URL + "/login").headers["Location"]
    back = answer_consent(to_provider, "Deny")
    assert parse_qs(urlsplit(back).query)["error"] == ["access_denied"]

    text = page_text(browser, back, status=400)

    assert text == "The login failed: access_denied. Log in"


def test_a_callback_with_no_login_started_is_refused_with_a_page(browser):
    text = page_text(browser, "/callback?code=abc&state=xyz", status=400)

    assert text == "No login was started here. Log in"


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
    endpoint = f"{to_provider.scheme}://{to_provider.netloc}{to_provider.path}"
    assert endpoint == oauth_provider.metadata["end_session_endpoint"]
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == [APP_URL + "/"]

    back = requests.get(to_provider.geturl(), allow_redirects=False, timeout=10)
    assert back.status_code == 302
    assert back.headers["Location"] == f"{APP_URL}/?state={query['state'][0]}"
    text = page_text(browser, back.headers["Location"])
    assert text == "You are logged out, here and at the provider. Log in"


def test_the_article_mistakes_fail_as_the_tutorial_shows(monkeypatch, capsys):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    mistakes = import_fresh(monkeypatch, TUTORIAL / "article_mistakes.py")

    mistakes.main()

    assert capsys.readouterr().out == (TUTORIAL / "article_mistakes.txt").read_text()

"""The tests a learner writes for app.py, against the mock provider of the `oauth_provider` fixture.

Each test gets a fresh provider on a free loopback port, with the client and the user declared
below. Flask's test client plays the browser on the app; `requests` plays it at the provider.
"""

# --8<-- [start:setup]
import pytest
import requests
from app import create_app

APP_URL = "http://127.0.0.1:5000"

pytestmark = pytest.mark.oauth_provider(
    clients={
        "my-app": {
            "client_secret": "my-app-secret",
            "redirect_uris": [APP_URL + "/callback"],
            "scope": "openid profile email",
        }
    },
    auto_login="alice",
)


@pytest.fixture
def browser(oauth_provider):
    """The app, configured for this test's provider, and a test client to browse it."""
    app = create_app(oauth_provider.issuer, "my-app", "my-app-secret")
    return app.test_client()


def log_in(browser):
    """Press "log in": the provider signs alice in at once and sends the browser back."""
    to_provider = browser.get(APP_URL + "/login").headers["Location"]
    back = requests.get(to_provider, allow_redirects=False, timeout=10).headers["Location"]
    return browser.get(back)


# --8<-- [end:setup]


# --8<-- [start:login]
def test_login_ends_on_the_profile_with_alices_name_and_email(browser):
    arrived = log_in(browser)

    assert arrived.headers["Location"] == "/profile"
    profile = browser.get(APP_URL + "/profile")
    assert profile.text == "Hello, Alice Adams. Your email is alice@example.com."


# --8<-- [end:login]


# --8<-- [start:expiry]
def test_an_expired_access_token_asks_the_user_to_log_in_again(browser, oauth_provider):
    log_in(browser)

    oauth_provider.advance_clock(3601)  # access tokens live 3600 seconds
    profile = browser.get(APP_URL + "/profile")

    assert profile.status_code == 401
    assert profile.text == "Your session has expired. Please log in again."
    assert oauth_provider.log()[0]["status"] == 401  # the provider refused the old token


# --8<-- [end:expiry]


# --8<-- [start:rotation]
def test_login_still_works_after_the_provider_rotates_its_signing_key(browser, oauth_provider):
    log_in(browser)

    new_kid = oauth_provider.rotate_keys()
    arrived = log_in(browser)  # this ID token is signed with the new key

    assert arrived.headers["Location"] == "/profile"
    assert new_kid in requests.get(oauth_provider.metadata["jwks_uri"], timeout=10).text
    jwks_fetches = [e for e in oauth_provider.log() if e["request"] == "GET /jwks"]
    assert len(jwks_fetches) == 3  # the app's first fetch, its refetch, and ours just above


# --8<-- [end:rotation]

"""Tutorial 4, "Migrating a Flask-OAuthlib app to Authlib", run as the learner runs it.

Flask-OAuthlib is tried in a throwaway virtual environment of its own, made with the install line
of the tutorial's commands.sh (installing it here would downgrade oauthlib and requests-oauthlib).
The port (tutorials/04-flask-oauthlib-migration/app.py) is imported fresh for each test, with the
settings of commands.sh, and talks over real HTTP to a real mock provider on a free loopback port;
Flask's test client plays the browser at http://127.0.0.1:8000.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from .consent import answer_consent
from .tutorial_files import import_fresh

TUTORIAL = Path(__file__).parents[2] / "tutorials" / "04-flask-oauthlib-migration"
COMMANDS = (TUTORIAL / "commands.sh").read_text()
APP_URL = "http://127.0.0.1:" + re.search(r"flask --app app run --port (\d+)", COMMANDS)[1]
SETTINGS = dict(re.findall(r"^export (\w+)=(\S+)$", COMMANDS, re.MULTILINE))
PIP_INSTALL = shlex.split(re.search(r"/bin/pip install (.+)$", COMMANDS, re.MULTILINE)[1])
IMPORT = shlex.split(re.search(r"/bin/python (-c .+)$", COMMANDS, re.MULTILINE)[1])
# What pip says when it cannot reach the package index (no network, no proxy).
UNREACHABLE = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name "
    r"resolution|Network is unreachable|No matching distribution found for Flask-OAuthlib"
)

pytestmark = pytest.mark.oauth_provider(auto_login="alice")


@pytest.fixture(scope="session")
def flask_oauthlib_venv(tmp_path_factory) -> Path:
    """A throwaway virtual environment with Flask-OAuthlib installed as commands.sh installs it."""
    venv = tmp_path_factory.mktemp("flask-oauthlib-venv")
    # Without a pip of its own: this environment's pip installs into it (--python), which is
    # quicker than bootstrapping one, and installs the same packages.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-compile"]
    installed = subprocess.run(
        [*pip, "--disable-pip-version-check", *PIP_INSTALL],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if installed.returncode != 0:
        if UNREACHABLE.search(installed.stdout + installed.stderr):
            pytest.skip("pip cannot reach the package index to install Flask-OAuthlib 0.9.6")
        pytest.fail(installed.stdout + installed.stderr)
    return python


def test_flask_oauthlib_installs_but_does_not_import_on_flask_3(flask_oauthlib_venv):
    imported = subprocess.run(
        [str(flask_oauthlib_venv), *IMPORT], capture_output=True, text=True, timeout=60
    )

    assert imported.returncode == 1
    stderr = re.sub(r"\(/\S*/site-packages/", "(.../site-packages/", imported.stderr)
    assert stderr.endswith((TUTORIAL / "import_error.txt").read_text())


def test_installing_flask_oauthlib_downgrades_oauthlib_and_requests_oauthlib(flask_oauthlib_venv):
    versions = subprocess.run(
        [
            str(flask_oauthlib_venv),
            "-c",
            "from importlib.metadata import version as v;"
            "print(v('flask'), v('oauthlib'), v('requests-oauthlib'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    flask, oauthlib, requests_oauthlib = (int(v.split(".")[0]) for v in versions)

    assert flask >= 3
    assert oauthlib < 3  # the project's environment has oauthlib 3 or newer
    assert requests_oauthlib < 2  # and requests-oauthlib 2


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, oauth_provider) -> pytest.MonkeyPatch:
    """The environment of commands.sh, but for the provider's port."""
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ISSUER", oauth_provider.issuer)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return monkeypatch


@pytest.fixture
def browser(configured) -> FlaskClient:
    return import_fresh(configured, TUTORIAL / "app.py").app.test_client()


def page_text(browser: FlaskClient, path: str, status: int = 200) -> str:
    response = browser.get(path if "://" in path else APP_URL + path)
    assert response.status_code == status
    page = BeautifulSoup(response.text, "html.parser")
    page.title.decompose()  # the text of the page as the learner reads it, without the tab's
    return page.get_text(" ", strip=True)


def to_provider_and_back(browser: FlaskClient) -> str:
    """Press "Log in"; the provider signs alice in at once; return where it sends her back."""
    to_provider = browser.get(APP_URL + "/login").headers["Location"]
    back = requests.get(to_provider, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    return back.headers["Location"]


def test_settings_are_those_of_the_seeded_web_app_client(oauth_provider):
    web_app = oauth_provider.client(SETTINGS["CLIENT_ID"])
    assert web_app.client_secret == SETTINGS["CLIENT_SECRET"]
    assert APP_URL + "/callback" in web_app.redirect_uris
    assert SETTINGS["ISSUER"] == "http://127.0.0.1:9000"


def test_the_secret_key_comes_from_the_environment_or_is_generated(configured):
    generated = [import_fresh(configured, TUTORIAL / "app.py").app.secret_key for _ in range(2)]
    configured.setenv("SECRET_KEY", "from-the-environment")
    chosen = import_fresh(configured, TUTORIAL / "app.py").app.secret_key

    assert generated[0] != generated[1]
    assert len(generated[0]) == 64
    assert chosen == "from-the-environment"


def test_login_sends_state_and_pkce_and_ends_on_the_dashboard(browser, oauth_provider):
    query = parse_qs(urlsplit(browser.get(APP_URL + "/login").headers["Location"]).query)
    assert query["redirect_uri"] == [APP_URL + "/callback"]
    assert query["code_challenge_method"] == ["S256"]
    assert "state" in query

    back = to_provider_and_back(browser)
    assert browser.get(back).headers["Location"] == "/dashboard"

    assert page_text(browser, "/dashboard") == (
        "Welcome to the dashboard! The provider says your name is Alice Adams. "
        "Logged in as: alice@example.com Dashboard · Log out"
    )
    assert oauth_provider.log()[0]["request"] == "GET /userinfo"


@pytest.mark.oauth_provider(auto_login=None)  # alice signs in and sees the consent page
def test_pressing_deny_ends_on_a_page_that_says_so_not_on_an_error(browser):
    to_provider = browser.get(APP_URL + "/login").headers["Location"]
    back = answer_consent(to_provider, "Deny")
    assert parse_qs(urlsplit(back).query)["error"] == ["access_denied"]
    assert "error_reason" not in parse_qs(urlsplit(back).query)

    text = page_text(browser, back, status=400)

    assert text.startswith("You are not logged in: ")
    assert text.endswith(" (access_denied). Log in")


def test_a_callback_whose_state_is_not_ours_is_refused_with_a_page(browser):
    forged = re.sub(r"state=[^&]+", "state=not-the-one-we-sent", to_provider_and_back(browser))

    text = page_text(browser, forged, status=400)

    assert text == (
        "You are not logged in: CSRF Warning! State not equal in request and response. "
        "(mismatching_state). Log in"
    )
    assert page_text(browser, "/") == "Log in"


def test_logout_works_even_when_nobody_is_logged_in(browser):
    assert browser.get(APP_URL + "/logout").headers["Location"] == "/"
    assert page_text(browser, "/") == "Log in"


def test_logout_forgets_the_user(browser):
    browser.get(to_provider_and_back(browser))
    assert "Logged in as: alice@example.com" in page_text(browser, "/")

    browser.get(APP_URL + "/logout")

    assert page_text(browser, "/") == "Log in"


def test_the_articles_error_branch_fails_as_the_tutorial_shows(monkeypatch, capsys):
    article = import_fresh(monkeypatch, TUTORIAL / "article_error_branch.py")

    article.main()

    assert capsys.readouterr().out == (TUTORIAL / "article_error_branch.txt").read_text()

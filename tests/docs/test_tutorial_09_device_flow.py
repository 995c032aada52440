"""Tutorial 9, "Sign in on a TV: the device flow", run as the learner runs it.

The tutorial's script (tutorials/09-device-flow/device_flow.py) is imported fresh and run against
a real mock provider on a free loopback port, started without --auto-login as the tutorial's
commands.sh starts it. A person with a browser (requests, reading each page's form with
BeautifulSoup, so every hidden field such as a CSRF token is carried) reads the code off the
script's output and signs in as alice on the verification page, while the script polls.

The script waits between polls with the `wait` it is given (time.sleep for a learner). Here,
waiting moves the provider's clock instead, which is stopped otherwise: the provider measures
the polling interval with that clock (RFC 8628 §3.5), so the test sees the same answers as a
learner who waits 10 s, in well under a second.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from urllib.parse import urljoin

import pytest
import requests
from bs4 import BeautifulSoup

from .script_output import fixed_clock_config, shape
from .tutorial_files import import_fresh

TUTORIAL = Path(__file__).parents[2] / "tutorials" / "09-device-flow"
COMMANDS = (TUTORIAL / "commands.sh").read_text()


@pytest.fixture
def oauth_provider_config(tmp_path):
    """The seeded provider with its clock stopped: it moves only when the script waits."""
    return fixed_clock_config(tmp_path / "provider.sqlite3")


@pytest.fixture
def device_flow(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The tutorial's script, imported as a new module, as `python device_flow.py` runs it."""
    return import_fresh(monkeypatch, TUTORIAL / "device_flow.py")


class Person:
    """Someone with a phone: reads the TV's screen, then signs in and decides in a browser."""

    def __init__(self) -> None:
        self.browser = requests.Session()
        self.last_page: BeautifulSoup | None = None

    def decide(self, screen: str, decision: str) -> None:
        """Open the verification_uri, type the user_code, sign in as alice, press `decision`."""
        verification_uri, user_code = re.search(
            r"open (\S+)\n +and enter the code (\S+)", screen
        ).groups()
        page = self.browser.get(verification_uri, timeout=10)
        page = self.press(page, "Continue", user_code=user_code)
        page = self.press(page, "Sign in as alice")
        page = self.press(page, decision)
        self.last_page = BeautifulSoup(page.text, "html.parser")

    def press(self, page: requests.Response, button: str, **typed: str) -> requests.Response:
        """Post the form that holds `button`, with every field the page put in it."""
        soup = BeautifulSoup(page.text, "html.parser")
        pressed = soup.find("button", string=button)
        assert pressed is not None, f"no {button!r} button on {page.url}"
        form = pressed.find_parent("form")
        fields = {field["name"]: field.get("value", "") for field in form.find_all("input")}
        if pressed.get("name"):
            fields[pressed["name"]] = pressed["value"]
        fields.update(typed)
        response = self.browser.post(urljoin(page.url, form.get("action")), data=fields, timeout=10)
        assert response.status_code == 200, response.text
        return response


def run_while_person_decides(device_flow, oauth_provider, capsys, decision: str):
    """Run the script; the person acts during its second wait. Returns (output, waits, person)."""
    person, waits, screen = Person(), [], []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        screen.append(capsys.readouterr().out)  # what the TV shows so far
        if len(waits) == 2:
            person.decide("".join(screen), decision)
        oauth_provider.advance_clock(seconds)

    device_flow.run(oauth_provider.issuer, wait=wait)
    return "".join(screen) + capsys.readouterr().out, waits, person


def test_the_commands_start_the_provider_without_auto_login():
    assert "oauth-sandbox provider\n" in COMMANDS
    assert "python device_flow.py\n" in COMMANDS


def test_the_script_prints_what_the_tutorial_shows(device_flow, oauth_provider, capsys):
    output, waits, person = run_while_person_decides(device_flow, oauth_provider, capsys, "Approve")

    sample = (TUTORIAL / "device_flow.txt").read_text()
    assert shape(output, oauth_provider.issuer) == shape(sample, "http://127.0.0.1:9000")
    assert waits == [10, 10]  # the interval of 5 s, plus 5 s after slow_down
    assert person.last_page.h1.get_text() == "Device approved"


def test_polls_answer_pending_then_slow_down_then_the_tokens(device_flow, oauth_provider, capsys):
    output, _, _ = run_while_person_decides(device_flow, oauth_provider, capsys, "Approve")

    polls = re.findall(r"^   poll \d+, .*$", output, re.MULTILINE)
    pending = (
        "authorization_pending: the user has not approved or denied this device code yet; poll "
        "again after the interval (RFC 8628 section 3.5)"
    )
    assert polls == [
        f"   poll 1, at once: {pending}",
        "   poll 2, at once: slow_down: polled 0.0 s after the previous poll; the interval is "
        "now 10 s",
        f"   poll 3, after 10 s: {pending}",
        "   poll 4, after 10 s: tokens",
    ]
    assert output.endswith("   userinfo says: Alice Adams\n")


def test_a_denied_device_gets_access_denied_and_no_tokens(device_flow, oauth_provider, capsys):
    output, _, person = run_while_person_decides(device_flow, oauth_provider, capsys, "Deny")

    assert person.last_page.h1.get_text() == "Device denied"
    assert re.search(r"^   poll 4, after 10 s: access_denied\b", output, re.MULTILINE)
    assert output.endswith("\nNo tokens: the person denied the request, or the code expired.\n")

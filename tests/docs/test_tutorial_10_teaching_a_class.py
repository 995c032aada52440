"""Tutorial 10, "Teach a class with the sandbox", checked against a real provider.

The tutorial's playlist is read with the sandbox's own loader, the sandbox serves it on
/instructor, and each scenario is launched from there and run to the end as a learner would; the
table of what the class sees (what-the-class-sees.md, included in the page) must be exactly what
the pages say. The instructor's controls are pressed in the tutorial's order and their outcomes
compared with the sentences the page quotes.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from mock_provider import ProviderConfig
from mock_provider.server import serve_in_thread
from sandbox import SandboxConfig, create_app, playlists
from tests.end_to_end.sandbox_pages import SANDBOX, page

ROOT = Path(__file__).parents[2]
TUTORIAL = ROOT / "tutorials" / "10-teaching-a-class"
COMMANDS = (TUTORIAL / "commands.sh").read_text()
PAGE = " ".join((ROOT / "docs" / "tutorials" / "10-teaching-a-class.md").read_text().split())
PLAYLIST = TUTORIAL / re.search(r"--playlist tutorials/10-teaching-a-class/(\S+)", COMMANDS)[1]
CLASSROOM = TUTORIAL / re.search(r"--config tutorials/10-teaching-a-class/(\S+)", COMMANDS)[1]


@pytest.fixture
def provider(tmp_path):
    """The provider `oauth-sandbox run` starts, on a free port (alice signs in at once)."""
    running = serve_in_thread(
        ProviderConfig.load(database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}", auto_login="alice")
    )
    yield running
    running.stop()


@pytest.fixture
def instructor(provider):
    """The instructor's browser on a sandbox started with the tutorial's playlist."""
    config = SandboxConfig(issuer=provider.issuer, base_url=SANDBOX, playlist=PLAYLIST)
    return create_app(config).test_client()


def press(browser, path: str, button: str, **form) -> str:
    """Open `path` and press the button named `button` (its text or accessible name), sending
    its form's hidden fields as a browser does; returns where the answer redirects."""
    shown = page(browser.get(path))
    pressed = shown.find("button", attrs={"aria-label": button}) or shown.find(
        "button", string=button
    )
    assert pressed is not None, f"no button {button!r} on {path}"
    fields = {
        field["name"]: field.get("value", "")
        for field in pressed.find_parent("form").find_all("input", type="hidden")
    }
    if pressed.get("name"):
        fields[pressed["name"]] = pressed.get("value", "")
    answer = browser.post(pressed.find_parent("form")["action"], data={**fields, **form})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    return urlsplit(answer.headers["Location"]).path


def run_to_the_end(browser, path: str) -> None:
    """From a run's first step: follow the link to the provider (alice signs in at once), come
    back with the code, and press Run to the end on the next step, unless the run has stopped."""
    link = page(browser.get(path)).find("a", string="Follow the link to the provider")
    at_provider = requests.get(link["href"], allow_redirects=False, timeout=10)
    back = urlsplit(at_provider.headers["Location"])
    arrived = browser.get(f"{back.path}?{back.query}")
    assert arrived.status_code == 302
    response_page = page(browser.get(arrived.headers["Location"]))
    if response_page.find("section", attrs={"aria-labelledby": "what-went-wrong"}):
        return  # the run stopped at the authorization response
    next_step = response_page.find("a", string=re.compile("^Next: "))
    press(browser, next_step["href"], "Run to the end")


def table_row(browser, number: int, item) -> str:
    """One row of what-the-class-sees.md, read off the pages of a run of the playlist item."""
    title = item.strong.text
    path = press(browser, "/instructor", f"Launch {title}")
    run_to_the_end(browser, path)
    shown = page(browser.get(path))
    panel = shown.find("section", attrs={"aria-labelledby": "what-went-wrong"})
    banner = shown.find("section", attrs={"aria-labelledby": "scenario-title"})
    at_fault = banner.find(class_="at-fault").text
    surfaced = panel.find("a", class_="surfaced").text
    learner_sees = " ".join(panel.find_all("p", recursive=False)[0].text.split())
    return f"| {number} | {title} | {at_fault} | {surfaced} | {learner_sees} |"


def test_the_playlist_loads_with_the_sandboxs_loader_and_each_id_is_in_the_catalogue(provider):
    playlist = playlists.load(PLAYLIST)
    catalogue = requests.get(f"{provider.issuer}/control/scenarios", timeout=10).json()

    assert playlist.title in PAGE
    assert set(playlist.scenarios) <= {entry["id"] for entry in catalogue["scenarios"]}


def test_each_scenario_of_the_playlist_launches_and_shows_what_the_table_says(instructor):
    listed = page(instructor.get("/instructor")).select("section.playlist li")
    expected = (TUTORIAL / "what-the-class-sees.md").read_text().strip().splitlines()

    assert [item.code.text for item in listed] == list(playlists.load(PLAYLIST).scenarios)
    rows = [table_row(instructor, n, item) for n, item in enumerate(listed, start=1)]
    marked = page(instructor.get("/instructor")).select("section.playlist li.launched")

    assert rows == expected[2:]  # after the header and its rule
    assert len(marked) == len(listed)
    assert "launched in this browser ✓" in PAGE


def outcome(browser, path: str, button: str, **form) -> str:
    """Press an instructor button; the text of the outcome the page then shows."""
    shown = page(browser.get(press(browser, path, button, **form)))
    said = shown.find("section", attrs={"aria-label": "What happened"})
    return " ".join(said.get_text(" ", strip=True).split())


def test_the_clock_key_and_reset_controls_say_what_the_tutorial_quotes(instructor, provider):
    run_to_the_end(
        instructor, press(instructor, "/", "Start Authorization code with OpenID Connect")
    )

    quiet = outcome(instructor, "/instructor", "Advance 1 min")
    hour = outcome(instructor, "/instructor", "Advance 1 h")
    back = outcome(instructor, "/instructor", "Reset clock")
    rotated = outcome(instructor, "/instructor", "Rotate signing key")
    asked = page(instructor.get("/instructor/reset"))
    reset = outcome(instructor, "/instructor/reset", "Yes, reset everything")

    for said, quoted in [
        (quiet, "Nothing expired as a result."),
        (hour, "alice's grant to"),
        (hour, ") expired "),
        (back, "The provider's clock is back to the real time."),
        (rotated, "The provider now signs with a new key, kid"),
        (rotated, "The JWKS lists 2 keys"),
        (reset, "The provider forgot everything"),
    ]:
        assert quoted in said
        assert quoted in PAGE
    assert asked.find("button", string="Yes, reset everything") is not None
    assert "**Yes, reset everything**" in PAGE


def test_the_classroom_client_is_registered_for_the_sandbox_the_lan_commands_start():
    client = ProviderConfig.load(CLASSROOM).clients[0]
    sandbox = re.search(r"oauth-sandbox sandbox --host (\S+) --issuer (\S+)", COMMANDS)
    provider_host = re.search(r"oauth-sandbox provider --host (\S+)", COMMANDS)[1]

    assert client.redirect_uris == (f"http://{sandbox[1]}:8000/callback",)
    assert sandbox[2] == f"http://{provider_host}:9000"
    assert f"--client-id {client.client_id} --client-secret {client.client_secret}" in COMMANDS


def test_beyond_loopback_the_control_api_refuses_a_request_without_the_instructor_token(tmp_path):
    running = serve_in_thread(
        ProviderConfig.load(
            database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}", instructor_token="s3cret-token"
        )
    )
    try:
        refused = requests.post(
            f"{running.issuer}/control/clock/advance", data={"seconds": 60}, timeout=10
        )
        allowed = requests.post(
            f"{running.issuer}/control/clock/advance",
            data={"seconds": 60},
            headers={"Authorization": "Bearer s3cret-token"},
            timeout=10,
        )
    finally:
        running.stop()

    assert refused.status_code == 401
    assert "needs the instructor token" in refused.json()["error_description"]
    assert allowed.status_code == 200
    assert "Authorization: Bearer $INSTRUCTOR_TOKEN" in COMMANDS

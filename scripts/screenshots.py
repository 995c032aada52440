"""Take the docs' screenshots by clicking through the sandbox in a real browser.

Usage: python scripts/screenshots.py [--out docs/tutorials/img] [--instructor-out docs/how-to/img]

It starts `oauth-sandbox run --playlist playlists/first-class.toml` on loopback (ports 8000 and
9000 when free) with a throwaway provider database and drives Debian's Chromium with Playwright.
Two sets come out, so the pictures in the docs are of the current pages:

- the first tutorial (`--out`): one PNG per step, clicked exactly as the tutorial tells a learner;
- the instructor's class (`--instructor-out`): at 1280x720 in presenter mode, the instructor page
  with the playlist, then the failure page ("What went wrong") of each of its five scenarios.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
VIEWPORT = {"width": 1280, "height": 800}
PROJECTOR = {"width": 1280, "height": 720}
PLAYLIST = Path(__file__).resolve().parents[1] / "playlists" / "first-class.toml"
#: More `subprocess.Popen` options for the apps' process: the test makes it end with pytest.
POPEN_OPTIONS: dict = {}


def port(preferred: int) -> int:
    """The documented port when it is free (the pictures then match the text), else any."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_apps(state_home: str) -> tuple[subprocess.Popen, str, str]:
    """`oauth-sandbox run` on free ports; returns the process and the sandbox's and the
    provider's URLs."""
    sandbox, provider = port(8000), port(9000)
    command = [str(Path(sys.executable).with_name("oauth-sandbox")), "run"]
    command += ["--port", str(sandbox), "--provider-port", str(provider)]
    command += ["--playlist", str(PLAYLIST)]
    process = subprocess.Popen(
        command, env={**os.environ, "XDG_STATE_HOME": state_home},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **POPEN_OPTIONS,
    )  # fmt: skip
    url = f"http://127.0.0.1:{sandbox}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).ok:
                return process, url, f"http://127.0.0.1:{provider}"
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("oauth-sandbox run did not answer within 20 s")


def first_tutorial(page: Page, url: str, out: Path) -> list[Path]:
    """Click through "Your first authorization code flow", one screenshot per step."""
    shots: list[Path] = []

    def shot(name: str) -> None:
        shots.append(out / f"01-{name}.png")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=shots[-1])

    page.goto(url)
    shot("flows")
    page.get_by_role("button", name="Start Authorization code with OpenID Connect").click()
    shot("authorization-request")
    page.get_by_role("link", name="Follow the link to the provider").click()
    shot("provider-sign-in")
    page.get_by_role("button", name="Sign in as alice").click()
    shot("provider-consent")
    page.get_by_role("button", name="Allow").click()
    shot("authorization-response")
    page.get_by_role("link", name="Next: token request").click()
    page.get_by_role("button", name="Send this request").click()
    shot("token-response")
    page.get_by_role("link", name="Next: id token validation").click()
    page.get_by_role("button", name="Run the checks").click()
    page.get_by_role("heading", name="ID token checklist").scroll_into_view_if_needed()
    shot("id-token-checklist")
    page.set_viewport_size({"width": 375, "height": 800})  # the same page on a phone
    page.get_by_role("heading", name="ID token checklist").scroll_into_view_if_needed()
    shot("phone-id-token-checklist")
    page.set_viewport_size(VIEWPORT)
    return shots


def answer_the_provider(page: Page, provider: str) -> None:
    """Sign in as alice and allow, whenever the provider asks (each scenario is a new client)."""
    for _ in range(3):
        page.wait_for_load_state()
        if not page.url.startswith(provider):
            return
        title = page.get_by_role("heading", level=1).inner_text()
        answer = {"Sign in": "Sign in as alice", "Allow access?": "Allow"}.get(title)
        if answer is None:
            return
        page.get_by_role("button", name=answer, exact=True).click()


def run_to_the_failure(page: Page, provider: str) -> None:
    """Click on through a scenario's steps until its "What went wrong" shows."""
    went_wrong = page.get_by_role("region", name="What went wrong")
    for _ in range(12):
        page.wait_for_load_state()
        if went_wrong.count():
            return
        follow = page.get_by_role("link", name="Follow the link to the provider")
        next_link = page.get_by_role("link", name=re.compile("^Next: "))
        if follow.count():
            follow.click()
            answer_the_provider(page, provider)
        elif next_link.count():
            next_link.click()
        else:
            page.get_by_role("button", name="Run to the end").click()
    raise SystemExit(f"no failure shown at {page.url}")


def instructor_class(page: Page, url: str, provider: str, out: Path) -> list[Path]:
    """In presenter mode at 1280x720: the playlist, then each scenario's failure page."""
    shots: list[Path] = []

    def shot(name: str) -> None:
        shots.append(out / f"instructor-{name}.png")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=shots[-1])

    page.goto(f"{url}/instructor")
    page.get_by_role("button", name="Presenter mode on").click()
    page.get_by_role("heading", name=re.compile("^Playlist")).scroll_into_view_if_needed()
    shot("playlist")
    entries = page.get_by_role("region", name=re.compile("^Playlist")).get_by_role("listitem")
    for position in range(entries.count()):
        scenario_id = entries.nth(position).locator("code").inner_text()
        entries.nth(position).get_by_role("button", name=re.compile("^Launch")).click()
        run_to_the_failure(page, provider)
        page.evaluate("document.getElementById('what-went-wrong').scrollIntoView()")
        shot(f"{position + 1}-{scenario_id}")
        page.get_by_role("link", name="Instructor mode").click()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/tutorials/img"))
    parser.add_argument("--instructor-out", type=Path, default=Path("docs/how-to/img"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    args.instructor_out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as state_home:
        process, url, provider = start_apps(state_home)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                shots = first_tutorial(browser.new_page(viewport=VIEWPORT), url, args.out)
                room = browser.new_page(viewport=PROJECTOR)  # a context of its own
                shots += instructor_class(room, url, provider, args.instructor_out)
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
    for path in shots:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

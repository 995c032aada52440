"""Take the tutorials' screenshots by clicking through the sandbox in a real browser.

Usage: python scripts/screenshots.py [--out docs/tutorials/img]

It starts `oauth-sandbox run` on loopback (ports 8000 and 9000 when free) with a throwaway
provider database, drives Debian's Chromium with Playwright exactly as the first tutorial tells a
learner to click, and saves one PNG per step, so the pictures in the docs are of the current
pages.
"""

from __future__ import annotations

import argparse
import os
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


def port(preferred: int) -> int:
    """The documented port when it is free (the pictures then match the text), else any."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_apps(state_home: str) -> tuple[subprocess.Popen, str]:
    """`oauth-sandbox run` on free ports; returns the process and the sandbox's URL."""
    sandbox, provider = port(8000), port(9000)
    command = [str(Path(sys.executable).with_name("oauth-sandbox")), "run"]
    command += ["--port", str(sandbox), "--provider-port", str(provider)]
    process = subprocess.Popen(
        command, env={**os.environ, "XDG_STATE_HOME": state_home},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{sandbox}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).ok:
                return process, url
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
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/tutorials/img"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as state_home:
        process, url = start_apps(state_home)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                shots = first_tutorial(browser.new_page(viewport=VIEWPORT), url, args.out)
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
    for path in shots:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

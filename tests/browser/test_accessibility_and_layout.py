"""axe-core on every kind of page a learner meets, the layout at phone width and in presenter
mode, and the docs' screenshots taken from the current pages.

axe runs inside the page (axe-playwright-python bundles axe-core: nothing is fetched). A
"serious" or "critical" violation fails the test; the message lists each rule and where it hit.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .pages import start

BLOCKING = ("serious", "critical")
ROOT = Path(__file__).resolve().parents[2]


def _front_channel(page: Page, sandbox) -> None:
    start(page, sandbox.url)
    page.get_by_role("link", name="Follow the link to the provider").click()


def _token_response(page: Page, sandbox) -> None:
    _front_channel(page, sandbox)
    page.get_by_role("link", name="Next: token request").click()
    page.get_by_role("button", name="Send this request").click()


def _id_token_checklist(page: Page, sandbox) -> None:
    _token_response(page, sandbox)
    page.get_by_role("link", name="Next: id token validation").click()
    page.get_by_role("button", name="Run the checks").click()


def _timeline(page: Page, sandbox) -> None:
    _front_channel(page, sandbox)
    page.get_by_role("link", name="Next: token request").click()
    page.get_by_role("button", name="Run to the end").click()
    page.get_by_role("link", name="See the whole run").click()


def _presenter(page: Page, sandbox) -> None:
    _token_response(page, sandbox)
    page.get_by_role("button", name="Presenter mode on").click()
    expect(page.get_by_role("button", name="Presenter mode off")).to_be_visible()


def _provider_sign_in(page: Page, sandbox) -> None:
    start(page, sandbox.url)
    page.get_by_role("link", name="Follow the link to the provider").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def _provider_consent(page: Page, sandbox) -> None:
    """prompt=consent makes the provider ask again even where consent was given before."""
    start(page, sandbox.url)
    link = page.get_by_role("link", name="Follow the link to the provider")
    page.goto(link.get_attribute("href") + "&prompt=consent")
    page.get_by_role("button", name="Sign in as alice").click()
    expect(page.get_by_role("button", name="Allow")).to_be_visible()


def _provider_error(page: Page, sandbox) -> None:
    page.goto(sandbox.url)
    page.get_by_role("button", name="Launch redirect_uri never registered").first.click()
    page.get_by_role("link", name="Follow the link to the provider").click()
    expect(page.get_by_text("/oauth/callback").first).to_be_visible()


def _provider_device_entry(page: Page, sandbox) -> None:
    page.goto(f"{sandbox.provider.issuer}/device")


def _provider_device_confirm(page: Page, sandbox) -> None:
    start(page, sandbox.url, "Device authorization (TV and console sign-in)")
    page.get_by_role("button", name="Send this request").click()
    page.get_by_role("link", name="Next: user interaction").click()
    code = page.get_by_label("User code").inner_text().strip()
    page.goto(f"{sandbox.provider.issuer}/device?user_code={code}")
    page.get_by_role("button", name="Sign in as alice").click()
    expect(page.get_by_role("button", name="Approve")).to_be_visible()


#: Page kind → how a learner reaches it, and whether the provider asks who signs in ("login")
#: or signs alice in at once ("quick", for pages past the front channel).
PAGES: dict[str, tuple[Callable[[Page, object], None], str]] = {
    "sandbox index": (lambda page, sandbox: page.goto(sandbox.url), "quick"),
    "step: authorization request": (lambda page, sandbox: start(page, sandbox.url), "quick"),
    "step: token response": (_token_response, "quick"),
    "step: ID token checklist": (_id_token_checklist, "quick"),
    "timeline": (_timeline, "quick"),
    "instructor page": (lambda page, sandbox: page.goto(f"{sandbox.url}/instructor"), "quick"),
    "presenter mode": (_presenter, "quick"),
    "provider: sign-in": (_provider_sign_in, "login"),
    "provider: consent": (_provider_consent, "login"),
    "provider: error (redirect_uri mismatch)": (_provider_error, "quick"),
    "provider: device code entry": (_provider_device_entry, "login"),
    "provider: device approval": (_provider_device_confirm, "login"),
}


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.mark.parametrize("name", PAGES)
def test_no_page_has_a_serious_or_critical_accessibility_violation(
    request, context, page: Page, axe: Axe, name: str
) -> None:
    journey, provider = PAGES[name]
    if journey is _provider_error:  # the provider answers 400 on purpose; Chromium logs it
        context.guard.allow("the server responded with a status of 400")
    journey(page, request.getfixturevalue("sandbox" if provider == "login" else "quick_sandbox"))
    page.wait_for_load_state()
    violations = axe.run(page).response["violations"]
    kinds = ", ".join(f"{v['id']} ({v['impact']})" for v in violations)
    print(f"axe: {name}: {len(violations)} violations {kinds}")  # for the suite's report
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]
    assert not blocking, f"{name} ({page.url}):\n" + "\n".join(blocking)


def test_a_step_page_fits_a_375_pixel_phone_without_sideways_scrolling(
    page: Page, quick_sandbox
) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    _id_token_checklist(page, quick_sandbox)
    expect(page.get_by_role("heading", name="ID token checklist")).to_be_visible()
    # Measure once the stylesheet has applied: before `load`, a script may see the bare HTML.
    page.wait_for_load_state("load")
    width, client = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert width <= client + 1, f"the page is {width} px wide in a {client} px window"


def test_presenter_mode_at_1280_by_720_hides_the_side_panel(page: Page, sandbox) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    start(page, sandbox.url)
    expect(page.get_by_role("complementary")).to_be_visible()
    page.get_by_role("button", name="Presenter mode on").click()
    expect(page.get_by_role("heading", name="The authorization request")).to_be_visible()
    expect(page.get_by_role("complementary")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_in_viewport()


def test_the_docs_screenshot_script_takes_all_seven_pictures(tmp_path) -> None:
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts/screenshots.py")
    screenshots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshots)
    # The session's browser holds Playwright's event loop in this thread; the script starts its
    # own Playwright, so it runs in a thread of its own, as it would run alone.
    outcome: list[int] = []
    worker = threading.Thread(
        target=lambda: outcome.append(screenshots.main(["--out", str(tmp_path)]))
    )
    worker.start()
    worker.join(timeout=120)
    assert outcome == [0]
    pictures = sorted(tmp_path.glob("*.png"))
    assert len(pictures) == 7, pictures
    assert all(picture.stat().st_size > 0 for picture in pictures)

"""axe-core on every kind of page a learner meets, the layout at phone width and in presenter
mode, and the docs' screenshots taken from the current pages.

axe runs inside the page (axe-playwright-python bundles axe-core: nothing is fetched). A
"serious" or "critical" violation fails the test; the message lists each rule and where it hit.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from ..processes import ends_with_this_process
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


def _failure_in_presenter_mode(page: Page, sandbox) -> None:
    """A scenario's "What went wrong", in presenter mode: what a room reads from the back."""
    page.goto(sandbox.url)
    page.get_by_role("button", name="Presenter mode on").click()
    page.get_by_role("button", name="Launch ID token for another client").click()
    page.get_by_role("link", name="Follow the link to the provider").click()
    page.get_by_role("link", name="Next: token request").click()
    page.get_by_role("button", name="Run to the end").click()
    expect(page.get_by_role("region", name="What went wrong")).to_be_visible()


def _device_user_code(page: Page, sandbox) -> None:
    """The device's screen: the user code and its QR code."""
    start(page, sandbox.url, "Device authorization (TV and console sign-in)")
    page.get_by_role("button", name="Send this request").click()
    page.get_by_role("link", name="Next: user interaction").click()
    expect(page.get_by_role("img", name=re.compile("^QR code"))).to_be_visible()


def _provider_sign_out(page: Page, sandbox) -> None:
    """Without an id_token_hint the provider asks before it signs anyone out."""
    page.goto(f"{sandbox.provider.issuer}/logout")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _attack_page(page: Page, sandbox) -> None:
    page.goto(sandbox.url)
    page.get_by_role("link", name=re.compile("^Lenient redirect_uri matching")).click()
    page.get_by_role("button", name="Run against the vulnerable setting").click()
    expect(page.get_by_role("link", name="Follow the attacker's link")).to_be_visible()


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
#: (Each step page of the authorization code flow, and its timeline, are checked in one walk:
#: test_each_step_page_of_the_authorization_code_flow_and_its_timeline_passes_axe.)
PAGES: dict[str, tuple[Callable[[Page, object], None], str]] = {
    "sandbox index": (lambda page, sandbox: page.goto(sandbox.url), "quick"),
    "step: device user code and QR code": (_device_user_code, "quick"),
    "instructor page with a playlist": (
        lambda page, sandbox: page.goto(f"{sandbox.url}/instructor"),
        "playlist",
    ),
    "presenter mode": (_presenter, "quick"),
    "presenter mode: what went wrong": (_failure_in_presenter_mode, "quick"),
    "attack page": (_attack_page, "quick"),
    "provider: sign-in": (_provider_sign_in, "login"),
    "provider: consent": (_provider_consent, "login"),
    "provider: error (redirect_uri mismatch)": (_provider_error, "quick"),
    "provider: device code entry": (_provider_device_entry, "login"),
    "provider: device approval": (_provider_device_confirm, "login"),
    "provider: sign-out confirmation": (_provider_sign_out, "login"),
}
FIXTURES = {"login": "sandbox", "quick": "quick_sandbox", "playlist": "playlist_sandbox"}


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
    journey(page, request.getfixturevalue(FIXTURES[provider]))
    blocking = audit(axe, page, name)
    assert not blocking, f"{name} ({page.url}):\n" + "\n".join(blocking)


def audit(axe: Axe, page: Page, name: str) -> list[str]:
    """Run axe on the page as it stands; print every violation, return the blocking ones."""
    page.wait_for_load_state()
    violations = axe.run(page).response["violations"]
    kinds = ", ".join(f"{v['id']} ({v['impact']})" for v in violations)
    blocking = [
        f"{name}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]
    # For the suite's report: the page, its blocking and total violation counts.
    print(f"axe: {name}: {len(blocking)} serious/critical, {len(violations)} in all {kinds}")
    return blocking


def test_each_step_page_of_the_authorization_code_flow_and_its_timeline_passes_axe(
    page: Page, axe: Axe, quick_sandbox
) -> None:
    """One walk, axe on every page of it: before and after each step's request, and the
    timeline. The provider signs alice in at once; its own pages are checked above."""
    blocking: list[str] = []
    start(page, quick_sandbox.url)
    blocking += audit(axe, page, "step: authorization request")
    page.get_by_role("link", name="Follow the link to the provider").click()
    blocking += audit(axe, page, "step: authorization response")
    for step, button in (
        ("token request", "Send this request"),
        ("id token validation", "Run the checks"),
        ("userinfo request", "Send this request"),
    ):
        page.get_by_role("link", name=f"Next: {step}").click()
        blocking += audit(axe, page, f"step: {step}, before")
        page.get_by_role("button", name=button).click()
        blocking += audit(axe, page, f"step: {step}, after")
    expect(page.get_by_text("Alice Adams").first).to_be_visible()
    page.get_by_role("link", name="See the whole run").click()
    blocking += audit(axe, page, "timeline")
    assert not blocking, "\n".join(blocking)


#: Step pages with the widest content: the token response holds decoded JWTs, each claim with its
#: annotation; the checklist a row per rule.
PHONE_PAGES = {
    "token response": (_token_response, "Decoded JWT"),
    "ID token checklist": (_id_token_checklist, "ID token checklist"),
}


@pytest.mark.parametrize("name", PHONE_PAGES)
def test_a_step_page_fits_a_375_pixel_phone_without_sideways_scrolling(
    page: Page, quick_sandbox, name: str
) -> None:
    journey, landmark = PHONE_PAGES[name]
    page.set_viewport_size({"width": 375, "height": 800})
    journey(page, quick_sandbox)
    expect(page.get_by_text(landmark).first).to_be_visible()
    # Measure once the stylesheet has applied: before `load`, a script may see the bare HTML.
    page.wait_for_load_state("load")
    width, client = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className)"""
    )
    assert width <= client + 1, (
        f"{name}: the page is {width} px wide in a {client} px window: {wide}"
    )


def test_presenter_mode_at_1280_by_720_hides_the_side_panel(page: Page, sandbox) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    start(page, sandbox.url)
    expect(page.get_by_role("complementary")).to_be_visible()
    page.get_by_role("button", name="Presenter mode on").click()
    expect(page.get_by_role("heading", name="The authorization request")).to_be_visible()
    expect(page.get_by_role("complementary")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_in_viewport()


def test_presenter_mode_keeps_the_http_messages_readable(page: Page, quick_sandbox) -> None:
    _presenter(page, quick_sandbox)

    raw = page.locator("pre.raw code")
    expect(raw.first).to_be_visible()
    colours = raw.evaluate_all(
        """codes => codes.map(code => {
            const own = getComputedStyle(code), box = getComputedStyle(code.closest("pre"));
            const background = own.backgroundColor === "rgba(0, 0, 0, 0)"
                ? box.backgroundColor : own.backgroundColor;
            return [own.color, background];
        })"""
    )
    assert colours
    assert all(text != background for text, background in colours), colours


def test_the_docs_screenshot_script_takes_the_tutorials_and_the_instructors_pictures(
    tmp_path,
) -> None:
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts/screenshots.py")
    screenshots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshots)
    screenshots.POPEN_OPTIONS = ends_with_this_process()  # its apps end with pytest, even killed
    # The session's browser holds Playwright's event loop in this thread; the script starts its
    # own Playwright, so it runs in a thread of its own, as it would run alone.
    outcome: list[int] = []
    tutorial, instructor = tmp_path / "tutorial", tmp_path / "instructor"
    arguments = ["--out", str(tutorial), "--instructor-out", str(instructor)]
    worker = threading.Thread(target=lambda: outcome.append(screenshots.main(arguments)))
    worker.start()
    worker.join(timeout=180)
    assert outcome == [0]
    pictures = sorted(tutorial.glob("*.png"))
    assert len(pictures) == 8, pictures
    room = sorted(path.name for path in instructor.glob("*.png"))
    assert room == [
        "instructor-1-state-mismatch.png",
        "instructor-2-code-replay.png",
        "instructor-3-pkce-verifier-mismatch.png",
        "instructor-4-nonce-mismatch.png",
        "instructor-5-refresh-token-reuse.png",
        "instructor-playlist.png",
    ]
    for picture in [*pictures, *instructor.glob("*.png")]:
        assert picture.read_bytes().startswith(b"\x89PNG"), picture

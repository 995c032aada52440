"""The authorization code flow clicked through in Chromium, by mouse and by keyboard alone."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from .pages import FLOW_TITLE, heading, sign_in_and_allow, start, userinfo_shows_alice


def test_a_learner_clicks_through_every_step_and_meets_alice(page: Page, sandbox) -> None:
    start(page, sandbox.url)
    expect(heading(page, "authorization request")).to_be_visible()
    page.get_by_role("link", name="Follow the link to the provider").click()
    sign_in_and_allow(page)
    expect(page.get_by_role("region", name="What the client compares before using the code"))
    page.get_by_role("link", name="Next: token request").click()
    page.get_by_role("button", name="Send this request").click()
    expect(page.get_by_role("heading", name="Sent and received").first).to_be_visible()
    page.get_by_role("link", name="Next: id token validation").click()
    page.get_by_role("button", name="Run the checks").click()
    expect(page.get_by_role("heading", name="ID token checklist")).to_be_visible()
    page.get_by_role("link", name="Next: userinfo request").click()
    page.get_by_role("button", name="Send this request").click()
    userinfo_shows_alice(page)
    expect(page.get_by_text("That was the last step.")).to_be_visible()


def test_run_to_the_end_performs_every_back_channel_step_at_once(page: Page, sandbox) -> None:
    start(page, sandbox.url)
    page.get_by_role("link", name="Follow the link to the provider").click()
    sign_in_and_allow(page)
    page.get_by_role("link", name="Next: token request").click()
    page.get_by_role("button", name="Run to the end").click()
    userinfo_shows_alice(page)
    page.get_by_role("link", name="See the whole run").click()
    expect(page.get_by_role("heading", name="Timeline", exact=False).first).to_be_visible()


def test_the_flow_completes_with_the_keyboard_alone(page: Page, sandbox) -> None:
    """Tab, arrow keys, Enter and Space only. The public variant is chosen, so its client is
    new to the provider and the consent page is met too."""
    page.goto(sandbox.url)
    flow = page.get_by_role("region", name=re.compile(f"^{FLOW_TITLE}"))
    tab_to(page, flow.get_by_role("radio", name=re.compile("^Confidential client with PKCE")))
    page.keyboard.press("ArrowDown")  # arrows move the choice inside a radio group
    expect(flow.get_by_role("radio", name=re.compile("^Public client with PKCE"))).to_be_checked()
    press_on(page, "button", f"Start {FLOW_TITLE}")
    press_on(page, "link", "Follow the link to the provider")
    press_on(page, "button", "Sign in as alice")
    press_on(page, "button", "Allow", key="Space")
    press_on(page, "link", "Next: token request")
    press_on(page, "button", "Run to the end", key="Space")
    userinfo_shows_alice(page)


def tab_to(page: Page, target: Locator, limit: int = 200) -> None:
    """Press Tab until `target` has the focus, as a keyboard user reaches a control."""
    expect(target).to_be_visible()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def press_on(page: Page, role: str, name: str, key: str = "Enter") -> None:
    """Tab to the named control, then press `key` and wait for the page it leads to."""
    tab_to(page, page.get_by_role(role, name=name, exact=True))
    with page.expect_navigation():
        page.keyboard.press(key)

"""The device flow with a second page as the user's phone, and a failure scenario from the index."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from .pages import heading, start

DEVICE_FLOW = "Device authorization (TV and console sign-in)"


def test_the_device_flow_completes_once_the_user_approves_on_a_second_page(
    context: BrowserContext, page: Page, sandbox
) -> None:
    start(page, sandbox.url, DEVICE_FLOW)
    page.get_by_role("button", name="Send this request").click()
    page.get_by_role("link", name="Next: user interaction").click()
    code = page.get_by_label("User code").inner_text().strip()

    phone = context.new_page()  # the second screen: the provider's page, code typed by hand
    phone.goto(f"{sandbox.provider.issuer}/device")
    phone.get_by_label("Enter the code shown on your device").fill(code)
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("button", name="Sign in as alice").click()
    expect(phone.get_by_text(code)).to_be_visible()  # the user compares the codes (§5.4)
    phone.get_by_role("button", name="Approve").click()
    expect(phone.get_by_role("heading", name="Device approved")).to_be_visible()
    phone.close()  # only once its navigation is over (microsoft/playwright#42366)

    page.get_by_role("button", name="The code is on screen: start polling").click()
    page.get_by_role("link", name="Next: device token polling").click()
    brought = page.get_by_text("The last poll brought the tokens")
    for polls in range(1, 5):
        sandbox.advance_provider_clock(30)  # past the interval, so no slow_down
        page.get_by_role("button", name="Poll now").click()
        expect(page.get_by_text(f"{polls} poll{'' if polls == 1 else 's'} so far")).to_be_visible()
        if brought.count():
            break
    expect(brought).to_be_visible()


def test_a_scenario_launched_from_the_index_says_what_went_wrong(page: Page, quick_sandbox) -> None:
    page.goto(quick_sandbox.url)
    page.get_by_role("button", name="Launch ID token for another client").first.click()
    expect(heading(page, "Failure scenario: ID token for another client")).to_be_visible()
    page.get_by_role("link", name="Follow the link to the provider").click()
    page.get_by_role("link", name="Next: token request").click()
    page.get_by_role("button", name="Run to the end").click()
    went_wrong = page.get_by_role("region", name="What went wrong")
    expect(went_wrong).to_be_visible()
    expect(went_wrong.get_by_text("It surfaced at id token validation")).to_be_visible()
    expect(went_wrong.get_by_text(re.compile("MUST validate that the aud"))).to_be_visible()
    expect(went_wrong.get_by_text("OIDC Core §3.1.3.7")).to_be_visible()
    expect(went_wrong.locator("dd.fix")).not_to_be_empty()

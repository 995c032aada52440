"""What a learner does on the sandbox's pages, said with roles and accessible names."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

FLOW_TITLE = "Authorization code with OpenID Connect"


def start(page: Page, url: str, flow_title: str = FLOW_TITLE) -> None:
    """Open the index and press the flow's Start button (its first variant is checked)."""
    page.goto(url)
    page.get_by_role("button", name=f"Start {flow_title}").click()


def sign_in_and_allow(page: Page) -> None:
    """At the provider: pick alice on the sign-in page, then allow on the consent page.

    The provider remembers consent per user and client, and the sandbox registers its client
    once per session, so only the first test of a session sees the consent page."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="Sign in as alice").click()
    page.wait_for_load_state()
    if page.get_by_role("button", name="Allow").count():
        page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("link", name="Next: token request")).to_be_visible()


def heading(page: Page, name: str):
    return page.get_by_role("heading", name=re.compile(name))


def userinfo_shows_alice(page: Page) -> None:
    """The last step's recorded response names the signed-in person."""
    expect(heading(page, "UserInfo")).to_be_visible()
    expect(page.get_by_text("Alice Adams").first).to_be_visible()


def at_provider(page: Page, sandbox, consent: str = "Allow") -> None:
    """Whatever the provider asks on the way (sign in, consent, confirm a sign-out), answer it
    as the learner does, until the page is one it does not ask on: back at the sandbox, or a
    provider page that is an outcome in itself (an error page, the device's approval)."""
    for _ in range(4):
        page.wait_for_load_state()
        if not page.url.startswith(sandbox.provider.issuer):
            return
        title = page.get_by_role("heading", level=1).inner_text()
        answer = {"Sign in": "Sign in as alice", "Allow access?": consent, "Sign out?": "Sign out"}
        if title not in answer:
            return
        page.get_by_role("button", name=answer[title], exact=True).click()
    raise AssertionError(f"the provider kept asking: {page.url}")

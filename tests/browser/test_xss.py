"""Hostile values reflected by both apps are shown as text in Chromium, and none of them runs.

Every value a page echoes (state, error_description, redirect_uri, client_id, scope, login_hint,
user_code, post_logout_redirect_uri, a registered client_name, a user's claims) is sent with each
payload of `PAYLOADS`. A `dialog` listener records any alert; after every page, a scan of the DOM
looks for what an injection would have made (an `on…` attribute, an inline script, an element a
payload names, a `javascript:` link). Each payload must also appear on the page as text, which
proves the value really was reflected, and escaped, rather than dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, expect

from mock_provider.error_descriptions import wire_safe

from .conftest import Sandbox, _serve_sandbox, _stop
from .pages import FLOW_TITLE, start

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "</title><svg onload=alert(1)>",
    "{{7*7}}${7*7}<%= 7*7 %>",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",  # fullwidth angle brackets
    "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",  # must stay percent-encoded text
    "&lt;img src=x onerror=alert(1)&gt;",  # must stay entity text, not be decoded twice
]
#: Every payload in one value: one page load per reflected value keeps the run short.
ALL = " ".join(PAYLOADS)

#: What an executed payload leaves behind, besides a dialog.
INJECTED = """() => {
  const found = [];
  for (const element of document.querySelectorAll("*")) {
    for (const name of element.getAttributeNames()) {
      if (name.startsWith("on")) found.push(`${element.tagName} ${name}`);
    }
    for (const name of ["href", "src", "action", "formaction"]) {
      const value = element.getAttribute(name) || "";
      if (/^\\s*javascript:/i.test(value)) found.push(`${element.tagName} ${name}=${value}`);
    }
    if (element.tagName === "SCRIPT" && !element.src) found.push("inline script");
  }
  for (const element of document.querySelectorAll('img[src="x"], svg > svg, iframe, object')) {
    found.push(`injected ${element.tagName}`);
  }
  return found;
}"""


@dataclass
class Watch:
    """One page reused for a group of payloads; it remembers every dialog and injected element."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    pages: int = 0

    def __post_init__(self) -> None:
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message} at {self.page.url}")
        dialog.dismiss()

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.scan()

    def scan(self) -> None:
        """Look for what a payload would have made, on the page now shown."""
        self.page.wait_for_load_state()
        self.pages += 1
        self.injected += [f"{item} at {self.page.url}" for item in self.page.evaluate(INJECTED)]

    def shows(self, text: str) -> None:
        """The text is on the page as text (proof that the value was reflected, escaped)."""
        body = self.page.evaluate("document.body.textContent")
        assert text in body, f"{text!r} is not shown as text on {self.page.url}"

    def shows_each(self, shown_as) -> None:
        """Each payload is on the page as text, in the form `shown_as(payload)`."""
        for payload in PAYLOADS:
            self.shows(shown_as(payload))

    def assert_nothing_ran(self) -> None:
        assert self.dialogs == []
        assert self.injected == []


@pytest.fixture
def watch(page: Page, context: BrowserContext) -> Iterator[Watch]:
    # The provider answers bad requests with 400 pages on purpose; Chromium logs each status.
    context.guard.allow("the server responded with a status of 4")  # type: ignore[attr-defined]
    watched = Watch(page)
    yield watched
    watched.assert_nothing_ran()


def _register(issuer: str, client_name: str, redirect_uri: str) -> str:
    """Register a client over RFC 7591 (open on loopback), with a hostile client_name."""
    metadata = {
        "client_name": client_name,
        "redirect_uris": [redirect_uri],
        "post_logout_redirect_uris": [redirect_uri],
        "scope": "openid profile email",
    }
    answer = requests.post(f"{issuer}/register", json=metadata, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["client_id"]


def test_the_provider_pages_show_every_payload_as_text_and_run_none(watch: Watch, sandbox):
    issuer = sandbox.provider.issuer
    callback = f"{sandbox.url}/callback"
    # client_id, unknown: the error page names it (in the characters RFC 6749 §5.2 allows).
    watch.open(f"{issuer}/authorize?" + urlencode({"client_id": ALL}))
    watch.shows_each(wire_safe)
    # redirect_uri, unregistered: the page compares it with the registered one.
    query = {"client_id": "web-app", "response_type": "code", "redirect_uri": callback + ALL}
    watch.open(f"{issuer}/authorize?{urlencode(query)}")
    watch.shows(callback + ALL)
    # user_code at the device verification page (it reads codes in capitals).
    watch.open(f"{issuer}/device?" + urlencode({"user_code": ALL}))
    watch.shows_each(str.upper)
    # A scenario id in the issuer path: the 404 page names it (a "/" would end the id).
    scenario = ALL.replace("/", "")
    watch.open(f"{issuer}/scenarios/{quote(scenario, safe='')}/authorize")
    watch.shows(f"there is no scenario '{scenario}'")
    # post_logout_redirect_uri, unregistered: confirmed by clicking, then named.
    query = {"client_id": "web-app", "post_logout_redirect_uri": callback + ALL}
    watch.open(f"{issuer}/logout?{urlencode(query)}")
    watch.page.get_by_role("button", name="Sign out").click()
    watch.scan()
    watch.shows(callback + ALL)
    assert watch.pages == 6


def test_a_registered_client_name_state_and_scope_come_back_as_text(watch: Watch, sandbox):
    """client_name on the sign-in and consent pages; state and login_hint carried through the
    provider to the sandbox's redirect_uri, which lists what arrived; then a bad scope, which
    comes back as error_description."""
    issuer, callback = sandbox.provider.issuer, f"{sandbox.url}/callback"
    client_id = _register(issuer, ALL, callback)
    query = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": callback,
        "scope": "openid profile",
        "state": ALL,
        "login_hint": ALL,
    }
    watch.open(f"{issuer}/authorize?{urlencode(query)}")
    watch.shows(ALL)  # client_name on the sign-in page
    watch.page.get_by_role("button", name="Sign in as alice").click()
    watch.scan()
    watch.shows(ALL)  # client_name on the consent page
    watch.page.get_by_role("button", name="Allow").click()
    watch.scan()
    expect(watch.page.get_by_role("heading", name="Unexpected authorization response"))
    watch.shows(f"state={ALL}")
    # Each payload as a scope the client did not register: the provider names the first
    # unknown scope in error_description, which the sandbox lists with the rest of what arrived.
    for payload in PAYLOADS:
        word = payload.split()[0]
        watch.open(f"{issuer}/authorize?{urlencode({**query, 'scope': f'openid {word}'})}")
        watch.shows("invalid_scope")
        watch.shows(f"state={ALL}")
        watch.shows(wire_safe(word))


def test_the_sandbox_shows_a_hostile_error_description_and_state_as_text(watch: Watch, sandbox):
    """The redirect_uri with a state nobody sent, and a run's own callback carrying an
    error_description, as a provider (or an attacker) could send them."""
    watch.open(f"{sandbox.url}/callback?" + urlencode({"state": ALL, "code": ALL}))
    watch.shows(f"state={ALL}")
    start(watch.page, sandbox.url)
    watch.scan()
    link = watch.page.get_by_role("link", name="Follow the link to the provider")
    state = re.search(r"[?&]state=([^&]+)", link.get_attribute("href") or "").group(1)
    answer = {"error": "access_denied", "error_description": ALL, "state": state}
    watch.open(f"{sandbox.url}/callback?{urlencode(answer)}")
    expect(watch.page.get_by_text("The flow stopped.")).to_be_visible()
    watch.shows(ALL)


HOSTILE = {
    "mallory": {
        "name": PAYLOADS[1],
        "given_name": PAYLOADS[0],
        "family_name": PAYLOADS[4],
        "email": PAYLOADS[2],
        "locale": PAYLOADS[5],
        "picture": PAYLOADS[3],
    }
}


@pytest.fixture
def hostile_sandbox(oauth_provider) -> Iterator[Sandbox]:
    """The sandbox against a provider whose only user has hostile claims."""
    url, server, thread = _serve_sandbox(oauth_provider.issuer)
    try:
        yield Sandbox(url=url, provider=oauth_provider)  # type: ignore[arg-type]
    finally:
        _stop(server, thread)


@pytest.mark.oauth_provider(users=HOSTILE)
def test_hostile_claims_show_as_text_at_the_provider_and_in_the_sandbox(
    watch: Watch, hostile_sandbox
):
    """The claims appear on the sign-in and consent pages, in the decoded ID token, in the
    UserInfo response, and in the provider's request-log entry shown beside it."""
    claims = HOSTILE["mallory"]
    start(watch.page, hostile_sandbox.url, FLOW_TITLE)
    watch.page.get_by_role("link", name="Follow the link to the provider").click()
    watch.scan()
    watch.shows(claims["name"])
    watch.shows(claims["email"])
    watch.page.get_by_role("button", name="Sign in as mallory").click()
    watch.scan()
    watch.shows(claims["name"])
    watch.page.get_by_role("button", name="Allow").click()
    watch.scan()
    watch.page.get_by_role("link", name="Next: token request").click()
    watch.page.get_by_role("button", name="Run to the end").click()
    watch.scan()
    expect(watch.page.get_by_role("heading", name=re.compile("UserInfo")).first).to_be_visible()
    for value in claims.values():
        watch.shows(value)
    watch.page.get_by_role("link", name="See the whole run").click()
    watch.scan()
    for value in claims.values():
        watch.shows(value)
    watch.assert_nothing_ran()

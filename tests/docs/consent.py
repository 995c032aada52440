"""The provider's sign-in and consent pages, submitted over HTTP as a browser submits them.

Tutorials 3 and 4 show what their apps do when the user presses Deny. The provider must then run
without --auto-login (which grants consent at once): these helpers press "Sign in as alice" and
then a button of the consent page (RFC 6749 §4.1.2.1), sending each form's fields as rendered,
hidden ones included.
"""

from __future__ import annotations

from urllib.parse import urljoin

import requests
from bs4 import BeautifulSoup


def press(browser: requests.Session, page: requests.Response, button: str) -> requests.Response:
    """Submit the form holding the button whose accessible text is `button`."""
    html = BeautifulSoup(page.text, "html.parser")
    pressed = html.find("button", string=button)
    assert pressed is not None, f"no {button!r} button on {html.title.get_text()!r}"
    form = pressed.find_parent("form")
    fields = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    if pressed.get("name"):  # a named button sends its value, as in a browser
        fields[pressed["name"]] = pressed.get("value", "")
    action = urljoin(page.url, form.get("action") or page.url)
    return browser.post(action, data=fields, allow_redirects=False, timeout=10)


def answer_consent(authorization_url: str, button: str) -> str:
    """Sign in as alice, press "Allow" or "Deny"; return where the provider redirects."""
    browser = requests.Session()
    sign_in = browser.get(authorization_url, timeout=10)
    consent = press(browser, sign_in, "Sign in as alice")
    assert consent.status_code == 200, consent.text
    back = press(browser, consent, button)
    assert back.status_code == 302, back.text
    return back.headers["Location"]

"""Driving the sandbox's pages as a learner does, against a real provider on loopback.

The sandbox runs in-process (Flask's test client plays the learner's browser on the sandbox's
pages); the front channel is carried the way a browser carries it: the helper follows the
authorization link over real HTTP and brings the redirect back.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import requests
from bs4 import BeautifulSoup

from sandbox import SandboxConfig, create_app

SANDBOX = "http://127.0.0.1:8000"


def make_sandbox(issuer: str):
    return create_app(SandboxConfig(issuer=issuer, base_url=SANDBOX)).test_client()


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def submit(learner, on: str, action: str, **typed: str):
    """Open the page at `on` and submit its form that posts to `action` (the one whose hidden
    fields agree with `typed`), as a browser does: with the form's hidden fields, its CSRF token
    among them, and what was typed or chosen."""
    opened = page(learner.get(on, follow_redirects=True))
    for form in opened.find_all("form", attrs={"method": "post", "action": action}):
        hidden = {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden")}
        if all(hidden.get(name, value) == value for name, value in typed.items()):
            return learner.post(action, data={**hidden, **typed})
    raise AssertionError(f"no form posting to {action} with {typed} on {on}")


def submit_at_provider(browser: requests.Session, at: requests.Response, **typed: str):
    """Submit the form of the provider's page `at` whose hidden fields agree with `typed`, as a
    browser does: to its action, with its hidden fields (the provider's CSRF token among them)
    and what was typed or pressed."""
    for form in BeautifulSoup(at.text, "html.parser").find_all("form", method="post"):
        hidden = {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden")}
        if all(hidden.get(name, value) == value for name, value in typed.items()):
            target = urljoin(at.url, form["action"])
            return browser.post(target, data={**hidden, **typed}, allow_redirects=False, timeout=10)
    raise AssertionError(f"no form for {typed} on the provider's page: {at.text[:500]}")


def form_token(learner) -> str:
    """The CSRF token this browser's sandbox pages put in their forms (read from the index)."""
    return page(learner.get("/")).find("input", attrs={"name": "csrf_token"})["value"]


def start(learner, flow: str, variant: str | None = None) -> str:
    """Start a run of `flow`; returns the path of the step page it lands on."""
    chosen = {"variant": variant} if variant else {}
    response = submit(learner, "/", f"/flows/{flow}/runs", **chosen)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return urlsplit(response.headers["Location"]).path


def run_path(path: str) -> str:
    return path.rsplit("/steps/", 1)[0]


def follow_authorization_link(learner, path: str) -> BeautifulSoup:
    """Open the step page, follow its link to the provider, bring the redirect back."""
    link = page(learner.get(path)).find("a", string="Follow the link to the provider")
    at_provider = requests.get(link["href"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert f"{back.scheme}://{back.netloc}" == SANDBOX
    arrived = learner.get(f"{back.path}?{back.query}")
    assert arrived.status_code == 302
    return page(learner.get(arrived.headers["Location"]))


def send(learner, path: str, step: str) -> BeautifulSoup:
    """Press "Send this request" on `step`'s page and return the page it leads to."""
    action = f"{run_path(path)}/steps/{step}"
    response = submit(learner, action, action)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return page(learner.get(response.headers["Location"]))


def finish(learner, path: str):
    """Press "Run to the end" on the run's current step page; return the response."""
    return submit(learner, run_path(path), f"{run_path(path)}/finish")


def step_page(learner, path: str, step: str) -> BeautifulSoup:
    return page(learner.get(f"{run_path(path)}/steps/{step}"))


def verdicts(soup: BeautifulSoup, title: str) -> dict[str, str]:
    section = soup.find("section", attrs={"aria-label": title})
    assert section is not None, f"no section {title!r}"
    return {item.strong.text: item.find(class_="verdict").text for item in section.find_all("li")}


def values(soup: BeautifulSoup, name: str) -> list[str]:
    """Every value shown for parameter `name` in the page's annotated lists, in page order."""
    return [
        dd.find("code", class_="value").text
        for dt, dd in zip(soup.select("dl.params > dt"), soup.select("dl.params > dd"), strict=True)
        if dt.code.text == name
    ]


def unexplained(soup: BeautifulSoup) -> list[str]:
    """Names in the page's annotated lists (parameters, JWT claims) that have no annotation."""
    missing = []
    for listing in soup.select("article.main dl.params, article.main dl.claims"):
        terms, details = (
            listing.find_all("dt", recursive=False),
            listing.find_all("dd", recursive=False),
        )
        for term, detail in zip(terms, details, strict=True):
            if not detail.find(class_="note", recursive=False):
                missing.append(term.text)
    return missing

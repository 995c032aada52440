"""An instructor in presenter mode runs every failure scenario, and a playlist, in Chromium.

The scenarios are the provider's own catalogue (GET /control/scenarios, read once at collection
by tests/end_to_end/test_sandbox_scenarios.py), so a scenario is covered here as soon as the
provider lists it; the VULNERABLE settings are left to the attack pages. Each is launched with
its button, taken to its failure by clicking, and must show on the screen what the catalogue
documents: where it surfaced, the rule, who is at fault and the fix, and the outcome itself (the
error code, the failed check, or the provider's own error page).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.end_to_end.test_sandbox_scenarios import CATALOGUE, OUTCOMES, expected_surface

from .conftest import PLAYLIST, Sandbox
from .pages import at_provider, heading

#: Chromium logs the provider's deliberate 400 page (a refused redirect) as a console error.
REFUSED = "the server responded with a status of 400"


def presenter_mode_on(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Presenter mode on").click()
    expect(page.get_by_role("button", name="Presenter mode off")).to_be_visible()


def run_to_the_failure(page: Page, sandbox: Sandbox) -> Page | None:
    """From a scenario's first step page, click on until "What went wrong" shows. Returns the
    text of the provider's page when the provider refused to redirect (read, then left with
    Back). A refusal is announced before the link is followed; the instructor follows it anyway,
    because the provider's page is the outcome."""
    went_wrong = page.get_by_role("region", name="What went wrong")
    for _ in range(12):
        page.wait_for_load_state()
        follow = page.get_by_role("link", name="Follow the link to the provider")
        if went_wrong.count() and not follow.count():
            return None
        if follow.count():
            deny = page.get_by_text("press Deny").count()  # the step page says what to do
            follow.click()
            at_provider(page, sandbox, consent="Deny" if deny else "Allow")
            if page.url.startswith(sandbox.provider.issuer):
                refused = page.get_by_role("main").inner_text()
                page.go_back()
                expect(went_wrong).to_be_visible()
                return refused
            continue
        next_link = page.get_by_role("link", name=re.compile("^Next: "))
        if next_link.count():
            next_link.click()
        else:
            page.get_by_role("button", name="Run to the end").click()
    raise AssertionError(f"no failure shown after 12 clicks: {page.url}")


def documented_outcome(entry: dict, sandbox: Sandbox) -> str:
    """What the contract says the learner reads, for a sandbox on its own port (the contract
    speaks of the documented ports, 8000 and the attacker's 8001)."""
    port = urlsplit(sandbox.url).port
    outcome = OUTCOMES.get(entry["id"], "")
    return outcome.replace("8001", str(port + 1)).replace("8000", str(port))


def shows_the_documented_outcome(
    page: Page, sandbox: Sandbox, entry: dict, refused: str | None
) -> None:
    """The "What went wrong" region, then the outcome on the page where it surfaced."""
    went_wrong = page.get_by_role("region", name="What went wrong")
    surfaced = expected_surface(entry, refused is not None).replace("_", " ")
    expect(went_wrong.get_by_text(f"It surfaced at {surfaced}")).to_be_visible()
    expect(went_wrong.locator("blockquote")).to_contain_text(entry["rule"])
    expect(went_wrong).to_contain_text(entry["spec"])
    expect(went_wrong.locator("dd.at-fault")).to_have_text(entry["at_fault"])
    expect(went_wrong.locator("dd.fix")).to_have_text(entry["fix"])
    outcome = documented_outcome(entry, sandbox)
    if refused is not None:
        expect(went_wrong).to_contain_text("The provider refused to redirect; that is the outcome.")
        assert outcome in refused, refused
        return
    went_wrong.get_by_role("link", name=surfaced, exact=True).click()
    article = page.get_by_role("article")
    if outcome.startswith("check:"):
        failed = article.locator("section.checks li.fail strong")
        expect(failed.filter(has_text=re.compile(f"^{outcome[6:]}$"))).to_have_count(1)
    else:
        expect(article).to_contain_text(outcome)


@pytest.mark.parametrize("entry", CATALOGUE, ids=[entry["id"] for entry in CATALOGUE])
def test_an_instructor_runs_each_scenario_to_its_documented_failure_in_presenter_mode(
    context, page: Page, quick_sandbox: Sandbox, entry: dict
) -> None:
    context.guard.allow(REFUSED)
    presenter_mode_on(page, quick_sandbox.url)
    page.get_by_role("button", name=f"Launch {entry['title']}", exact=True).click()
    expect(heading(page, f"Failure scenario: {re.escape(entry['title'])}")).to_be_visible()

    refused = run_to_the_failure(page, quick_sandbox)

    shows_the_documented_outcome(page, quick_sandbox, entry, refused)
    expect(page.get_by_role("button", name="Presenter mode off")).to_be_visible()
    expect(page.get_by_role("complementary")).to_be_hidden()  # presenter mode: one column


def test_an_instructor_steps_through_a_playlist_in_order_and_each_entry_is_marked_launched(
    page: Page, playlist_sandbox: Sandbox
) -> None:
    presenter_mode_on(page, f"{playlist_sandbox.url}/instructor")
    playlist = page.get_by_role("region", name=re.compile("^Playlist: First class"))
    entries = playlist.get_by_role("listitem")
    by_id = {entry["id"]: entry for entry in CATALOGUE}
    ids = re.findall(r'"([a-z0-9-]+)"', PLAYLIST.read_text().split("scenarios", 1)[1])
    expect(entries).to_have_count(len(ids))

    for position, scenario_id in enumerate(ids):
        entry = by_id[scenario_id]
        expect(entries.nth(position)).to_contain_text(entry["title"])
        expect(playlist.get_by_text("launched in this browser")).to_have_count(position)
        entries.nth(position).get_by_role("button", name=f"Launch {entry['title']}").click()
        refused = run_to_the_failure(page, playlist_sandbox)
        shows_the_documented_outcome(page, playlist_sandbox, entry, refused)
        page.get_by_role("link", name="Instructor mode").click()
        expect(entries.nth(position)).to_contain_text("launched in this browser ✓")

    expect(playlist.get_by_text("launched in this browser")).to_have_count(len(ids))
    expect(page.get_by_role("button", name="Presenter mode off")).to_be_visible()

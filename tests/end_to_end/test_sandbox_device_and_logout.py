"""The device authorization flow and RP-initiated logout, driven through the sandbox's pages.

The provider is real (auto-login alice). For the device flow, a `requests.Session` plays the
user's phone on the provider's /device page; the provider's clock is moved through its control
API so that polls are far enough apart. For logout, the test follows the logout link over real
HTTP and brings the provider's redirect back to the sandbox, as a browser would.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from bs4 import BeautifulSoup

from .sandbox_pages import (
    SANDBOX,
    finish,
    follow_authorization_link,
    make_sandbox,
    page,
    run_path,
    send,
    start,
    step_page,
    submit,
    submit_at_provider,
    unexplained,
    values,
    verdicts,
)

DEVICE_FIELDS = {
    "device_code",
    "user_code",
    "verification_uri",
    "verification_uri_complete",
    "expires_in",
    "interval",
}


def press(learner, path: str, step: str, button: str) -> BeautifulSoup:
    """Press the named button of `step`'s page; return the page it leads to."""
    form = step_page(learner, path, step).find("button", string=button).find_parent("form")
    response = submit(learner, f"{run_path(path)}/steps/{step}", form["action"])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return page(learner.get(response.headers["Location"]))


def show_user_code(learner) -> tuple[str, BeautifulSoup]:
    """Start a device run and send the device authorization request; return path and screen."""
    path = start(learner, "device-authorization")
    send(learner, path, "device_authorization_request")
    screen = step_page(learner, path, "user_interaction")
    press(learner, path, "user_interaction", "The code is on screen: start polling")
    return path, screen


def user_code(screen: BeautifulSoup) -> str:
    return screen.find(attrs={"aria-label": "User code"}).text.strip()


def decide(provider, code: str, action: str) -> BeautifulSoup:
    """The user, on their phone: open /device with the code, then approve or deny."""
    phone = requests.Session()
    confirm = phone.get(f"{provider.issuer}/device", params={"user_code": code}, timeout=10)
    assert confirm.status_code == 200, confirm.text[:500]
    form = BeautifulSoup(confirm.text, "html.parser").find("form", class_="decision")
    done = submit_at_provider(phone, confirm, user_code=code, action=action)
    assert done.status_code == 200, done.text[:500]
    assert form.find("button", attrs={"value": action})
    return BeautifulSoup(done.text, "html.parser")


def advance_provider_clock(provider, seconds: int) -> None:
    response = requests.post(
        f"{provider.issuer}/control/clock/advance", data={"seconds": seconds}, timeout=10
    )
    assert response.ok, response.text


def last_answer(polling_page: BeautifulSoup) -> str:
    return " ".join(polling_page.find(class_="poll-answer").text.split())


def test_device_gets_its_codes_and_every_field_is_explained(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "device-authorization")

    preview = step_page(learner, path, "device_authorization_request")
    sent = send(learner, path, "device_authorization_request")

    raw = preview.find("section", attrs={"aria-label": "About to send"}).find("pre").text
    assert raw.startswith("POST /device_authorization HTTP/1.1")
    assert "client_id=" in raw
    assert DEVICE_FIELDS <= {dt.code.text for dt in sent.select("dl.params dt")}
    assert unexplained(sent) == []


def test_user_code_is_shown_large_with_a_qr_code_and_a_link_to_the_provider(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "device-authorization")
    sent = send(learner, path, "device_authorization_request")

    screen = step_page(learner, path, "user_interaction")

    code = values(sent, "user_code")[0]
    complete = values(sent, "verification_uri_complete")[0]
    assert user_code(screen) == code
    qr = screen.select_one("figure.qr svg")
    assert qr["role"] == "img"
    assert qr.find("title").text == f"QR code: open {complete}"
    link = screen.find("a", string="Open the provider's verification page")
    assert link["href"] == complete
    assert link["target"] == "_blank"
    assert not screen.select("section.device-screen script")  # drawn on the server


def test_device_polls_pending_then_gets_tokens_after_the_user_approves(provider):
    learner = make_sandbox(provider.issuer)
    path, screen = show_user_code(learner)

    pending = press(learner, path, "device_token_polling", "Poll now")
    approved = decide(provider, user_code(screen), "approve")
    advance_provider_clock(provider, 6)  # past the 5-second interval: no slow_down
    signed_in = press(learner, path, "device_token_polling", "Poll now")

    assert "authorization_pending" in last_answer(pending)
    assert pending.find("button", string="Poll now")
    assert "Device approved" in approved.text
    assert "brought the tokens" in last_answer(signed_in)
    assert {"access_token", "id_token"} <= {dt.code.text for dt in signed_in.select("dl.params dt")}
    assert "2 polls so far" in signed_in.text
    assert unexplained(signed_in) == []
    assert not signed_in.find("button", string="Poll now")
    assert "That was the last step" in signed_in.text
    assert not signed_in.find(class_="problem")


def test_polling_too_soon_gets_slow_down_and_a_longer_interval(provider):
    learner = make_sandbox(provider.issuer)
    path, _ = show_user_code(learner)

    press(learner, path, "device_token_polling", "Poll now")
    too_soon = press(learner, path, "device_token_polling", "Poll now")

    answer = last_answer(too_soon)
    assert "slow_down" in answer
    assert "add 5 seconds" in answer
    assert "the interval is now 10 seconds" in answer
    assert "RFC 8628 §3.5" in answer
    assert too_soon.find("button", string="Poll now")
    provider_checks = [
        item.text
        for item in too_soon.select("#provider-view ~ ul.provider-checks li")
        if item.text.startswith("polling interval")
    ]
    assert [text.split(".")[0] for text in provider_checks] == [
        "polling interval: passed",
        "polling interval: failed",
    ]


def test_device_is_told_access_denied_when_the_user_denies(provider):
    learner = make_sandbox(provider.issuer)
    path, screen = show_user_code(learner)

    decide(provider, user_code(screen), "deny")
    denied = press(learner, path, "device_token_polling", "Poll now")

    assert "access_denied" in last_answer(denied)
    assert "access_denied" in denied.find(class_="problem").text
    assert not denied.find("button", string="Poll now")


def test_run_to_the_end_stops_where_the_user_must_act(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "device-authorization")

    finished = finish(learner, path)

    assert urlsplit(finished.headers["Location"]).path.endswith("/steps/user_interaction")


def test_logout_returns_to_the_sandbox_with_the_state_it_sent(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "logout")
    follow_authorization_link(learner, path)
    send(learner, path, "token_request")

    logout_page = step_page(learner, path, "end_session_request")
    link = logout_page.find("a", string="Follow the link to sign out at the provider")
    at_provider = requests.get(link["href"], allow_redirects=False, timeout=10)
    back = urlsplit(at_provider.headers["Location"])
    arrived = learner.get(f"{back.path}?{back.query}")
    logged_out = page(learner.get(arrived.headers["Location"]))

    sent = parse_qs(urlsplit(link["href"]).query)
    assert {"id_token_hint", "post_logout_redirect_uri", "state"} <= set(sent)
    assert set(values(logout_page, "post_logout_redirect_uri")) == {f"{SANDBOX}/"}
    assert unexplained(logout_page) == []
    assert at_provider.status_code == 302
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"{SANDBOX}/"
    assert parse_qs(back.query)["state"] == sent["state"]
    assert verdicts(logged_out, "What the client makes of the answer") == {"state": "passed"}
    assert "That was the last step" in logged_out.text


def test_index_ignores_a_state_no_logout_is_waiting_for(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "logout")
    follow_authorization_link(learner, path)
    send(learner, path, "token_request")

    index = page(learner.get("/", query_string={"state": "not-the-one-sent"}))

    assert index.find("h1").text == "Step through an OAuth flow"
    still_waiting = step_page(learner, path, "end_session_request")
    assert still_waiting.find("a", string="Follow the link to sign out at the provider")
    assert not still_waiting.find(
        "section", attrs={"aria-label": "What the client makes of the answer"}
    )

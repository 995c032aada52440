"""What the step pages say matches what they show being sent: the notice, each parameter's quoted
spec sentence and the side panel, for every variant and scenario that changes the request."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from .sandbox_pages import (
    follow_authorization_link,
    make_sandbox,
    page,
    run_path,
    send,
    start,
    step_page,
    submit,
)


def notice(soup: BeautifulSoup) -> str:
    return soup.select_one("article.main > p.notice").text


def words(text: str) -> str:
    """Text as a reader sees it: runs of white space (line breaks in the template) as one."""
    return " ".join(text.split())


def quoted(soup: BeautifulSoup, name: str) -> list[tuple[str, str]]:
    """(cited section, quoted sentence) for each row of parameter `name` on the page."""
    return [
        (dd.find("cite").text, dd.find("blockquote").text)
        for dt, dd in zip(soup.select("dl.params > dt"), soup.select("dl.params > dd"), strict=True)
        if dt.code.text == name
    ]


def test_classic_variant_pages_say_no_code_challenge_and_no_code_verifier_is_sent(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "authorization-code", "classic")

    request_page = page(learner.get(path))
    follow_authorization_link(learner, path)
    preview = step_page(learner, path, "token_request")
    sent = send(learner, path, "token_request")

    request_url = request_page.find("pre", class_="raw").text
    assert "code_challenge" not in request_url
    assert "It carries no code_challenge: this client does not use PKCE" in notice(request_page)
    assert "code_verifier" not in request_page.find("h2").find_next("p").text
    for token_page in (preview, sent):
        raw = token_page.select("section.exchange pre.raw")[0].text
        assert "code_verifier" not in raw
        assert "it carries no code_verifier" in notice(token_page)
        assert "it carries the code_verifier" not in notice(token_page)


def test_pkce_variant_pages_say_the_code_challenge_and_the_code_verifier_are_sent(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "authorization-code", "confidential-pkce")

    request_page = page(learner.get(path))
    follow_authorization_link(learner, path)
    token_page = send(learner, path, "token_request")

    assert "code_challenge=" in request_page.find("pre", class_="raw").text
    assert "the code_verifier behind it stays on the sandbox's server" in notice(request_page)
    assert "code_verifier=" in token_page.select("section.exchange pre.raw")[0].text
    assert "it carries the code_verifier" in notice(token_page)


def test_token_request_without_code_verifier_scenario_says_none_is_sent(provider):
    learner = make_sandbox(provider.issuer)
    launched = submit(learner, "/", "/scenarios/pkce-verifier-missing/runs")
    path = launched.headers["Location"]
    request_page = page(learner.get(path))
    follow_authorization_link(learner, path)

    token_page = send(learner, path, "token_request")

    assert "code_challenge=" in request_page.find("pre", class_="raw").text
    assert "code_verifier" not in token_page.select("section.exchange pre.raw")[0].text
    assert "it carries no code_verifier" in notice(token_page)
    assert "If the authorization request sent a code_challenge" in notice(token_page)
    # The token endpoint's error answer is defined in RFC 6749 §5.2, not §4.1.2.1 (a redirect).
    assert [cite for cite, _ in quoted(token_page, "error_description")] == ["RFC 6749 §5.2"]


def test_markdown_handout_notice_follows_what_the_classic_token_request_carried(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "authorization-code", "classic")
    follow_authorization_link(learner, path)
    send(learner, path, "token_request")

    handout = learner.get(f"{run_path(path)}/export.md").get_data(as_text=True)

    assert "It carries no code_challenge" in handout
    assert "it carries no code_verifier" in handout
    assert "it carries the code_verifier" not in handout


def test_grant_type_quotes_the_sentence_for_the_value_on_each_token_endpoint_page(provider):
    learner = make_sandbox(provider.issuer)
    code = start(learner, "refresh-token")
    follow_authorization_link(learner, code)
    code_page = send(learner, code, "token_request")
    send(learner, code, "clock_advance")
    send(learner, code, "resource_request")
    refresh_page = step_page(learner, code, "refresh_request")
    service = start(learner, "client-credentials")
    service_page = page(learner.get(service))
    device = start(learner, "device-authorization")
    send(learner, device, "device_authorization_request")
    send(learner, device, "user_interaction")  # "The code is on screen: start polling"
    poll_page = step_page(learner, device, "device_token_polling")

    assert quoted(code_page, "grant_type") == [
        ("RFC 6749 §4.1.3", 'Value MUST be set to "authorization_code".')
    ]
    assert quoted(refresh_page, "grant_type") == [
        ("RFC 6749 §6", 'Value MUST be set to "refresh_token".')
    ]
    assert quoted(service_page, "grant_type") == [
        ("RFC 6749 §4.4.2", 'Value MUST be set to "client_credentials".')
    ]
    assert quoted(poll_page, "grant_type") == [
        (
            "RFC 8628 §3.4",
            'Value MUST be set to "urn:ietf:params:oauth:grant-type:device_code".',
        )
    ]


def test_token_quotes_introspection_on_the_introspection_pages_and_revocation_on_its_own(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "revocation-introspection")
    follow_authorization_link(learner, path)
    send(learner, path, "token_request")

    introspection_page = send(learner, path, "introspection_request")
    revocation_page = send(learner, path, "revocation_request")
    after_page = send(learner, path, "introspection_after_revocation")

    for introspection in (introspection_page, after_page):
        assert quoted(introspection, "token") == [
            ("RFC 7662 §2.1", "The string value of the token.")
        ]
        assert quoted(introspection, "token_type_hint") == [
            ("RFC 7662 §2.1", "A hint about the type of the token submitted for introspection.")
        ]
    assert quoted(revocation_page, "token") == [
        ("RFC 7009 §2.1", "The token that the client wants to get revoked.")
    ]
    assert quoted(revocation_page, "token_type_hint") == [
        ("RFC 7009 §2.1", "A hint about the type of the token submitted for revocation.")
    ]


@pytest.mark.parametrize("variant", ["confidential-pkce", "classic"])
def test_side_panel_says_the_sandbox_shows_the_secret_it_sends_on_purpose(provider, variant):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "authorization-code", variant)
    follow_authorization_link(learner, path)

    token_page = send(learner, path, "token_request")

    raw = token_page.select("section.exchange pre.raw")[0].text
    curl = token_page.select_one("details.curl pre").text
    assert "Authorization: Basic " in raw
    assert "Authorization: Basic " in curl
    side_note = words(token_page.select_one("section[aria-labelledby=client-state] > p.note").text)
    assert "the browser never sees the secrets" not in side_note
    assert "This flow never sends the browser the client secret" in side_note
    assert "the sandbox shows them to you on these pages on purpose, as a teaching aid" in side_note

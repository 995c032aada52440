"""The refresh, client credentials, protected API and revocation flows, driven through the
sandbox's pages as a learner drives them, against a real provider on loopback."""

from __future__ import annotations

import pytest

from sandbox.flows import FLOWS

from .sandbox_pages import (
    finish,
    follow_authorization_link,
    form_token,
    make_sandbox,
    page,
    run_path,
    send,
    start,
    step_page,
    unexplained,
    values,
    verdicts,
)

ANSWER = "What the client makes of the answer"
NEW_FLOWS = ["refresh-token", "client-credentials", "protected-api", "revocation-introspection"]


def signed_in(learner, flow: str, variant: str | None = None):
    """Start `flow`, carry the authorization request through the browser, redeem the code."""
    path = start(learner, flow, variant)
    follow_authorization_link(learner, path)
    return path, send(learner, path, "token_request")


def challenge(soup) -> dict[str, str]:
    """The WWW-Authenticate attributes the page lists under the response, by name."""
    heading = next(h for h in soup.find_all("h3") if "WWW-Authenticate" in h.text)
    listing = heading.find_next_sibling("dl")
    return {
        dt.code.text: dd.find("code", class_="value").text
        for dt, dd in zip(listing.find_all("dt"), listing.find_all("dd"), strict=True)
    }


def sent_bearer_token(soup) -> str:
    raw = soup.find("section", attrs={"aria-label": "Sent and received"}).find("pre").text
    line = next(line for line in raw.splitlines() if line.startswith("Authorization: Bearer "))
    return line.removeprefix("Authorization: Bearer ")


@pytest.mark.parametrize("variant", ["confidential-pkce", "public-pkce"])
def test_learner_watches_an_access_token_expire_refresh_rotate_and_a_reuse_revoke_the_grant(
    provider, variant
):
    learner = make_sandbox(provider.issuer)
    path, token_page = signed_in(learner, "refresh-token", variant)

    clock_page = send(learner, path, "clock_advance")
    expired_page = send(learner, path, "resource_request")
    refresh_page = send(learner, path, "refresh_request")
    retry_page = send(learner, path, "resource_retry")
    reuse_page = send(learner, path, "refresh_token_reuse")
    revoked_page = send(learner, path, "resource_after_reuse")

    assert "teaching seam" in clock_page.find(class_="notice").text
    assert verdicts(clock_page, ANSWER) == {"exp": "passed"}
    assert "HTTP/1.1 401" in expired_page.text
    assert challenge(expired_page)["error"] == "invalid_token"
    assert verdicts(expired_page, ANSWER) == {"status": "passed", "error": "passed"}
    first, second = values(token_page, "refresh_token")[-1], values(refresh_page, "refresh_token")
    assert first in second[0]  # the refresh request sends the old one...
    assert second[-1] != second[0]  # ...and a different one comes back
    assert verdicts(refresh_page, ANSWER) == {"refresh_token": "passed", "access_token": "passed"}
    assert verdicts(retry_page, ANSWER) == {"status": "passed"}
    assert "Sunrise over the estuary" in retry_page.text
    assert values(reuse_page, "error") == ["invalid_grant"]
    assert verdicts(reuse_page, ANSWER) == {"status": "passed", "error": "passed"}
    assert sent_bearer_token(revoked_page) == sent_bearer_token(retry_page)
    assert challenge(revoked_page)["error"] == "invalid_token"
    assert "revoked" in challenge(revoked_page)["error_description"]
    assert "That was the last step" in revoked_page.text
    assert not revoked_page.find(class_="problem")


def test_refresh_request_is_previewed_with_the_refresh_token_and_without_a_bearer_token(provider):
    learner = make_sandbox(provider.issuer)
    path, _ = signed_in(learner, "refresh-token")
    send(learner, path, "clock_advance")
    send(learner, path, "resource_request")

    preview = step_page(learner, path, "refresh_request")
    raw = preview.find("section", attrs={"aria-label": "About to send"}).find("pre").text

    assert raw.startswith("POST /token HTTP/1.1")
    assert "grant_type=refresh_token" in raw
    assert "Authorization: Basic " in raw
    assert "Bearer" not in raw


def test_client_credentials_flow_gets_a_jwt_access_token_without_a_user(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "client-credentials")

    preview = page(learner.get(path))
    token_page = send(learner, path, "client_credentials_request")
    api_page = send(learner, path, "resource_request")

    raw = preview.find("section", attrs={"aria-label": "About to send"}).find("pre").text
    assert "grant_type=client_credentials" in raw
    assert "Authorization: Basic " in raw
    assert path.endswith("/steps/client_credentials_request")
    names = [dt.code.text for dt in token_page.select("dl.params > dt")]
    assert "access_token" in names
    assert "refresh_token" not in names
    assert "id_token" not in names
    assert "Decoded JWT" in token_page.text
    claims = {dt.code.text for dt in token_page.select("dl.claims dt")}
    assert {"client_id", "scope", "sub", "exp"} <= claims
    assert values(token_page, "scope")[-1] == "photos.read photos.write"
    assert verdicts(token_page, ANSWER) == {"refresh_token": "passed", "scope": "passed"}
    assert verdicts(api_page, ANSWER) == {"status": "passed"}
    assert "A very good dog" in api_page.text


def test_client_credentials_client_is_registered_for_that_grant_alone(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "client-credentials")

    timeline = page(learner.get(f"{run_path(path)}/timeline"))

    assert '"grant_types": [\n    "client_credentials"\n  ]' in timeline.text
    assert "redirect_uris" not in timeline.text.split("POST /register")[1].split("HTTP/1.1 201")[0]


def test_protected_api_reads_with_the_token_and_is_refused_a_write_for_want_of_scope(provider):
    learner = make_sandbox(provider.issuer)
    path, _ = signed_in(learner, "protected-api")

    read_page = send(learner, path, "resource_request")
    write_page = send(learner, path, "resource_write_request")

    assert verdicts(read_page, ANSWER) == {"status": "passed"}
    assert "The team at the whiteboard" in read_page.text
    assert "HTTP/1.1 403" in write_page.text
    assert challenge(write_page) == {
        "realm": "mock_provider",
        "error": "insufficient_scope",
        "scope": "photos.write",
    }
    assert verdicts(write_page, ANSWER) == {
        "status": "passed",
        "error": "passed",
        "scope": "passed",
    }
    error_note = write_page.select_one("dl.params dt:-soup-contains('error') + dd .note")
    assert "does not carry the scope" in error_note.text


def test_revoking_the_refresh_token_turns_the_access_token_inactive(provider):
    learner = make_sandbox(provider.issuer)
    path, _ = signed_in(learner, "revocation-introspection")

    active_page = send(learner, path, "introspection_request")
    revoked_page = send(learner, path, "revocation_request")
    inactive_page = send(learner, path, "introspection_after_revocation")
    api_page = send(learner, path, "resource_request")

    assert values(active_page, "active")[-1] == "true"
    assert {"scope", "sub", "client_id", "exp", "username"} <= {
        dt.code.text for dt in active_page.select("dl.params > dt")
    }
    assert verdicts(active_page, ANSWER) == {"active": "passed"}
    assert "token_type_hint=refresh_token" in revoked_page.text
    assert "HTTP/1.1 200" in revoked_page.text
    assert verdicts(revoked_page, ANSWER) == {"status": "passed"}
    assert values(inactive_page, "active")[-1] == "false"
    assert verdicts(inactive_page, ANSWER) == {"active": "passed"}
    assert challenge(api_page)["error"] == "invalid_token"
    assert verdicts(api_page, ANSWER) == {"status": "passed", "error": "passed"}


def test_a_later_step_opened_early_shows_no_preview_and_cannot_be_sent(provider):
    learner = make_sandbox(provider.issuer)
    path = start(learner, "refresh-token")

    early = step_page(learner, path, "refresh_request")

    assert early.find("section", attrs={"aria-label": "About to send"}) is None
    assert not early.find("button", string="Send this request")
    sent = learner.post(
        f"{run_path(path)}/steps/refresh_request", data={"csrf_token": form_token(learner)}
    )
    assert sent.status_code == 409


@pytest.mark.parametrize("flow_id", NEW_FLOWS)
def test_every_parameter_and_claim_on_the_new_flows_pages_is_explained(provider, flow_id):
    learner = make_sandbox(provider.issuer)
    path = start(learner, flow_id)
    flow = FLOWS[flow_id]
    if any(step.id == "authorization_request" for step in flow.steps):
        follow_authorization_link(learner, path)
    finished = finish(learner, path)
    assert "That was the last step" in page(learner.get(finished.headers["Location"])).text

    missing = {
        f"{step.id}: {name}"
        for step in flow.steps
        for name in unexplained(step_page(learner, path, step.id))
    }

    assert missing == set()


def test_index_offers_every_new_flow(provider):
    index = page(make_sandbox(provider.issuer).get("/"))

    offered = {form["action"].split("/")[2] for form in index.select("section.flow form")}

    assert set(NEW_FLOWS) <= offered

"""Matching a step's exchanges to the provider's log entries when a class shares one client."""

from __future__ import annotations

from sandbox.provider_view import matching_entry
from sandbox.recorder import Exchange


def token_request(code: str) -> Exchange:
    return Exchange(
        step="token_request",
        channel="back",
        method="POST",
        url="http://127.0.0.1:9000/token",
        request_headers={"Content-Type": "application/x-www-form-urlencoded"},
        request_body=f"grant_type=authorization_code&code={code}&code_verifier=v3r1f13r",
        status=200,
        response_headers={},
        response_body="{}",
    )


def log_entry(code: str, passed: bool) -> dict:
    """An entry as GET /control/log returns it: secrets masked, the checks the provider ran."""
    return {
        "request": "POST /token",
        "client_id": "sandbox-public-pkce",
        "params": {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": "********",
        },
        "status": 200 if passed else 400,
        "checks": [{"check": "PKCE code_verifier", "passed": passed, "detail": ""}],
    }


def test_a_neighbours_newer_request_with_the_same_path_is_not_taken_for_mine():
    neighbours, mine = log_entry("c0de-b", passed=False), log_entry("c0de-a", passed=True)
    log = [neighbours, mine]  # newest first: the neighbour sent theirs after mine

    assert matching_entry(token_request("c0de-a"), log, taken=[]) is mine


def test_an_exchange_the_log_does_not_hold_matches_nothing():
    log = [log_entry("c0de-b", passed=True)]

    assert matching_entry(token_request("c0de-a"), log, taken=[]) is None


def test_a_request_with_only_masked_or_no_parameters_takes_the_newest_entry():
    userinfo = Exchange(
        step="userinfo_request", channel="back", method="GET",
        url="http://127.0.0.1:9000/userinfo", request_headers={}, request_body="",
        status=200, response_headers={}, response_body="{}",
    )  # fmt: skip
    newest = {"request": "GET /userinfo", "params": {}, "checks": []}
    older = {"request": "GET /userinfo", "params": {}, "checks": []}

    assert matching_entry(userinfo, [newest, older], taken=[]) is newest

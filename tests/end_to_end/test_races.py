"""Two requests that spend the same single-use credential at the same moment, over real HTTP.

A threading.Barrier releases both threads together, so the requests overlap in the provider.
Whatever the interleaving, exactly one may win (RFC 6749 §4.1.2, RFC 9700 §4.14.2), and the
replay revokes what the winner got.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import requests

from .flows import code_for, redeem, refresh, userinfo

ROUNDS = 4


def race(send: Callable[[], requests.Response]) -> tuple[dict, dict]:
    """Send the same request from two threads at once; return (winner, loser) JSON bodies."""
    barrier = threading.Barrier(2)
    responses: list[requests.Response] = []

    def worker() -> None:
        barrier.wait()
        responses.append(send())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(r.status_code for r in responses) == [200, 400]
    winner, loser = sorted(responses, key=lambda r: r.status_code)
    return winner.json(), loser.json()


def test_exactly_one_of_two_simultaneous_redemptions_of_a_code_wins(provider):
    for _ in range(ROUNDS):
        code = code_for(provider.issuer)

        winner, loser = race(lambda code=code: redeem(provider.issuer, code))

        assert loser["error"] == "invalid_grant"
        assert "already redeemed" in loser["error_description"]
        assert "RFC 6749 section 4.1.2" in loser["error_description"]
        # The replay revokes what the code already produced.
        rejected = userinfo(provider.issuer, winner["access_token"])
        assert rejected.status_code == 401
        assert "revoked" in rejected.headers["WWW-Authenticate"]
        refused = refresh(provider.issuer, winner["refresh_token"])
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"


def test_exactly_one_of_two_simultaneous_refreshes_with_one_token_wins(provider):
    for _ in range(ROUNDS):
        tokens = redeem(provider.issuer, code_for(provider.issuer)).json()
        spent = tokens["refresh_token"]

        winner, loser = race(lambda spent=spent: refresh(provider.issuer, spent))

        assert winner["refresh_token"] != spent
        assert loser["error"] == "invalid_grant"
        assert "already exchanged" in loser["error_description"]
        # RFC 9700 section 4.14.2: the provider cannot tell who is the thief, so it revokes
        # the refresh token the winner was just given.
        refused = refresh(provider.issuer, winner["refresh_token"])
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"

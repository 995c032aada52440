"""What instructor mode says expired when the clock moves: each code or token told apart."""

from __future__ import annotations

from sandbox.control_api import expired_between

HEADER = "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJSUzI1NiJ9"  # every RS256 access token starts so
CLIENT = "Ifx3YC7hIGS6knL93bXdLYlDs0pRF1tSyTab4TgNwL"  # a dynamically registered client_id


def _state(expires_in: int) -> dict:
    tokens = [
        {"access_token": f"{HEADER}.claims.{signature}", "expires_in": expires_in}
        for signature in ("first-signature-AAAA", "second-signature-BBBB")
    ]
    return {"grants": [{"username": "alice", "client_id": CLIENT, "tokens": tokens}]}


def test_two_expired_jwt_access_tokens_are_named_apart_and_the_client_id_is_shortened():
    sentences = [expiry.sentence() for expiry in expired_between(_state(60), _state(-1))]

    assert sentences == [
        "The access token …ure-AAAA (alice's grant to Ifx3YC7h…) expired 1 second ago.",
        "The access token …ure-BBBB (alice's grant to Ifx3YC7h…) expired 1 second ago.",
    ]

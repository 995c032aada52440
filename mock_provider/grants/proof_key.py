"""PKCE (RFC 7636), required for public clients and for confidential clients that opt in."""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc7636 import CodeChallenge

from .. import request_log
from ..issuers import active_faults

# Authlib's terse descriptions, restated in plain words with the rule they enforce.
EXPLANATIONS = {
    "Missing 'code_verifier'": "code_verifier is missing, but the authorization request sent a "
    "code_challenge, so the token request must prove possession of the verifier (RFC 7636 §4.5)",
    "Invalid 'code_verifier'": "code_verifier must be 43 to 128 characters from A-Z a-z 0-9 and "
    "-._~ (RFC 7636 §4.1)",
    "Code challenge failed.": "code_verifier does not match the code_challenge sent in the "
    "authorization request (RFC 7636 §4.6)",
    "The authorization request had no 'code_challenge', but a 'code_verifier' was provided.": (
        "code_verifier was sent, but the authorization request had no code_challenge to check "
        "it against (RFC 9700 §2.1.1)"
    ),
    "Invalid 'code_challenge'": "code_challenge must be 43 to 128 characters from A-Z a-z 0-9 "
    "and -._~ (RFC 7636 §4.2)",
    "Unsupported 'code_challenge_method'": "code_challenge_method must be S256 or plain "
    "(RFC 7636 §4.3)",
    "Missing 'code_challenge'": "code_challenge_method was sent without a code_challenge "
    "(RFC 7636 §4.3)",
}


class ProofKey(CodeChallenge):
    """Authlib's PKCE check, made mandatory where the client's registration says so."""

    def validate_code_challenge(self, grant, redirect_uri: str) -> None:
        client = grant.request.client
        challenge = grant.request.payload.data.get("code_challenge")
        if not challenge and _pkce_optional():
            # The deliberately VULNERABLE setting: a code nothing binds to the client's instance.
            request_log.check(
                "PKCE required (VULNERABLE: skipped)",
                True,
                f"client '{client.client_id}' sent no code_challenge, and this issuer lets a "
                "public client leave PKCE out, where RFC 7636 section 4.4.1 says invalid_request",
            )
            return
        if not challenge and (client.is_public or client.require_pkce):
            who = "is a public client" if client.is_public else "is registered with require_pkce"
            failure = (
                f"code_challenge is required: client '{client.client_id}' {who} "
                "(RFC 7636 §4.4.1, RFC 9700 §2.1.1)"
            )
            request_log.check("PKCE required", False, failure)
            raise InvalidRequestError(failure)
        _explained(super().validate_code_challenge, grant, redirect_uri)

    def validate_code_verifier(self, grant, result) -> None:
        code = grant.request.authorization_code
        if (
            _pkce_optional()
            and not code.code_challenge
            and not grant.request.form.get("code_verifier")
        ):
            request_log.check(
                "PKCE code_verifier (VULNERABLE: skipped)",
                True,
                "the code was issued without a code_challenge, so whoever holds it redeems it",
            )
            return
        _explained(super().validate_code_verifier, grant, result)
        if grant.request.authorization_code.code_challenge:
            request_log.check("PKCE code_verifier", True, "matches the code_challenge")


def _pkce_optional() -> bool:
    return any(fault.pkce_optional for fault in active_faults())


def _explained(check, grant, argument) -> None:
    try:
        check(grant, argument)
    except OAuth2Error as error:
        error.description = EXPLANATIONS.get(error.description, error.description)
        request_log.check("PKCE", False, error.description)
        raise

"""Deliberate deviations from the spec that a correct client must notice.

A fault never touches the default issuer. It is reached through a scenario's own issuer
(`/scenarios/<id>`, see `scenarios.py`), so one learner launching it changes nothing for the
learner beside them. Each kind of fault is applied in one place:

- ID token faults (claims, signature, header) in `grants/openid.py`, `OpenIDCode.encode_id_token`;
- the RFC 9207 `iss` of the authorization response in `issuers.response_issuer`;
- lifetimes where codes and tokens are stored (`grants/authorization_code.py`, `authorization.py`);
- `ignores_auto_login` in `interaction.signed_in_user`;
- the VULNERABLE settings (`redirect_uri_prefix_match`, `pkce_optional`) in the one check each
  weakens: `models.Client.check_redirect_uri` and `grants/proof_key.ProofKey`; `implicit_grant`
  in the one grant it adds, `grants/implicit.py`, and in discovery. Their issuers are
  refused beyond loopback without the instructor token (`vulnerable_issuer_refusal` in
  `__init__.py`), because they hand codes and tokens to whoever asks.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import RSAKey
from joserfc.util import urlsafe_b64decode, urlsafe_b64encode

Claims = dict[str, Any]
Header = dict[str, Any]
Signer = Callable[[Header, Claims, RSAKey], str]


@dataclass(frozen=True)
class Fault:
    id: str  # kebab-case; appears in doc anchors and in the scenarios that apply it
    title: str
    breaks: str  # the rule a correct party enforces, in the spec's words
    spec: str
    what_happens: str
    tamper_id_token: Callable[[Claims], Claims] | None = None  # changes the ID token's claims
    sign_id_token: Signer | None = None  # replaces how the ID token is signed
    tamper_iss_parameter: Callable[[str], str] | None = None  # the RFC 9207 iss it sends
    authorization_code_lifetime: int | None = None  # seconds; 0 = issued already expired
    access_token_lifetime: int | None = None
    refresh_token_lifetime: int | None = None
    ignores_auto_login: bool = False  # only a sign-in at this issuer counts
    redirect_uri_prefix_match: bool = False  # VULNERABLE: any URI starting with a registered one
    pkce_optional: bool = False  # VULNERABLE: public clients may leave PKCE out
    implicit_grant: bool = False  # VULNERABLE: response_type=token, the token in the URL

    @property
    def vulnerable(self) -> bool:
        """True for a setting that lets an attack succeed, not merely a client notice it."""
        return self.redirect_uri_prefix_match or self.pkce_optional or self.implicit_grant


def another_issuer(issuer: str) -> str:
    """The provider's default issuer: real, with the same keys, but not the one asked."""
    return issuer.split("/scenarios/", 1)[0]


def altered_signature(header: Header, claims: Claims, key: RSAKey) -> str:
    """Sign as usual, then flip bits of the signature: no published key verifies it."""
    signing_input, _, signature = jwt.encode(header, claims, key).rpartition(".")
    raw = urlsafe_b64decode(signature.encode())
    altered = bytes([raw[0] ^ 0xFF]) + raw[1:]
    return f"{signing_input}.{urlsafe_b64encode(altered).decode()}"


def unsigned(header: Header, claims: Claims, key: RSAKey) -> str:
    """An unsecured JWT (RFC 7519 §6): alg "none" and an empty signature.

    This is the one token the provider deliberately leaves unsigned, because the unsigned token
    *is* the fault. joserfc builds it only when "none" is named as an allowed algorithm, and
    warns that it is insecure; the warning is silenced here and nowhere else.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return jwt.encode({"alg": "none", "typ": "JWT"}, claims, None, algorithms=["none"])


@cache
def unpublished_key() -> RSAKey:
    """A key this process signs with but never publishes in any JWKS."""
    kid = f"unpublished-{secrets.token_hex(4)}"
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256"}, private=True)


def signed_with_unpublished_key(header: Header, claims: Claims, key: RSAKey) -> str:
    """Sign with a key whose kid the JWKS never lists, not even when fetched again."""
    other = unpublished_key()
    return jwt.encode({**header, "kid": other.kid}, claims, other)


FAULTS: dict[str, Fault] = {
    fault.id: fault
    for fault in (
        Fault(
            id="expired-code",
            title="Authorization code already expired",
            breaks="The authorization code MUST expire shortly after it is issued to mitigate "
            "the risk of leaks.",
            spec="RFC 6749 §4.1.2",
            what_happens="Codes are issued already expired, so the token request fails with "
            "invalid_grant, as it would if the client waited too long to redeem one.",
            authorization_code_lifetime=0,
        ),
        Fault(
            id="wrong-iss-in-response",
            title="Authorization response from another issuer",
            breaks="If the value does not match the expected issuer identifier, clients MUST "
            "reject the authorization response and MUST NOT proceed with the authorization grant.",
            spec="RFC 9207 §2.4",
            what_happens="The iss parameter of the authorization response, errors included, "
            "names the provider's default issuer instead of this one, as in a mix-up attack.",
            tamper_iss_parameter=another_issuer,
        ),
        Fault(
            id="no-auto-login",
            title="No one is signed in",
            breaks="An error is returned if an End-User is not already authenticated or the "
            "Client does not have pre-configured consent for the requested Claims or does not "
            "fulfill other conditions for processing the request.",
            spec="OIDC Core §3.1.2.1",
            what_happens="The authorization endpoint ignores --auto-login and any sign-in made "
            "at another issuer, so prompt=none gets error=login_required.",
            ignores_auto_login=True,
        ),
        Fault(
            id="bad-signature",
            title="ID token signature altered",
            breaks="ID Tokens MUST be signed using JWS [JWS] and optionally both signed and "
            "then encrypted using JWS [JWS] and JWE [JWE] respectively, thereby providing "
            "authentication, integrity, non-repudiation, and optionally, confidentiality, per "
            "Section 16.14.",
            spec="OIDC Core §2",
            what_happens="The ID token is signed, then bytes of its signature are changed, so "
            "it does not verify with the JWKS key its kid names.",
            sign_id_token=altered_signature,
        ),
        Fault(
            id="alg-none",
            title="Unsigned ID token (alg none)",
            breaks="ID Tokens MUST NOT use none as the alg value unless the Response Type used "
            "returns no ID Token from the Authorization Endpoint (such as when using the "
            "Authorization Code Flow) and the Client explicitly requested the use of none at "
            "Registration time.",
            spec="OIDC Core §2",
            what_happens='The ID token\'s header says "alg": "none" and its signature is '
            "empty, though the client never registered for unsigned ID tokens: anyone could have "
            "written it.",
            sign_id_token=unsigned,
        ),
        Fault(
            id="unknown-kid",
            title="ID token signed with a key not in the JWKS",
            breaks="The verifier knows to go back to the jwks_uri location to re-retrieve the "
            "keys when it sees an unfamiliar kid value.",
            spec="OIDC Core §10.1.1",
            what_happens="The ID token is signed with a key whose kid the JWKS never lists, "
            "not even when fetched again: a correct client refetches once, then rejects it.",
            sign_id_token=signed_with_unpublished_key,
        ),
        Fault(
            id="wrong-issuer",
            title="ID token from another issuer",
            breaks="The Issuer Identifier for the OpenID Provider (which is typically obtained "
            "during Discovery) MUST exactly match the value of the iss (issuer) Claim.",
            spec="OIDC Core §3.1.3.7 (2)",
            what_happens="The ID token's iss is the provider's default issuer, not this "
            "scenario's. The signature still verifies; only the iss check catches it.",
            tamper_id_token=lambda claims: {**claims, "iss": another_issuer(claims["iss"])},
        ),
        Fault(
            id="wrong-audience",
            title="ID token for another client",
            breaks="The Client MUST validate that the aud (audience) Claim contains its "
            "client_id value registered at the Issuer identified by the iss (issuer) Claim as "
            "an audience.",
            spec="OIDC Core §3.1.3.7 (3)",
            what_happens="The ID token's aud names 'some-other-client' instead of yours: a "
            "correct client rejects it.",
            tamper_id_token=lambda claims: {**claims, "aud": "some-other-client"},
        ),
        Fault(
            id="expired-id-token",
            title="ID token already expired",
            breaks="The current time MUST be before the time represented by the exp Claim "
            "(possibly allowing for some small leeway to account for clock skew).",
            spec="OIDC Core §3.1.3.7 (9)",
            what_happens="The ID token's exp is an hour before its iat: it expired before it was "
            "issued, by far more than any clock-skew leeway.",
            tamper_id_token=lambda claims: {**claims, "exp": claims["iat"] - 3600},
        ),
        Fault(
            id="nonce-mismatch",
            title="ID token with another nonce",
            breaks="If a nonce value was sent in the Authentication Request, a nonce Claim MUST "
            "be present and its value checked to verify that it is the same value as the one "
            "that was sent in the Authentication Request.",
            spec="OIDC Core §3.1.3.7 (11)",
            what_happens="The ID token's nonce is 'not-the-one-you-sent', as if it had been "
            "issued for another authentication request and replayed.",
            tamper_id_token=lambda claims: {**claims, "nonce": "not-the-one-you-sent"},
        ),
        Fault(
            id="expired-access-token",
            title="Access tokens issued already expired",
            breaks="The access token provided is expired, revoked, malformed, or invalid for "
            "other reasons.",
            spec="RFC 6750 §3.1",
            what_happens="Access tokens live 0 seconds (expires_in is 0), so the first API "
            "call with one gets 401 invalid_token.",
            access_token_lifetime=0,
        ),
        Fault(
            id="expired-refresh-token",
            title="Refresh tokens issued already expired",
            breaks="The provided authorization grant (e.g., authorization code, resource owner "
            "credentials) or refresh token is invalid, expired, revoked, does not match the "
            "redirection URI used in the authorization request, or was issued to another "
            "client.",
            spec="RFC 6749 §5.2",
            what_happens="Refresh tokens live 0 seconds, so the first refresh request fails "
            "with invalid_grant and the user must sign in again.",
            refresh_token_lifetime=0,
        ),
        Fault(
            id="redirect-uri-prefix",
            title="redirect_uri matched by prefix (VULNERABLE)",
            breaks="When comparing client redirection URIs against pre-registered URIs, "
            "authorization servers MUST utilize exact string matching except for port numbers "
            "in localhost redirection URIs of native apps",
            spec="RFC 9700 §2.1",
            what_happens="The authorization endpoint accepts any redirect_uri that starts with "
            "a registered one, so an attacker's URI that merely begins with the client's "
            "receives the authorization code.",
            redirect_uri_prefix_match=True,
        ),
        Fault(
            id="pkce-optional",
            title="PKCE optional for public clients (VULNERABLE)",
            breaks="If the server requires Proof Key for Code Exchange (PKCE) by OAuth public "
            'clients and the client does not send the "code_challenge" in the request, the '
            'authorization endpoint MUST return the authorization error response with the "error" '
            'value set to "invalid_request".',
            spec="RFC 7636 §4.4.1",
            what_happens="A public client may leave PKCE out: the authorization endpoint issues a "
            "code without a code_challenge, and the token endpoint redeems it for anyone who "
            "presents it with the client_id.",
            pkce_optional=True,
        ),
        Fault(
            id="implicit-grant",
            title="Implicit grant offered (VULNERABLE)",
            breaks="In order to avoid these issues, clients SHOULD NOT use the implicit grant "
            '(response type "token") or other response types issuing access tokens in the '
            "authorization response, unless access token injection in the authorization "
            "response is prevented and the aforementioned token leakage vectors are mitigated.",
            spec="RFC 9700 §2.1.2",
            what_happens="The authorization endpoint accepts response_type=token and sends the "
            "access token in the fragment of the redirect URI, where the browser's history and "
            "every script on the client's page can read it.",
            implicit_grant=True,
        ),
    )
}

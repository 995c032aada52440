"""The scenario catalogue: one entry per way a flow breaks, grouped by the step where it breaks.

Each rule is quoted verbatim from the section named beside it. `faults` are applied by the
provider, only under the scenario's issuer; `client_mistake` is made by the sandbox. See
`scenarios.py` for what each field means.
"""

from __future__ import annotations

from .faults import FAULTS
from .scenarios import Scenario

REDIRECT_URI_COMPARISON = (
    "If the client registration included the full redirection URI, the authorization server "
    "MUST compare the two URIs using simple string comparison as defined in [RFC3986] Section "
    "6.2.1."
)
NO_REDIRECT = (
    "If an authorization request fails validation due to a missing, invalid, or mismatching "
    "redirection URI, the authorization server SHOULD inform the resource owner of the error "
    "and MUST NOT automatically redirect the user-agent to the invalid redirection URI."
)
INVALID_TOKEN = FAULTS["expired-access-token"].breaks  # RFC 6750 §3.1, the invalid_token code


CATALOGUE: tuple[Scenario, ...] = (
    # Authorization request: the provider refuses before anyone signs in.
    Scenario(
        id="redirect-uri-trailing-slash",
        title="redirect_uri with a trailing slash",
        flow="authorization-code",
        step="authorization_request",
        at_fault="client",
        learner_sees="The provider does not redirect back: it shows its own error page (400), "
        "saying the redirect_uri has a trailing slash the registered one lacks.",
        rule=REDIRECT_URI_COMPARISON,
        spec="RFC 6749 §3.1.2.3",
        fix="Send the redirect_uri exactly as registered, character for character.",
        client_mistake="redirect-uri-trailing-slash",
    ),
    Scenario(
        id="redirect-uri-port",
        title="redirect_uri on another port",
        flow="authorization-code",
        step="authorization_request",
        at_fault="client",
        learner_sees="The provider shows its own error page (400) instead of redirecting: the "
        "port of the redirect_uri differs from the registered one.",
        rule="When comparing client redirection URIs against pre-registered URIs, "
        "authorization servers MUST utilize exact string matching except for port numbers in "
        "localhost redirection URIs of native apps",
        spec="RFC 9700 §2.1",
        fix="Register the port the client really listens on and send that redirect_uri. Any "
        "port is allowed only for native apps on localhost, not for web clients.",
        client_mistake="redirect-uri-port",
    ),
    Scenario(
        id="redirect-uri-scheme",
        title="redirect_uri with another scheme",
        flow="authorization-code",
        step="authorization_request",
        at_fault="client",
        learner_sees="The provider shows its own error page (400) instead of redirecting: the "
        "scheme of the redirect_uri (https instead of http, say) differs from the registered one.",
        rule=REDIRECT_URI_COMPARISON,
        spec="RFC 6749 §3.1.2.3",
        fix="Send the redirect_uri with the registered scheme; to move to https, register the "
        "https URI first.",
        client_mistake="redirect-uri-scheme",
    ),
    Scenario(
        id="redirect-uri-unregistered",
        title="redirect_uri never registered",
        flow="authorization-code",
        step="authorization_request",
        at_fault="client",
        learner_sees="The provider shows its own error page (400) and does not send the "
        "browser to the unregistered URI, which could belong to an attacker.",
        rule=NO_REDIRECT,
        spec="RFC 6749 §3.1.2.4",
        fix="Register every redirect_uri the client uses before sending it.",
        client_mistake="redirect-uri-unregistered",
    ),
    Scenario(
        id="unknown-client",
        title="Unknown client_id",
        flow="authorization-code",
        step="authorization_request",
        at_fault="client",
        learner_sees="The provider shows its own error page (400): the client_id is not "
        "registered, so there is no trusted redirect_uri to send the error to.",
        rule="If the request fails due to a missing, invalid, or mismatching redirection URI, "
        "or if the client identifier is missing or invalid, the authorization server SHOULD "
        "inform the resource owner of the error and MUST NOT automatically redirect the "
        "user-agent to the invalid redirection URI.",
        spec="RFC 6749 §4.1.2.1",
        fix="Send the client_id the provider issued at registration.",
        client_mistake="unknown-client-id",
    ),
    Scenario(
        id="invalid-scope",
        title="Scope the provider does not know",
        flow="authorization-code",
        step="authorization_request",
        at_fault="client",
        learner_sees="The provider redirects back with error=invalid_scope, and its "
        "error_description names the unknown scope.",
        rule="The requested scope is invalid, unknown, or malformed.",
        spec="RFC 6749 §4.1.2.1",
        fix="Ask only for scopes listed in scopes_supported in the discovery document.",
        client_mistake="unknown-scope",
    ),
    Scenario(
        id="unsupported-response-type",
        title="Unsupported response_type",
        flow="authorization-code",
        step="authorization_request",
        at_fault="client",
        learner_sees="The provider redirects back with error=unsupported_response_type: it "
        "supports response_type=code only.",
        rule='If an authorization request is missing the "response_type" parameter, or if the '
        "response type is not understood, the authorization server MUST return an error "
        "response as described in Section 4.1.2.1.",
        spec="RFC 6749 §3.1.1",
        fix="Send response_type=code, a value listed in response_types_supported in the "
        "discovery document.",
        client_mistake="unsupported-response-type",
    ),
    Scenario(
        id="consent-denied",
        title="The user denies consent",
        flow="authorization-code",
        step="authorization_request",
        at_fault="user",
        learner_sees="The provider redirects back with error=access_denied and no code; the "
        "flow stops there.",
        rule="The resource owner or authorization server denied the request.",
        spec="RFC 6749 §4.1.2.1",
        fix="Nothing to fix in the protocol: show the user a way to try again, and ask only "
        "for the scopes the client needs.",
        client_mistake="deny-consent",
    ),
    Scenario(
        id="pkce-missing",
        title="Public client without PKCE",
        flow="authorization-code",
        variant="public-pkce",
        step="authorization_request",
        at_fault="client",
        learner_sees="The provider redirects back with error=invalid_request: a public client "
        "must send a code_challenge.",
        rule="If the server requires Proof Key for Code Exchange (PKCE) by OAuth public clients "
        'and the client does not send the "code_challenge" in the request, the authorization '
        'endpoint MUST return the authorization error response with the "error" value set to '
        '"invalid_request".',
        spec="RFC 7636 §4.4.1",
        fix="Create a fresh code_verifier for each authorization request and send its S256 "
        "code_challenge.",
        client_mistake="omit-pkce",
    ),
    Scenario(
        id="login-required",
        title="prompt=none with no one signed in",
        flow="authorization-code",
        step="authorization_request",
        at_fault="client",
        learner_sees="The provider redirects back at once with error=login_required: no one is "
        "signed in at this issuer, and prompt=none forbids showing the sign-in page.",
        rule=FAULTS["no-auto-login"].breaks,
        spec=FAULTS["no-auto-login"].spec,
        fix="Use prompt=none only to check silently for an existing session; on "
        "login_required, send the user through a normal authorization request.",
        faults=("no-auto-login",),
        client_mistake="prompt-none",
    ),
    # Authorization response: the client must check what comes back to its redirect_uri.
    Scenario(
        id="state-mismatch",
        title="Callback with another state",
        flow="authorization-code",
        step="authorization_response",
        at_fault="attacker",
        learner_sees='The callback\'s state differs from the one the client sent, so the "state" '
        "check fails and the client refuses the response without redeeming the code.",
        rule="The client MUST implement CSRF protection for its redirection URI.",
        spec="RFC 6749 §10.12",
        fix="Keep the state sent with the request in the user's session, and refuse any "
        "callback whose state is missing or differs.",
        client_mistake="state-mismatch",
    ),
    Scenario(
        id="iss-mismatch",
        title="Authorization response from another issuer (mix-up)",
        flow="authorization-code",
        step="authorization_response",
        at_fault="attacker",
        learner_sees="The callback's iss names another issuer than the one the client sent the "
        'user to, so the "iss" check fails and the client refuses to redeem the code.',
        rule=FAULTS["wrong-iss-in-response"].breaks,
        spec=FAULTS["wrong-iss-in-response"].spec,
        fix="Remember which issuer each authorization request went to, and compare the "
        "response's iss with it, by simple string comparison, before using the code.",
        faults=("wrong-iss-in-response",),
    ),
    # Token request: the provider checks the client, the code and the code_verifier.
    Scenario(
        id="wrong-client-secret",
        title="Wrong client_secret",
        flow="authorization-code",
        variant="confidential-pkce",
        step="token_request",
        at_fault="client",
        learner_sees="The token endpoint answers 401 with error=invalid_client.",
        rule="Confidential clients or other clients issued client credentials MUST "
        "authenticate with the authorization server as described in Section 2.3 when making "
        "requests to the token endpoint.",
        spec="RFC 6749 §3.2.1",
        fix="Send the client_secret issued at registration, in HTTP Basic or in the "
        "client_secret form field.",
        client_mistake="wrong-client-secret",
    ),
    Scenario(
        id="code-replay",
        title="Authorization code used twice",
        flow="authorization-code",
        step="token_request",
        at_fault="attacker",
        learner_sees="The second token request gets error=invalid_grant, and the tokens issued "
        "for the first are revoked: /userinfo answers 401 with them.",
        rule="If an authorization code is used more than once, the authorization server MUST "
        "deny the request and SHOULD revoke (when possible) all tokens previously issued based "
        "on that authorization code.",
        spec="RFC 6749 §4.1.2",
        fix="Redeem each code once; a replayed code means the code leaked, so the provider "
        "revokes what it bought.",
        client_mistake="replay-code",
    ),
    Scenario(
        id="code-expired",
        title=FAULTS["expired-code"].title,
        flow="authorization-code",
        step="token_request",
        at_fault="provider",
        learner_sees="The token request gets error=invalid_grant, and the error_description "
        "says the code expired.",
        rule=FAULTS["expired-code"].breaks,
        spec=FAULTS["expired-code"].spec,
        fix="Redeem the code as soon as the callback delivers it; if it has expired, start a "
        "new authorization request.",
        faults=("expired-code",),
    ),
    Scenario(
        id="redirect-uri-differs",
        title="Token request with another redirect_uri",
        flow="authorization-code",
        step="token_request",
        at_fault="client",
        learner_sees="The token request gets error=invalid_grant, and the error_description "
        "names redirect_uri with the value received and the one expected.",
        rule='ensure that the "redirect_uri" parameter is present if the "redirect_uri" '
        "parameter was included in the initial authorization request as described in Section "
        "4.1.1, and if included ensure that their values are identical.",
        spec="RFC 6749 §4.1.3",
        fix="Send the same redirect_uri in the token request as in the authorization request.",
        client_mistake="token-redirect-uri-differs",
    ),
    Scenario(
        id="pkce-verifier-mismatch",
        title="Wrong code_verifier",
        flow="authorization-code",
        step="token_request",
        at_fault="attacker",
        learner_sees="The token request gets error=invalid_grant: the code_verifier does not "
        "hash to the code_challenge of the authorization request.",
        rule='If the values are not equal, an error response indicating "invalid_grant" as '
        "described in Section 5.2 of [RFC6749] MUST be returned.",
        spec="RFC 7636 §4.6",
        fix="Keep the code_verifier in the client's session and never send it anywhere but the "
        "token endpoint: whoever holds only the stolen code cannot redeem it.",
        client_mistake="wrong-code-verifier",
    ),
    Scenario(
        id="pkce-verifier-missing",
        title="Token request without code_verifier",
        flow="authorization-code",
        step="token_request",
        at_fault="client",
        learner_sees="The token request gets error=invalid_request: the authorization request "
        "sent a code_challenge, so the token request needs its code_verifier.",
        rule="If a client sends a valid PKCE code_challenge parameter in the authorization "
        "request, the authorization server MUST enforce the correct usage of code_verifier at "
        "the token endpoint.",
        spec="RFC 9700 §2.1.1",
        fix="Send the code_verifier created for this authorization request with the token request.",
        client_mistake="omit-code-verifier",
    ),
    Scenario(
        id="code-for-another-client",
        title="Code redeemed by another client",
        flow="authorization-code",
        step="token_request",
        at_fault="attacker",
        learner_sees="The token request gets error=invalid_grant: the code was issued to "
        "another client_id.",
        rule="ensure that the authorization code was issued to the authenticated confidential "
        'client, or if the client is public, ensure that the code was issued to "client_id" '
        "in the request",
        spec="RFC 6749 §4.1.3",
        fix="Nothing for an honest client to change: a code is bound to the client it was "
        "issued to, so a code stolen from another client is useless.",
        client_mistake="code-from-another-client",
    ),
    # ID token validation: the provider sends a token a correct client must reject.
    Scenario(
        id="bad-signature",
        title=FAULTS["bad-signature"].title,
        flow="authorization-code",
        step="id_token_validation",
        at_fault="provider",
        learner_sees='The ID token checklist fails on "signature": the RS256 signature does '
        "not verify with the JWKS key its kid names.",
        rule=FAULTS["bad-signature"].breaks,
        spec=FAULTS["bad-signature"].spec,
        fix="Verify every ID token's signature with the issuer's JWKS key that its kid names, and "
        "reject the token if it does not verify.",
        faults=("bad-signature",),
    ),
    Scenario(
        id="alg-none",
        title=FAULTS["alg-none"].title,
        flow="authorization-code",
        step="id_token_validation",
        at_fault="provider",
        learner_sees='The ID token checklist fails on "signature": alg is "none" and the '
        "client accepts RS256 only.",
        rule=FAULTS["alg-none"].breaks,
        spec=FAULTS["alg-none"].spec,
        fix="Accept only the algorithm you expect (RS256, from "
        "id_token_signing_alg_values_supported); never accept alg none.",
        faults=("alg-none",),
    ),
    Scenario(
        id="wrong-issuer",
        title=FAULTS["wrong-issuer"].title,
        flow="authorization-code",
        step="id_token_validation",
        at_fault="provider",
        learner_sees='The ID token checklist fails on "iss": the token names the provider\'s '
        "default issuer, not the scenario's issuer the client discovered.",
        rule=FAULTS["wrong-issuer"].breaks,
        spec=FAULTS["wrong-issuer"].spec,
        fix="Compare iss with the issuer from discovery by exact string comparison.",
        faults=("wrong-issuer",),
    ),
    Scenario(
        id="wrong-audience",
        title=FAULTS["wrong-audience"].title,
        flow="authorization-code",
        step="id_token_validation",
        at_fault="provider",
        learner_sees='The ID token checklist fails on "aud": the token was issued for '
        "some-other-client.",
        rule=FAULTS["wrong-audience"].breaks,
        spec=FAULTS["wrong-audience"].spec,
        fix="Check that aud contains your client_id, and reject audiences you do not trust.",
        faults=("wrong-audience",),
    ),
    Scenario(
        id="expired-id-token",
        title=FAULTS["expired-id-token"].title,
        flow="authorization-code",
        step="id_token_validation",
        at_fault="provider",
        learner_sees='The ID token checklist fails on "exp": the token expired before it was '
        "issued.",
        rule=FAULTS["expired-id-token"].breaks,
        spec=FAULTS["expired-id-token"].spec,
        fix="Reject ID tokens whose exp has passed, allowing at most a small leeway for clock "
        "skew.",
        faults=("expired-id-token",),
    ),
    Scenario(
        id="nonce-mismatch",
        title=FAULTS["nonce-mismatch"].title,
        flow="authorization-code",
        step="id_token_validation",
        at_fault="provider",
        learner_sees='The ID token checklist fails on "nonce": the token\'s nonce is not the one '
        "the client sent.",
        rule=FAULTS["nonce-mismatch"].breaks,
        spec=FAULTS["nonce-mismatch"].spec,
        fix="Send a fresh nonce with each authentication request, keep it in the session, and "
        "compare it with the ID token's nonce.",
        faults=("nonce-mismatch",),
    ),
    Scenario(
        id="unknown-kid",
        title=FAULTS["unknown-kid"].title,
        flow="authorization-code",
        step="id_token_validation",
        at_fault="provider",
        learner_sees='The ID token checklist fails on "signature": no key with the token\'s kid '
        "is in the JWKS, even after fetching it again.",
        rule=FAULTS["unknown-kid"].breaks,
        spec=FAULTS["unknown-kid"].spec,
        fix="When a kid is unknown, fetch the JWKS again once; if the key is still missing, reject "
        "the token.",
        faults=("unknown-kid",),
    ),
    # Resource request: the protected API checks the access token on every call.
    Scenario(
        id="expired-access-token",
        title=FAULTS["expired-access-token"].title,
        flow="protected-api",
        step="resource_request",
        at_fault="provider",
        learner_sees="The token response says expires_in 0, and the first API call gets 401 "
        'with WWW-Authenticate error="invalid_token".',
        rule=INVALID_TOKEN,
        spec="RFC 6750 §3.1",
        fix="Track expires_in; once it has passed, or the API says invalid_token, refresh the "
        "access token (or sign in again) and retry once.",
        faults=("expired-access-token",),
    ),
    Scenario(
        id="insufficient-scope",
        title="Token without the scope the API needs",
        flow="protected-api",
        step="resource_request",
        at_fault="client",
        learner_sees='The API answers 403 with WWW-Authenticate error="insufficient_scope", '
        "naming the scope it needs.",
        rule="The request requires higher privileges than provided by the access token.",
        spec="RFC 6750 §3.1",
        fix="Ask for the scope the API needs (photos.read here) in the authorization request.",
        client_mistake="call-without-scope",
    ),
    Scenario(
        id="revoked-token",
        title="Token used after revocation",
        flow="revocation-introspection",
        step="resource_request",
        at_fault="client",
        learner_sees='The API answers 401 with error="invalid_token": a revoked token stops '
        "working at once.",
        rule="The invalidation takes place immediately, and the token cannot be used again "
        "after the revocation.",
        spec="RFC 7009 §2.1",
        fix="Discard a token once it is revoked (at logout, say) and never send it again.",
        client_mistake="call-with-revoked-token",
    ),
    # Refresh request: the provider checks the refresh token and the scope asked for.
    Scenario(
        id="refresh-token-reuse",
        title="Rotated refresh token used again",
        flow="refresh-token",
        step="refresh_request",
        at_fault="attacker",
        learner_sees="Presenting the old refresh token again gets error=invalid_grant, and "
        "every token of the grant is revoked, the new refresh token included.",
        rule="If a refresh token is compromised and subsequently used by both the attacker and "
        "the legitimate client, one of them will present an invalidated refresh token, which "
        "will inform the authorization server of the breach.",
        spec="RFC 9700 §4.14.2",
        fix="Replace the stored refresh token with the one from each refresh response, and "
        "never send the old one again.",
        client_mistake="reuse-rotated-refresh-token",
    ),
    Scenario(
        id="refresh-token-expired",
        title="Refresh token expired",
        flow="refresh-token",
        step="refresh_request",
        at_fault="provider",
        learner_sees="The refresh request gets error=invalid_grant, and the error_description "
        "says the refresh token has expired.",
        rule=FAULTS["expired-refresh-token"].breaks,
        spec=FAULTS["expired-refresh-token"].spec,
        fix="On invalid_grant from a refresh, drop the stored tokens and send the user through "
        "a new authorization request.",
        faults=("expired-refresh-token",),
    ),
    Scenario(
        id="refresh-broader-scope",
        title="Refresh asking for more scope",
        flow="refresh-token",
        step="refresh_request",
        at_fault="client",
        learner_sees="The refresh request gets error=invalid_scope, and its error_description "
        "names the scope the user never granted and says a refresh may only keep or narrow the "
        "granted scope.",
        rule="The requested scope MUST NOT include any scope not originally granted by the "
        "resource owner, and if omitted is treated as equal to the scope originally granted by "
        "the resource owner.",
        spec="RFC 6749 §6",
        fix="Omit scope on refresh, or ask for less; for more scope, send a new authorization "
        "request so the user can consent.",
        client_mistake="refresh-broader-scope",
    ),
    # Secure and vulnerable, side by side: deliberately VULNERABLE issuers, where an attack the
    # default issuer stops succeeds. Their ids start with "vulnerable-"; the sandbox runs them
    # from its attack pages, against an attacker site of its own. Refused beyond loopback
    # without the instructor token.
    Scenario(
        id="vulnerable-redirect-prefix",
        title="redirect_uri matched by prefix (VULNERABLE)",
        flow="authorization-code",
        variant="public-pkce",
        step="authorization_request",
        at_fault="provider",
        learner_sees="The provider accepts the attacker's redirect_uri, which only starts with "
        "the registered one, and sends the browser, with the authorization code, to the "
        "attacker's site; the attacker redeems the code for the user's tokens.",
        rule=FAULTS["redirect-uri-prefix"].breaks,
        spec=FAULTS["redirect-uri-prefix"].spec,
        fix="Compare redirect_uri with the registered URIs by exact string comparison, and "
        "register full URIs (scheme, host, port and path), never a prefix.",
        faults=("redirect-uri-prefix",),
    ),
    Scenario(
        id="vulnerable-pkce-optional",
        title="PKCE optional for public clients (VULNERABLE)",
        flow="authorization-code",
        variant="public-pkce",
        step="token_request",
        at_fault="provider",
        learner_sees="A public client without PKCE gets a code; an attacker who intercepts the "
        "code redeems it with the client_id alone and obtains the user's tokens.",
        rule=FAULTS["pkce-optional"].breaks,
        spec=FAULTS["pkce-optional"].spec,
        fix="Require a code_challenge from every public client (and verify the code_verifier "
        "at the token endpoint), so an intercepted code is useless without the verifier.",
        faults=("pkce-optional",),
    ),
    Scenario(
        id="vulnerable-implicit",
        title="Implicit grant: the access token in the URL (VULNERABLE)",
        flow="authorization-code",
        variant="public-pkce",
        step="authorization_request",
        at_fault="provider",
        learner_sees="The provider answers response_type=token with the access token in the "
        "fragment of the redirect URI; a third-party script on the client's page reads the "
        "address and sends it to the attacker, who calls the API as the user.",
        rule=FAULTS["implicit-grant"].breaks,
        spec=FAULTS["implicit-grant"].spec,
        fix="Use the authorization code flow with PKCE, even in a browser app: the code in the "
        "redirect is useless without the code_verifier, and tokens travel only on the back "
        "channel. Providers following OAuth 2.1 no longer offer response_type=token.",
        faults=("implicit-grant",),
    ),
)

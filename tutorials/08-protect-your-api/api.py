"""A small photos API of your own that accepts the provider's access tokens (RFC 6750).

Authlib's ResourceProtector reads the bearer token from the Authorization header (RFC 6750 §2.1)
and hands it to a token validator. The API has two, and TOKEN_CHECK chooses one:

- "jwt": verify a JWT access token (RFC 9068) here, against the provider's JWKS: signature,
  iss, aud, exp and scope. No call to the provider per request beyond fetching its keys.
- "introspection": ask the provider's introspection endpoint about the token (RFC 7662), which
  also works for opaque tokens, and for tokens revoked a moment ago.

Errors are shaped as RFC 6750 §3 says: 401 with a WWW-Authenticate challenge when the token is
missing, expired or invalid, and 403 insufficient_scope when it lacks the scope a route needs.

Either way the API accepts only tokens meant for it: their aud must name AUDIENCE, the API's
resource indicator (RFC 9068 §4, RFC 8707 §2).

Run it with `flask --app api run --port 8080`, after setting ISSUER, AUDIENCE and TOKEN_CHECK (and
INTROSPECTION_CLIENT_ID and INTROSPECTION_CLIENT_SECRET for "introspection").
"""

# --8<-- [start:settings]
import functools
import os
import time

import requests
from authlib.integrations.flask_oauth2 import ResourceProtector, current_token
from authlib.oauth2.rfc6749.errors import MissingAuthorizationError, UnsupportedTokenTypeError
from authlib.oauth2.rfc6750 import InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc7662 import IntrospectTokenValidator
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from flask import Flask, abort, jsonify, request
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ISSUER = os.environ["ISSUER"]  # e.g. http://127.0.0.1:9000
AUDIENCE = os.environ["AUDIENCE"]  # our resource indicator, e.g. http://127.0.0.1:8080
TOKEN_CHECK = os.environ.get("TOKEN_CHECK", "jwt")  # "jwt" or "introspection"
REALM = "photos-api"
CLOCK_SKEW = 60  # seconds of difference tolerated between our clock and the provider's
# --8<-- [end:settings]


@functools.cache
def provider_metadata() -> dict:
    """The provider's discovery document (RFC 8414 §3), read once."""
    url = ISSUER + "/.well-known/openid-configuration"
    return requests.get(url, timeout=10).json()


# --8<-- [start:clock]
def now() -> float:
    """The time to compare exp with: the provider's clock when it publishes one.

    A real API uses its own clock. The mock provider's clock can be moved forward (its control
    API) to make tokens expire on demand, and it stamps iat and exp with that clock.
    """
    control = provider_metadata().get("mock_provider_control_endpoint")
    if control is None:
        return time.time()
    return requests.get(control + "/clock", timeout=10).json()["now"]


# --8<-- [end:clock]


# --8<-- [start:audience]
def not_for_us(audience: str | list[str] | None) -> InvalidTokenError:
    """The refusal of a token whose aud does not name this API (RFC 9068 §4): the provider
    issued it for another API, which is where it belongs."""
    named = ", ".join(audience) if isinstance(audience, list) else audience
    return InvalidTokenError(f"the token is for {named}, not for this API", realm=REALM)


# --8<-- [end:audience]


# --8<-- [start:jwt]
class JWTAccessTokenValidator(JWTBearerTokenValidator):
    """Check a JWT access token here (RFC 9068 §4), with the keys the provider publishes."""

    def get_jwks(self) -> KeySet:
        # A busy API caches the keys, and fetches them again when a token names an unknown kid.
        jwks = requests.get(provider_metadata()["jwks_uri"], timeout=10).json()
        return KeySet.import_key_set(jwks)

    def validate_token(self, token, scopes, request, **_ignored) -> None:
        # authenticate_token() has already verified the signature with the key the kid names
        # (joserfc refuses alg "none"). RFC 9068 §4: typ is at+jwt, iss is the issuer, aud
        # names us, exp has not passed.
        try:
            token.validate(now=int(now()), leeway=CLOCK_SKEW)
        except JoseError as error:
            if getattr(error, "claim", None) == "aud":  # joserfc says only "Invalid claim: 'aud'"
                raise not_for_us(token.get("aud")) from error
            raise InvalidTokenError(error.description, realm=REALM) from error
        if self.scope_insufficient(token.get("scope"), scopes):
            raise InsufficientScopeError()


# --8<-- [end:jwt]


# --8<-- [start:introspection]
class IntrospectionValidator(IntrospectTokenValidator):
    """Ask the provider whether a token is active and what it allows (RFC 7662 §2)."""

    def introspect_token(self, token_string: str) -> dict:
        # RFC 7662 §2.1: the introspection endpoint requires the caller to authenticate.
        response = requests.post(
            provider_metadata()["introspection_endpoint"],
            data={"token": token_string, "token_type_hint": "access_token"},
            auth=(os.environ["INTROSPECTION_CLIENT_ID"], os.environ["INTROSPECTION_CLIENT_SECRET"]),
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def validate_token(self, token, scopes, request) -> None:
        # RFC 7662 §2.2: inactive means expired, revoked, unknown, or not ours to see.
        if not token.get("active"):
            raise InvalidTokenError("the provider says the token is not active", realm=REALM)
        # RFC 7662 §2.2: aud as in a JWT, a string or a list; it must name us.
        audience = token.get("aud")
        if AUDIENCE not in (audience if isinstance(audience, list) else [audience]):
            raise not_for_us(audience)
        if self.scope_insufficient(token.get("scope"), scopes):
            raise InsufficientScopeError()


# --8<-- [end:introspection]


# --8<-- [start:protector]
class BearerProtector(ResourceProtector):
    """Authlib's ResourceProtector, with its errors shaped as RFC 6750 §3 asks."""

    def validate_request(self, scopes, request, **kwargs):
        try:
            return super().validate_request(scopes, request, **kwargs)
        except InsufficientScopeError as error:
            error.scope = " ".join(scopes or [])  # RFC 6750 §3: MAY name the scope needed
            error.description = f"this route needs scope {error.scope}"
            raise

    def raise_error_response(self, error) -> None:
        challenge = f'Bearer realm="{REALM}"'
        if isinstance(error, MissingAuthorizationError | UnsupportedTokenTypeError):
            # RFC 6750 §3.1: a request without a bearer token gets a challenge, no error code.
            status = 401
            body = {"error_description": "send an access token: Authorization: Bearer <token>"}
        else:
            status = error.status_code  # 401 invalid_token, 403 insufficient_scope
            body = {"error": error.error, "error_description": error.get_error_description()}
            challenge += f', error="{error.error}"'
            if getattr(error, "scope", None):
                challenge += f', scope="{error.scope}"'
        response = jsonify(body)
        response.status_code = status
        response.headers["WWW-Authenticate"] = challenge
        abort(response)


require_token = BearerProtector()
if TOKEN_CHECK == "jwt":
    require_token.register_token_validator(
        JWTAccessTokenValidator(issuer=ISSUER, resource_server=AUDIENCE, realm=REALM)
    )
else:
    require_token.register_token_validator(IntrospectionValidator(realm=REALM))
# --8<-- [end:protector]

app = Flask(__name__)
PHOTOS = [{"id": 1, "title": "Sunrise over the estuary"}]


@app.errorhandler(requests.RequestException)
def provider_unreachable(error):
    """The API checks tokens with the provider's keys or its introspection endpoint: while the
    provider does not answer, say so (503, RFC 9110 §15.6.4) rather than fail with a 500."""
    description = f"the provider at {ISSUER} did not answer, so the token cannot be checked"
    return jsonify({"error": "temporarily_unavailable", "error_description": description}), 503


# --8<-- [start:routes]
@app.get("/photos")
@require_token("photos.read")
def list_photos():
    """Anyone whose token carries photos.read may list the photos."""
    return jsonify({"photos": PHOTOS, "client_id": current_token["client_id"]})


@app.post("/photos")
@require_token("photos.write")
def add_photo():
    """Adding a photo needs photos.write."""
    title = request.form.get("title", "Untitled")[:200]
    return jsonify({"added": {"id": len(PHOTOS) + 1, "title": title}}), 201


# --8<-- [end:routes]

// One authorization code flow with openid-client v6, a strict client nobody here wrote.
//
//   node flow.mjs ISSUER CLIENT_ID [CLIENT_SECRET]
//
// With a secret the client authenticates with client_secret_basic, which openid-client
// form-urlencodes strictly ("-" becomes "%2D", RFC 6749 section 2.3.1); without one it is a
// public client. The provider is plain http, so `allowInsecureRequests` is required.
// Prints one JSON line: what each step returned, or {"error": ...} and exit code 1.

import * as client from "openid-client";

const REDIRECT_URI = "http://127.0.0.1:8000/callback";
const [issuer, clientId, clientSecret] = process.argv.slice(2);

// Remember what went over the wire to the token endpoint, so the test can see the encoding.
const basicCredentials = [];
const recordingFetch = (url, options) => {
  const header = new Headers(options?.headers).get("authorization");
  if (String(url).endsWith("/token") && header?.startsWith("Basic ")) {
    basicCredentials.push(Buffer.from(header.slice(6), "base64").toString("utf8"));
  }
  return fetch(url, options);
};

async function main() {
  const auth = clientSecret ? client.ClientSecretBasic(clientSecret) : client.None();
  const config = await client.discovery(new URL(issuer), clientId, undefined, auth, {
    execute: [client.allowInsecureRequests],
    [client.customFetch]: recordingFetch,
  });

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: "openid profile email photos.read",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });

  // The user is signed in already (--auto-login), so the provider answers with a redirect.
  const front = await fetch(authorizationUrl, { redirect: "manual" });
  const location = front.headers.get("location");
  if (front.status !== 302 || !location) {
    throw new Error(`authorization endpoint answered ${front.status} without a redirect`);
  }

  // Checks state, iss (RFC 9207), the code exchange, and the ID token: signature, iss, aud,
  // exp, iat, nonce, azp.
  const tokens = await client.authorizationCodeGrant(config, new URL(location), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  const photos = await fetch(new URL("api/photos", `${issuer}/`), {
    headers: { authorization: `Bearer ${refreshed.access_token}` },
  });

  return {
    callback_iss: new URL(location).searchParams.get("iss"),
    id_token_claims: claims,
    userinfo,
    refresh_token_rotated: refreshed.refresh_token !== tokens.refresh_token,
    refreshed_has_access_token: Boolean(refreshed.access_token),
    photos_status: photos.status,
    basic_credentials: basicCredentials,
  };
}

try {
  console.log(JSON.stringify(await main()));
} catch (error) {
  console.log(
    JSON.stringify({
      error: error.name,
      code: error.code ?? null,
      message: error.message,
      // ResponseBodyError carries the provider's RFC 6749 section 5.2 error; ClientError a cause.
      oauth_error: error.error ?? null,
      error_description: error.error_description ?? null,
      cause: typeof error.cause?.message === "string" ? error.cause.message : null,
    }),
  );
  process.exitCode = 1;
}

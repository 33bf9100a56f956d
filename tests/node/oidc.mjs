// A certified OpenID provider for the tests (panva's oidc-provider): it
// verifies private_key_jwt client assertions (RFC 7523) against the JWKS a
// client is registered with, which the mock server cannot.
//   --client ID=PEM   a private_key_jwt client whose JWKS is this public key
//                     (repeatable); it may use client credentials, the code
//                     flow (any http://127.0.0.1 redirect), refresh and device
//   --public-client ID  a public client (no client authentication)
//   --ttl N           lifetime of access tokens (default 3600)
//   --exit-on-stdin-close  stop when stdin closes
// The browser step is automatic: /interaction/* signs in `user-1` and
// consents to what was asked, so a curl that keeps cookies completes it.
// Prints one JSON line {"port":..,"issuer":..} when listening.
import Provider from "oidc-provider";
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";

// The test reads one line of stdout and closes it; oidc-provider's notices
// (console.info) go to stderr so a later one cannot die of EPIPE.
console.log = console.info = console.warn = console.error;

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const ttl = parseInt(opt("--ttl", "3600"), 10);

const clients = [];
args.forEach((a, i) => {
  if (a !== "--client") return;
  const [id, pem] = args[i + 1].split(/=(.*)/s);
  const jwk = createPublicKey(readFileSync(pem)).export({ format: "jwk" });
  clients.push({
    client_id: id,
    token_endpoint_auth_method: "private_key_jwt",
    jwks: { keys: [jwk] },
    grant_types: [
      "client_credentials",
      "authorization_code",
      "refresh_token",
      "urn:ietf:params:oauth:grant-type:device_code",
    ],
    response_types: ["code"],
    redirect_uris: [opt("--redirect-uri", "http://127.0.0.1:1/callback")],
  });
});

args.forEach((a, i) => {
  if (a !== "--public-client") return;
  clients.push({
    client_id: args[i + 1],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    redirect_uris: [opt("--redirect-uri", "http://127.0.0.1:1/callback")],
  });
});

// The issuer needs the port: listen first, then build the provider.
const server = http.createServer();
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const port = server.address().port;
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients,
  features: {
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    devInteractions: { enabled: false },
    revocation: { enabled: true },
  },
  enabledJWA: {
    clientAuthSigningAlgValues: ["RS256", "PS256", "ES256", "ES384"],
  },
  ttl: {
    AccessToken: ttl,
    ClientCredentials: ttl,
    DeviceCode: 600,
    Interaction: 600,
    Grant: 3600,
    Session: 3600,
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed("refresh_token"),
  findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  pkce: { required: () => true },
});

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const grant = new provider.Grant({
    accountId: "user-1",
    clientId: details.params.client_id,
  });
  grant.addOIDCScope(details.params.scope ?? "openid");
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: "user-1" }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const callback = provider.callback();
server.on("request", (req, res) => {
  if (req.url.startsWith("/interaction/")) {
    interaction(req, res).catch((e) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  } else {
    callback(req, res);
  }
});

if (args.includes("--exit-on-stdin-close")) {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}
process.stdout.write(JSON.stringify({ port, issuer }) + "\n");

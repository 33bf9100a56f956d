// A standards-compliant OpenID provider for the tests: oauth2-mock-server,
// plus the behaviours real servers have and the mock lacks.
//   --ttl N             expires_in of issued tokens (default 3600)
//   --refresh-ttl N     expires_in of tokens issued by the refresh_token grant (default: --ttl)
//   --rotate            refresh tokens rotate; reusing an old one revokes the family
//   --refresh-idle N    a refresh token unused for N seconds is refused (invalid_grant,
//                       as Entra's AADSTS700082 "expired due to inactivity")
//   --refresh-expires-in N  token answers say refresh_token_expires_in: N
//   --deny              the authorize step answers error=access_denied
//   --client-secret S   token requests must authenticate with this secret
//   --confidential      with --client-secret: a request with no secret at all is
//                       refused too (a confidential client, PKCE or not)
//   --stats FILE        one JSON line per token request (grant type, outcome)
//   --fail-revoke       the revocation endpoint answers 503
//   --email E / --user-name N  who signed in: claims of the ID token and of
//                       userinfo (which wants a Bearer token)
//   --no-id-token       token answers carry no id_token (userinfo tells)
//   --fail-userinfo     userinfo answers 500
//   --exit-on-stdin-close  stop when stdin closes (the test binary that started
//                       a shared server exited, however it ended)
// Prints one JSON line {"port":..,"issuer":..} when listening.
import { OAuth2Server } from "oauth2-mock-server";
import { appendFileSync } from "node:fs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const flag = (name) => args.includes(name);
const ttl = parseInt(opt("--ttl", "3600"), 10);
const refreshTtl = parseInt(opt("--refresh-ttl", String(ttl)), 10);
const rotate = flag("--rotate");
const refreshIdle = parseInt(opt("--refresh-idle", "0"), 10);
const statedRefresh = opt("--refresh-expires-in", null);
const deny = flag("--deny");
const secret = opt("--client-secret", null);
const confidential = flag("--confidential");
const stats = opt("--stats", null);
const failRevoke = flag("--fail-revoke");
const email = opt("--email", null);
const userName = opt("--user-name", null);
const noIdToken = flag("--no-id-token");
const failUserinfo = flag("--fail-userinfo");

const server = new OAuth2Server();
await server.issuer.keys.generate("RS256");

// Refresh-token families: token -> {family, used}
const refresh = new Map();
const revoked = new Set();
let families = 0;

function clientSecretOf(req) {
  const h = req.headers.authorization || "";
  if (h.startsWith("Basic ")) {
    const raw = Buffer.from(h.slice(6), "base64").toString();
    const i = raw.indexOf(":");
    return decodeURIComponent(raw.slice(i + 1).replace(/\+/g, " "));
  }
  return req.body.client_secret;
}

function log(entry) {
  if (stats) appendFileSync(stats, JSON.stringify(entry) + "\n");
}

server.service.on("beforeResponse", (resp, req) => {
  const grant = req.body.grant_type;
  if (secret !== null) {
    // A confidential client must authenticate; a public one (PKCE) sends no secret.
    const given = clientSecretOf(req);
    const anonymousOk = !confidential && grant !== "client_credentials";
    if (given !== secret && (given !== undefined || !anonymousOk)) {
      resp.statusCode = 401;
      resp.body = { error: "invalid_client", error_description: "Client authentication failed" };
      log({ grant, outcome: "invalid_client" });
      return;
    }
  }
  if (grant === "refresh_token" && refreshIdle > 0) {
    const known = refresh.get(req.body.refresh_token);
    if (known && Date.now() - known.at > refreshIdle * 1000) {
      resp.statusCode = 400;
      resp.body = { error: "invalid_grant", error_description: "the refresh token has expired due to inactivity" };
      log({ grant, outcome: "idle" });
      return;
    }
    if (known) known.at = Date.now();
  }
  if (grant === "refresh_token" && !rotate) {
    // Without rotation a refresh token lives on until revoked (RFC 7009).
    const known = refresh.get(req.body.refresh_token);
    if (known && revoked.has(known.family)) {
      resp.statusCode = 400;
      resp.body = { error: "invalid_grant", error_description: "revoked refresh token" };
      log({ grant, outcome: "invalid_grant" });
      return;
    }
  }
  if (grant === "refresh_token" && rotate) {
    const old = refresh.get(req.body.refresh_token);
    if (!old || revoked.has(old.family)) {
      resp.statusCode = 400;
      resp.body = { error: "invalid_grant", error_description: "unknown or revoked refresh token" };
      log({ grant, outcome: "invalid_grant" });
      return;
    }
    if (old.used) {
      revoked.add(old.family);
      resp.statusCode = 400;
      resp.body = { error: "invalid_grant", error_description: "refresh token reused: family revoked" };
      log({ grant, outcome: "reuse" });
      return;
    }
    old.used = true;
    refresh.set(resp.body.refresh_token, { family: old.family, used: false, at: Date.now() });
  } else if (resp.body.refresh_token) {
    const known = grant === "refresh_token" && refresh.get(req.body.refresh_token);
    refresh.set(resp.body.refresh_token, { family: known ? known.family : ++families, used: false, at: Date.now() });
  }
  if (resp.statusCode === 200) resp.body.expires_in = grant === "refresh_token" ? refreshTtl : ttl;
  if (resp.statusCode === 200 && statedRefresh !== null && resp.body.refresh_token) {
    resp.body.refresh_token_expires_in = parseInt(statedRefresh, 10);
  }
  if (noIdToken) delete resp.body.id_token;
  log({ grant, outcome: "ok" });
});

// RFC 7009 at a route of our own (the mock's /revoke does not read the
// body): revoking a refresh token revokes its whole family.
server.service.addRoute("POST", "/revoke-rfc7009", async (req, res) => {
  if (failRevoke) {
    log({ grant: "revoke", outcome: "unavailable" });
    res.writeHead(503, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ error: "temporarily_unavailable" }));
    return;
  }
  const known = refresh.get((req.body || {}).token);
  if (known) revoked.add(known.family);
  log({ grant: "revoke", outcome: known ? "revoked" : "unknown", hint: (req.body || {}).token_type_hint });
  res.writeHead(200);
  res.end();
});
server.service.on("beforeWellKnownOpenIdConfiguration", (resp) => {
  resp.body.revocation_endpoint = server.issuer.url + "/revoke-rfc7009";
});

server.service.on("beforeTokenSigning", (token) => {
  if (email !== null) token.payload.email = email;
  if (userName !== null) token.payload.name = userName;
});
server.service.on("beforeUserinfo", (resp, req) => {
  if (failUserinfo) {
    resp.statusCode = 500;
    resp.body = { error: "server_error" };
    return;
  }
  if (!(req.headers.authorization || "").startsWith("Bearer ")) {
    resp.statusCode = 401;
    resp.body = { error: "invalid_token" };
    return;
  }
  if (email !== null) resp.body.email = email;
  if (userName !== null) resp.body.name = userName;
});

server.service.on("beforeAuthorizeRedirect", (redirect) => {
  if (deny) {
    redirect.url.searchParams.delete("code");
    redirect.url.searchParams.set("error", "access_denied");
    redirect.url.searchParams.set("error_description", "The user denied the request");
  }
});

await server.start(0, "127.0.0.1");
const { port } = server.address();
console.log(JSON.stringify({ port, issuer: server.issuer.url }));
process.on("SIGTERM", async () => { await server.stop(); process.exit(0); });
if (flag("--exit-on-stdin-close")) {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.on("error", () => process.exit(0));
  process.stdin.resume();
}

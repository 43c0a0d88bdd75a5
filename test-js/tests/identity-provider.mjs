// A loopback identity provider for the JWT tests: it signs tokens with an RSA and an EC
// key, publishes their public halves as a JWKS over HTTP on 127.0.0.1, rotates the RSA
// key on demand, and forges the tokens a verifier must refuse.
import { createHmac, generateKeyPair, sign } from "node:crypto";
import { createServer } from "node:http";
import { promisify } from "node:util";

const generate = promisify(generateKeyPair);

const b64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

async function rsaKey(kid) {
  const { publicKey, privateKey } = await generate("rsa", { modulusLength: 2048 });
  return { kid, alg: "RS256", publicKey, privateKey };
}

async function ecKey(kid) {
  const { publicKey, privateKey } = await generate("ec", { namedCurve: "P-256" });
  return { kid, alg: "ES256", publicKey, privateKey };
}

const jwk = (key) => ({ ...key.publicKey.export({ format: "jwk" }), kid: key.kid, alg: key.alg, use: "sig" });

/** The JWS signature of `input` with `key` as its `alg` says (ES256 as raw r||s, as JOSE wants). */
function signature(alg, key, input) {
  if (alg === "RS256") return sign("sha256", Buffer.from(input), key.privateKey).toString("base64url");
  if (alg === "ES256") {
    return sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url");
  }
  throw new Error(`the identity provider does not sign ${alg}`);
}

/**
 * `token` with its payload replaced by `claims` merged over the original (undefined
 * deletes), keeping the original header and signature: what an attacker who edits a
 * token without the key produces.
 */
export function tamper(token, claims) {
  const [header, payload, sig] = token.split(".");
  const merged = { ...JSON.parse(Buffer.from(payload, "base64url").toString()), ...claims };
  return `${header}.${b64url(merged)}.${sig}`;
}

/** Starts the provider on a free loopback port. Close it with `close()`. */
export async function startIdentityProvider() {
  // Every key it ever signed with, by kid, so a test can still sign with a retired one;
  // `published` is what the JWKS serves.
  const keys = new Map();
  for (const key of await Promise.all([rsaKey("rsa-1"), ecKey("ec-1")])) keys.set(key.kid, key);
  let published = ["rsa-1", "ec-1"];
  const current = { RS256: "rsa-1", ES256: "ec-1" };
  let jwksFetches = 0;
  let issuer;
  let jwksUrl;

  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://localhost").pathname;
    let body;
    if (req.method === "GET" && path === "/jwks.json") {
      jwksFetches++;
      body = { keys: published.map((kid) => jwk(keys.get(kid))) };
    } else if (req.method === "GET" && path === "/.well-known/openid-configuration") {
      body = { issuer, jwks_uri: jwksUrl };
    } else {
      res.writeHead(404).end();
      return;
    }
    // no-store: each fetch should reach us, so the counter sees refetches.
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  issuer = `http://127.0.0.1:${server.address().port}`;
  jwksUrl = `${issuer}/jwks.json`;
  let closed = false;

  /** Header and payload of a token, with the defaults a valid token carries. */
  function parts({ alg = "RS256", kid, claims = {}, header = {}, audience, scope = "mcp:read mcp:write" } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: issuer, sub: "user-1", aud: audience, scope, iat: now, exp: now + 600, ...claims };
    return { alg, header: { alg, typ: "JWT", kid: kid ?? current[alg], ...header }, payload };
  }

  return {
    issuer,
    jwksUrl,
    get jwksFetches() {
      return jwksFetches;
    },

    /**
     * A compact JWS signed with the key named by `kid` (default: the current key for
     * `alg`). An unknown kid is signed with the current key, so only the kid is wrong.
     * `claims` override the defaults; a claim set to undefined is left out.
     */
    token(options = {}) {
      const { alg, header, payload } = parts(options);
      const key = keys.get(header.kid) ?? keys.get(current[alg]);
      const input = `${b64url(header)}.${b64url(payload)}`;
      return `${input}.${signature(alg, key, input)}`;
    },

    /** An `alg: none` token: an empty signature. */
    unsignedToken(options = {}) {
      const { header, payload } = parts(options);
      return `${b64url({ ...header, alg: "none" })}.${b64url(payload)}.`;
    },

    /**
     * An HS256 token whose HMAC secret is the RSA public key as PEM text: it verifies
     * under a library that lets the token's alg choose how to use the published key.
     */
    publicKeyHmacToken(options = {}) {
      const { header, payload } = parts({ ...options, alg: "RS256" });
      const h = { ...header, alg: "HS256" };
      const pem = keys.get(h.kid).publicKey.export({ type: "spki", format: "pem" });
      const input = `${b64url(h)}.${b64url(payload)}`;
      return `${input}.${createHmac("sha256", pem).update(input).digest("base64url")}`;
    },

    /** Replaces the RSA key: the JWKS then serves rsa-2 and ec-1, and RS256 tokens use rsa-2. */
    async rotate() {
      const next = await rsaKey("rsa-2");
      keys.set(next.kid, next);
      current.RS256 = next.kid;
      published = [next.kid, "ec-1"];
    },

    /** Stops serving, dropping kept-alive connections so the port refuses at once. */
    async close() {
      if (closed) return;
      closed = true;
      const done = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await done;
    },
  };
}

//! JWT verification through the HTTP function: key fetching, caching and refresh, fail
//! closed, discovery, and the refusals every forged token must meet.
//!
//! Real RS256/ES256 crypto is tested by each host (aws-lc-rs natively, WebCrypto in
//! JavaScript hosts); here a stand-in signer (a SHA-256 over key and message) lets the
//! rules around it be checked on every target.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

scenarios!(
    valid_tokens_pass_and_keys_are_fetched_once,
    forged_and_broken_tokens_are_refused,
    an_unknown_kid_refetches_at_most_once_per_interval,
    keys_that_cannot_be_fetched_let_nothing_through,
    an_issuer_that_keeps_failing_opens_the_key_breaker,
    a_slow_fetch_holds_up_only_tokens_that_need_it,
    the_discovery_document_names_the_keys,
    presets_read_their_providers_claims,
);

mod scenarios {
    use super::common::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use edgemcp::auth::Auth;
    use edgemcp::runtime::testing::{CapturingLogger, CountingRng, ManualClock, NeverTimer};
    use edgemcp::runtime::{
        BoxFuture, Fetched, HttpClient, PublicKey, Runtime, SignatureAlgorithm, SignatureVerifier,
    };
    use edgemcp::{Error, ErrorKind, Server, Tool, ToolResult};
    use serde_json::{json, Value};
    use sha2::{Digest, Sha256};
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    const ISSUER: &str = "https://id.example.com";
    const JWKS_URL: &str = "https://id.example.com/jwks";
    const RESOURCE: &str = "https://mcp.example.com/mcp";
    const NOW_S: u64 = 1_800_000_000;

    /// Documents by URL, with a count of fetches. Status 0 is an issuer that never answers.
    #[derive(Default)]
    struct Documents {
        by_url: Mutex<HashMap<String, (u16, Value)>>,
        fetches: AtomicUsize,
    }

    impl Documents {
        fn serve(&self, url: &str, status: u16, body: Value) {
            self.by_url
                .lock()
                .unwrap()
                .insert(url.to_owned(), (status, body));
        }
        fn fetches(&self) -> usize {
            self.fetches.load(Ordering::SeqCst)
        }
    }

    struct Client(Arc<Documents>);

    impl HttpClient for Client {
        fn get<'a>(
            &'a self,
            url: &'a str,
            _: &'a [(&'static str, String)],
            _: usize,
        ) -> BoxFuture<'a, edgemcp::Result<Fetched>> {
            self.0.fetches.fetch_add(1, Ordering::SeqCst);
            let found = self.0.by_url.lock().unwrap().get(url).cloned();
            if found.as_ref().is_some_and(|(status, _)| *status == 0) {
                return Box::pin(futures_util::future::pending());
            }
            Box::pin(async move {
                let (status, body) =
                    found.ok_or_else(|| Error::new(ErrorKind::Upstream, "connection refused"))?;
                Ok(Fetched {
                    status,
                    body: body.to_string().into_bytes(),
                })
            })
        }
    }

    /// "Signs" with SHA-256 over the key's bytes and the message.
    struct StandInSigner;

    fn stand_in_signature(key: &PublicKey, message: &[u8]) -> Vec<u8> {
        let mut hash = Sha256::new();
        match key {
            PublicKey::Rsa { n, .. } => hash.update(n),
            PublicKey::P256 { x, .. } => hash.update(x),
        }
        hash.update(message);
        hash.finalize().to_vec()
    }

    impl SignatureVerifier for StandInSigner {
        fn verify<'a>(
            &'a self,
            _: SignatureAlgorithm,
            key: &'a PublicKey,
            message: &'a [u8],
            signature: &'a [u8],
        ) -> BoxFuture<'a, edgemcp::Result<bool>> {
            let genuine = stand_in_signature(key, message) == signature;
            Box::pin(async move { Ok(genuine) })
        }
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A key of the set: its JWK and the key it decodes to.
    fn rsa_key(kid: &str, fill: u8) -> (Value, PublicKey) {
        let n = vec![fill; 256];
        let jwk = json!({"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "n": b64(&n), "e": "AQAB"});
        (
            jwk,
            PublicKey::Rsa {
                n,
                e: vec![1, 0, 1],
            },
        )
    }

    fn ec_key(kid: &str, fill: u8) -> (Value, PublicKey) {
        let x = [fill; 32];
        let jwk = json!({"kty": "EC", "kid": kid, "crv": "P-256", "x": b64(&x), "y": b64(&x)});
        (jwk, PublicKey::P256 { x, y: x })
    }

    fn jwks(keys: &[&(Value, PublicKey)]) -> Value {
        json!({"keys": keys.iter().map(|(jwk, _)| jwk.clone()).collect::<Vec<_>>()})
    }

    fn claims(changes: Value) -> Value {
        let mut claims = json!({
            "iss": ISSUER, "aud": RESOURCE, "sub": "ada", "scope": "mcp:read mcp:write",
            "iat": NOW_S, "exp": NOW_S + 600,
        });
        for (name, value) in changes.as_object().into_iter().flatten() {
            claims[name] = value.clone();
        }
        claims
    }

    fn sign(alg: &str, kid: &str, key: &PublicKey, claims: &Value) -> String {
        let header = json!({"alg": alg, "typ": "JWT", "kid": kid});
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature = stand_in_signature(key, input.as_bytes());
        format!("{input}.{}", b64(&signature))
    }

    struct Setup {
        server: Server,
        documents: Arc<Documents>,
        clock: ManualClock,
        logs: CapturingLogger,
    }

    fn setup(vars: &[(&str, &str)]) -> Setup {
        let documents = Arc::new(Documents::default());
        let clock = ManualClock::new(NOW_S * 1000);
        let logs = CapturingLogger::default();
        let runtime = Runtime::new(clock.clone(), NeverTimer, CountingRng::default())
            .with_http_client(Client(documents.clone()))
            .with_signature_verifier(StandInSigner)
            .with_logger(logs.clone());
        let mut all: HashMap<&str, &str> = HashMap::from([
            ("EDGEMCP_AUTH_MODE", "jwt"),
            ("EDGEMCP_AUTH_ISSUER", ISSUER),
            ("EDGEMCP_AUTH_AUDIENCE", RESOURCE),
            ("EDGEMCP_AUTH_JWKS_URL", JWKS_URL),
        ]);
        all.extend(vars.iter().copied());
        let auth = Auth::from_vars(
            |name| {
                all.get(name)
                    .filter(|v| !v.is_empty())
                    .map(|v| v.to_string())
            },
            &runtime,
        )
        .unwrap()
        .unwrap();
        let whoami = Tool::untyped(
            "whoami",
            "Who is calling",
            json!({"type": "object"}),
            |_, cx| async move {
                let who = cx.identity().cloned().unwrap();
                Ok(ToolResult::text(format!(
                    "{} {} {}",
                    who.subject,
                    who.tenant.unwrap_or_default(),
                    who.scopes.into_iter().collect::<Vec<_>>().join(",")
                )))
            },
        )
        .scopes(["mcp:read"]);
        let server = fixture_builder()
            .tool(whoami)
            .auth(auth)
            .build(runtime)
            .unwrap();
        Setup {
            server,
            documents,
            clock,
            logs,
        }
    }

    /// Calls `whoami` with `token`: the status, the challenge, and the tool's text.
    async fn whoami(setup: &Setup, token: &str) -> (u16, String, String) {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "whoami", "arguments": {}}});
        let bearer = format!("Bearer {token}");
        // The same token also goes to the bare-message entry point, which must agree.
        let seen = post_both(
            &setup.server,
            &body.to_string(),
            &[("authorization", &bearer)],
        )
        .await;
        let challenge = seen
            .header("www-authenticate")
            .unwrap_or_default()
            .to_owned();
        let text = if seen.status == 200 {
            seen.result()["content"][0]["text"]
                .as_str()
                .unwrap()
                .to_owned()
        } else {
            String::new()
        };
        (seen.status, challenge, text)
    }

    async fn refused(setup: &Setup, token: &str, reason: &str) {
        let (status, challenge, _) = whoami(setup, token).await;
        assert_eq!(status, 401, "{reason}: {challenge}");
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert!(
            challenge.contains(reason),
            "expected {reason:?} in {challenge}"
        );
    }

    /// Refused because the keys could not be fetched: the client is told they are
    /// unavailable, and only the log says why (`detail`).
    async fn refused_upstream(setup: &Setup, token: &str, detail: &str) {
        refused(
            setup,
            token,
            "signing keys are unavailable; try again shortly",
        )
        .await;
        let logged = setup.logs.text();
        assert!(
            logged.contains(detail),
            "expected {detail:?} in the log: {logged}"
        );
    }

    pub(crate) async fn valid_tokens_pass_and_keys_are_fetched_once() {
        let setup = setup(&[]);
        let (rsa, ec) = (rsa_key("r1", 0xC1), ec_key("e1", 7));
        setup.documents.serve(JWKS_URL, 200, jwks(&[&rsa, &ec]));
        let rs256 = sign("RS256", "r1", &rsa.1, &claims(json!({})));
        let es256 = sign("ES256", "e1", &ec.1, &claims(json!({"sub": "grace"})));
        assert_eq!(whoami(&setup, &rs256).await.2, "ada  mcp:read,mcp:write");
        assert_eq!(whoami(&setup, &es256).await.2, "grace  mcp:read,mcp:write");
        assert_eq!(whoami(&setup, &rs256).await.0, 200);
        assert_eq!(setup.documents.fetches(), 1, "the key set is cached");
        // Keys are fetched again once they are older than the cache lifetime.
        setup.clock.advance(Duration::from_secs(601));
        let later = sign("RS256", "r1", &rsa.1, &claims(json!({"exp": NOW_S + 1200})));
        assert_eq!(whoami(&setup, &later).await.0, 200);
        assert_eq!(setup.documents.fetches(), 2);
    }

    pub(crate) async fn forged_and_broken_tokens_are_refused() {
        let setup = setup(&[]);
        let (rsa, ec) = (rsa_key("r1", 0xC1), ec_key("e1", 7));
        setup.documents.serve(JWKS_URL, 200, jwks(&[&rsa, &ec]));
        let good = sign("RS256", "r1", &rsa.1, &claims(json!({})));
        let (head, rest) = good.split_once('.').unwrap();
        let (_, signature) = rest.split_once('.').unwrap();
        let upgraded = b64(claims(json!({"scope": "admin"})).to_string().as_bytes());
        refused(
            &setup,
            &format!("{head}.{upgraded}.{signature}"),
            "signature does not match",
        )
        .await;
        let unsigned = format!(
            "{}.{}.",
            b64(br#"{"alg":"none"}"#),
            b64(claims(json!({})).to_string().as_bytes())
        );
        refused(&setup, &unsigned, "alg none").await;
        refused(
            &setup,
            &sign("HS256", "r1", &rsa.1, &claims(json!({}))),
            "HS256 is refused",
        )
        .await;
        // An EC key named by a token that claims RS256: the key type decides, not the token.
        refused(
            &setup,
            &sign("RS256", "e1", &ec.1, &claims(json!({}))),
            "cannot check RS256",
        )
        .await;
        let cases = [
            (json!({"exp": NOW_S - 3600}), "expired"),
            (json!({"nbf": NOW_S + 3600}), "not valid yet"),
            (json!({"iat": NOW_S + 3600}), "in the future"),
            (json!({"iss": "https://evil.example.com"}), "not issued by"),
            (json!({"aud": "https://other.example.com/mcp"}), "audience"),
        ];
        for (changes, reason) in cases {
            refused(
                &setup,
                &sign("RS256", "r1", &rsa.1, &claims(changes)),
                reason,
            )
            .await;
        }
        refused(&setup, "garbage", "not a JWT").await;
        assert_eq!(whoami(&setup, &good).await.0, 200);
    }

    pub(crate) async fn an_unknown_kid_refetches_at_most_once_per_interval() {
        let setup = setup(&[("EDGEMCP_AUTH_JWKS_REFRESH_SECONDS", "5")]);
        let (old, new) = (rsa_key("old", 0xC1), rsa_key("new", 0xC2));
        setup.documents.serve(JWKS_URL, 200, jwks(&[&old]));
        assert_eq!(
            whoami(&setup, &sign("RS256", "old", &old.1, &claims(json!({}))))
                .await
                .0,
            200
        );
        // The issuer rotates: the new key is published, the old one withdrawn.
        setup.documents.serve(JWKS_URL, 200, jwks(&[&new]));
        let with_new = sign("RS256", "new", &new.1, &claims(json!({})));
        // The first fetch was just now: an unknown kid waits for the interval.
        refused(&setup, &with_new, "not one of the issuer's keys").await;
        assert_eq!(setup.documents.fetches(), 1);
        setup.clock.advance(Duration::from_secs(5));
        assert_eq!(whoami(&setup, &with_new).await.0, 200);
        assert_eq!(setup.documents.fetches(), 2);
        let with_old = sign("RS256", "old", &old.1, &claims(json!({})));
        refused(&setup, &with_old, "not one of the issuer's keys").await;
        // Made-up kids cannot make the server fetch more than once per interval.
        for n in 0..10 {
            let made_up = sign("RS256", &format!("k{n}"), &new.1, &claims(json!({})));
            refused(&setup, &made_up, "not one of the issuer's keys").await;
        }
        assert_eq!(setup.documents.fetches(), 2);
    }

    pub(crate) async fn keys_that_cannot_be_fetched_let_nothing_through() {
        let setup = setup(&[("EDGEMCP_AUTH_JWKS_REFRESH_SECONDS", "1")]);
        let rsa = rsa_key("r1", 0xC1);
        let token = sign("RS256", "r1", &rsa.1, &claims(json!({"exp": NOW_S + 7200})));
        refused_upstream(&setup, &token, "connection refused").await;
        refused(&setup, &token, "unavailable").await;
        setup.clock.advance(Duration::from_secs(1));
        setup.documents.serve(JWKS_URL, 500, json!({}));
        refused_upstream(&setup, &token, "answered HTTP 500").await;
        setup.clock.advance(Duration::from_secs(1));
        setup.documents.serve(JWKS_URL, 200, json!({"not": "keys"}));
        refused_upstream(&setup, &token, "not a JWKS").await;
        setup.clock.advance(Duration::from_secs(1));
        setup.documents.serve(JWKS_URL, 200, jwks(&[&rsa]));
        assert_eq!(whoami(&setup, &token).await.0, 200);
        // Past the cache lifetime with the issuer down, cached keys are not trusted.
        setup.clock.advance(Duration::from_secs(601));
        setup.documents.serve(JWKS_URL, 503, json!({}));
        refused_upstream(&setup, &token, "answered HTTP 503").await;
    }

    pub(crate) async fn an_issuer_that_keeps_failing_opens_the_key_breaker() {
        use edgemcp::storage::BreakerState;
        let setup = setup(&[
            ("EDGEMCP_AUTH_JWKS_REFRESH_SECONDS", "1"),
            ("EDGEMCP_BREAKER_FAILURES", "2"),
            ("EDGEMCP_BREAKER_COOL_DOWN_SECONDS", "30"),
        ]);
        let breaker = setup.server.auth().unwrap().breakers().remove(0);
        assert_eq!(breaker.store(), "jwks");
        let rsa = rsa_key("r1", 0xC1);
        let token = sign("RS256", "r1", &rsa.1, &claims(json!({"exp": NOW_S + 7200})));
        // An issuer that answers with something unusable is a configuration to fix, not
        // an outage: it never opens the breaker.
        for _ in 0..3 {
            setup.documents.serve(JWKS_URL, 404, json!({}));
            refused_upstream(&setup, &token, "answered HTTP 404").await;
            setup.clock.advance(Duration::from_secs(1));
        }
        assert_eq!(breaker.state(), BreakerState::Closed);
        // Two outages in a row open it; after that the issuer is left alone.
        setup.documents.serve(JWKS_URL, 503, json!({}));
        refused_upstream(&setup, &token, "answered HTTP 503").await;
        setup.clock.advance(Duration::from_secs(1));
        refused_upstream(&setup, &token, "answered HTTP 503").await;
        assert_eq!(breaker.state(), BreakerState::Open);
        let fetched = setup.documents.fetches();
        setup.documents.serve(JWKS_URL, 200, jwks(&[&rsa]));
        for _ in 0..3 {
            setup.clock.advance(Duration::from_secs(2));
            refused(&setup, &token, "unavailable").await;
        }
        assert_eq!(
            setup.documents.fetches(),
            fetched,
            "an open breaker fetches nothing"
        );
        assert!(
            setup.logs.text().contains("jwks"),
            "the opening is logged with its name"
        );
        // After the cool-down one trial goes through, succeeds, and closes it.
        setup.clock.advance(Duration::from_secs(30));
        assert_eq!(whoami(&setup, &token).await.0, 200);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert_eq!(setup.documents.fetches(), fetched + 1);
    }

    pub(crate) async fn a_slow_fetch_holds_up_only_tokens_that_need_it() {
        use futures_util::FutureExt;
        let setup = setup(&[("EDGEMCP_AUTH_JWKS_REFRESH_SECONDS", "1")]);
        let rsa = rsa_key("r1", 0xC1);
        setup.documents.serve(JWKS_URL, 200, jwks(&[&rsa]));
        let known = sign("RS256", "r1", &rsa.1, &claims(json!({})));
        assert_eq!(whoami(&setup, &known).await.0, 200);
        setup.clock.advance(Duration::from_secs(1));
        setup.documents.serve(JWKS_URL, 0, json!({}));
        let unknown = sign("RS256", "r2", &rsa.1, &claims(json!({})));
        let mut stuck = Box::pin(whoami(&setup, &unknown));
        assert!((&mut stuck).now_or_never().is_none(), "the fetch hangs");
        // The hanging fetch holds no lock a cached key needs.
        assert_eq!(whoami(&setup, &known).await.0, 200);
        drop(stuck);
    }

    pub(crate) async fn the_discovery_document_names_the_keys() {
        let discovery = "https://id.example.com/.well-known/openid-configuration";
        let setup = setup(&[
            ("EDGEMCP_AUTH_JWKS_URL", ""),
            ("EDGEMCP_AUTH_JWKS_REFRESH_SECONDS", "1"),
        ]);
        let rsa = rsa_key("r1", 0xC1);
        setup
            .documents
            .serve("https://keys.example.com/k", 200, jwks(&[&rsa]));
        let token = sign("RS256", "r1", &rsa.1, &claims(json!({"exp": NOW_S + 7200})));
        setup.documents.serve(
            discovery,
            200,
            json!({"issuer": "https://evil.example.com", "jwks_uri": "https://keys.example.com/k"}),
        );
        refused_upstream(&setup, &token, "describes another issuer").await;
        setup.clock.advance(Duration::from_secs(1));
        setup.documents.serve(
            discovery,
            200,
            json!({"issuer": ISSUER, "jwks_uri": "http://keys.example.com/k"}),
        );
        refused_upstream(&setup, &token, "must be an https URL").await;
        setup.clock.advance(Duration::from_secs(1));
        setup.documents.serve(
            discovery,
            200,
            json!({"issuer": ISSUER, "jwks_uri": "https://keys.example.com/k"}),
        );
        assert_eq!(whoami(&setup, &token).await.0, 200);
    }

    pub(crate) async fn presets_read_their_providers_claims() {
        let rsa = rsa_key("r1", 0xC1);
        let cognito = setup(&[
            ("EDGEMCP_AUTH_PRESET", "cognito"),
            ("EDGEMCP_AUTH_CLIENT_ID", "app-1"),
        ]);
        cognito.documents.serve(JWKS_URL, 200, jwks(&[&rsa]));
        let access = claims(
            json!({"aud": null, "token_use": "access", "client_id": "app-1", "scope": "mcp:read"}),
        );
        assert_eq!(
            whoami(&cognito, &sign("RS256", "r1", &rsa.1, &access))
                .await
                .2,
            "ada  mcp:read"
        );
        let id_token = claims(json!({"token_use": "id", "client_id": "app-1"}));
        refused(
            &cognito,
            &sign("RS256", "r1", &rsa.1, &id_token),
            "token_use",
        )
        .await;

        let auth0 = setup(&[
            ("EDGEMCP_AUTH_PRESET", "auth0"),
            ("EDGEMCP_AUTH_ISSUER", "https://t.auth0.com"),
        ]);
        auth0.documents.serve(JWKS_URL, 200, jwks(&[&rsa]));
        let token = claims(
            json!({"iss": "https://t.auth0.com/", "scope": "openid", "permissions": ["mcp:read"], "org_id": "org_9"}),
        );
        assert_eq!(
            whoami(&auth0, &sign("RS256", "r1", &rsa.1, &token)).await.2,
            "ada org_9 mcp:read,openid"
        );

        let issuer = "https://login.microsoftonline.com/contoso/v2.0";
        let entra = setup(&[
            ("EDGEMCP_AUTH_PRESET", "entra"),
            ("EDGEMCP_AUTH_ISSUER", issuer),
        ]);
        entra.documents.serve(JWKS_URL, 200, jwks(&[&rsa]));
        let token = claims(
            json!({"iss": issuer, "oid": "o-1", "tid": "contoso", "scope": null, "scp": "mcp:read", "roles": ["Reader"]}),
        );
        assert_eq!(
            whoami(&entra, &sign("RS256", "r1", &rsa.1, &token)).await.2,
            "o-1 contoso Reader,mcp:read"
        );
        // Without mcp:read the tool is out of reach: 403 with the scope it needs.
        let no_scope = claims(json!({"iss": issuer, "oid": "o-1", "scope": null, "scp": "other"}));
        let (status, challenge, _) = whoami(&entra, &sign("RS256", "r1", &rsa.1, &no_scope)).await;
        assert_eq!(status, 403);
        assert!(
            challenge.contains("error=\"insufficient_scope\"")
                && challenge.contains("scope=\"mcp:read\""),
            "{challenge}"
        );
    }
}

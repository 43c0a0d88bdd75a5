//! The issuer's signing keys: fetched through the host's HTTP client, kept for a while,
//! fetched again when a token names a key not seen yet (at most once per refresh
//! interval), and never trusted when they could not be fetched.

use crate::auth::TokenRejected;
use crate::base64::{self, Form};
use crate::runtime::{PublicKey, Runtime, Severity, SignatureAlgorithm};
use crate::storage::CircuitBreaker;
use crate::{Error, ErrorKind};
use futures_util::future::{select, Either};
use futures_util::lock::Mutex as AsyncMutex;
use serde_json::Value;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Discovery documents and key sets are small; anything larger is refused unread.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// How long one fetch may take before the token waiting on it is refused.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Where keys come from and how long they are kept.
pub(super) struct KeySource {
    issuer: String,
    /// The configured JWKS URL; without one, the issuer's discovery document names it.
    jwks_url: Option<String>,
    /// Fetches with its HTTP client, carrying the request's trace context.
    runtime: Runtime,
    max_age_ms: u64,
    min_refresh_ms: u64,
    /// Opens after fetches keep failing: the issuer is then left alone for a cool-down.
    breaker: Arc<CircuitBreaker>,
    // Held only for moments, never across a fetch: tokens whose key is cached never wait.
    cache: Mutex<Cache>,
    // One fetch at a time: a request that finds a key missing fetches while the others
    // that need a fetch wait, then they read what it fetched instead of fetching again.
    fetching: AsyncMutex<()>,
}

#[derive(Default)]
struct Cache {
    keys: Vec<Jwk>,
    fetched_at_ms: Option<u64>,
    attempted_at_ms: Option<u64>,
    discovered_url: Option<String>,
}

/// One usable signing key of the set.
#[derive(Debug, Clone)]
struct Jwk {
    kid: Option<String>,
    alg: Option<SignatureAlgorithm>,
    key: PublicKey,
}

enum Lookup {
    Found(PublicKey),
    /// The key exists but cannot check this algorithm.
    Unfit,
    Missing,
}

impl KeySource {
    pub(super) fn new(
        issuer: String,
        jwks_url: Option<String>,
        runtime: Runtime,
        max_age: Duration,
        min_refresh: Duration,
        breaker: Arc<CircuitBreaker>,
    ) -> Self {
        KeySource {
            issuer,
            jwks_url,
            runtime,
            max_age_ms: duration_ms(max_age),
            min_refresh_ms: duration_ms(min_refresh),
            breaker,
            cache: Mutex::new(Cache::default()),
            fetching: AsyncMutex::new(()),
        }
    }

    /// The key that checks a token signed with `algorithm` under `kid`.
    pub(super) async fn key_for(
        &self,
        kid: Option<&str>,
        algorithm: SignatureAlgorithm,
    ) -> Result<PublicKey, TokenRejected> {
        if let Some(key) = self.cached(kid, algorithm)? {
            return Ok(key);
        }
        let _one_fetch_at_a_time = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = self.cached(kid, algorithm)? {
            return Ok(key);
        }
        let now = self.runtime.now_unix_ms();
        let discovered_url = {
            let mut cache = self.cache();
            let may_fetch = cache
                .attempted_at_ms
                .is_none_or(|at| now.saturating_sub(at) >= self.min_refresh_ms);
            if !may_fetch {
                // After a failed attempt the kid may well be the issuer's: say what the
                // caller who made that attempt was told.
                let last_attempt_failed = cache.fetched_at_ms != cache.attempted_at_ms;
                return Err(if self.is_fresh(&cache, now) && !last_attempt_failed {
                    unknown_key()
                } else {
                    keys_unavailable()
                });
            }
            cache.attempted_at_ms = Some(now);
            cache.discovered_url.clone()
        };
        let fetched = self.breaker.call(self.fetch(discovered_url)).await;
        let (keys, url) = fetched.map_err(|err| {
            // What went wrong is for the operator; the client learns only that the keys
            // are unavailable, as a second try within the interval would. An open
            // breaker logs its own changes, not every refusal.
            if err.kind() != ErrorKind::Unavailable {
                self.runtime.log(
                    Severity::Error,
                    "the issuer's signing keys could not be fetched",
                    &[
                        ("issuer", self.issuer.as_str().into()),
                        ("error", err.message().into()),
                    ],
                );
            }
            keys_unavailable()
        })?;
        {
            let mut cache = self.cache();
            cache.keys = keys;
            cache.fetched_at_ms = Some(now);
            cache.discovered_url = Some(url);
        }
        self.cached(kid, algorithm)?.ok_or_else(unknown_key)
    }

    /// The breaker in front of the fetches.
    pub(super) fn breaker(&self) -> Arc<CircuitBreaker> {
        self.breaker.clone()
    }

    /// The key from the cache while it is fresh; `None` when it must be fetched.
    fn cached(
        &self,
        kid: Option<&str>,
        algorithm: SignatureAlgorithm,
    ) -> Result<Option<PublicKey>, TokenRejected> {
        let cache = self.cache();
        if !self.is_fresh(&cache, self.runtime.now_unix_ms()) {
            return Ok(None);
        }
        match cache.lookup(kid, algorithm) {
            Lookup::Found(key) => Ok(Some(key)),
            Lookup::Unfit => Err(unfit(algorithm)),
            Lookup::Missing => Ok(None),
        }
    }

    fn is_fresh(&self, cache: &Cache, now: u64) -> bool {
        cache
            .fetched_at_ms
            .is_some_and(|at| now.saturating_sub(at) < self.max_age_ms)
    }

    fn cache(&self) -> MutexGuard<'_, Cache> {
        // Each field is written whole, so a panic elsewhere cannot leave it half-written.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key set, and the URL it came from (configured, or found by discovery).
    ///
    /// # Errors
    /// Temporary when the issuer could not be reached or answered 429 or 5xx (what the
    /// breaker counts); not when it answered with something unusable.
    async fn fetch(&self, discovered_url: Option<String>) -> crate::Result<(Vec<Jwk>, String)> {
        let url = match self.jwks_url.clone().or(discovered_url) {
            Some(url) => url,
            None => self.discover().await?,
        };
        let document = self.get_json(&url).await?;
        let keys = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| issuer_unusable(format!("{url} is not a JWKS (no keys array)")))?;
        // Keys this server cannot use (encryption keys, other curves) are skipped, not fatal.
        Ok((keys.iter().filter_map(parse_jwk).collect(), url))
    }

    /// The `jwks_uri` of the issuer's OpenID discovery document.
    async fn discover(&self) -> crate::Result<String> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let document = self.get_json(&url).await?;
        if document.get("issuer").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(issuer_unusable(format!("{url} describes another issuer")));
        }
        let jwks_uri = document
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| issuer_unusable(format!("{url} has no jwks_uri")))?;
        check_fetch_url(jwks_uri).map_err(issuer_unusable)?;
        Ok(jwks_uri.to_owned())
    }

    async fn get_json(&self, url: &str) -> crate::Result<Value> {
        let request = Box::pin(self.runtime.http_get(url, MAX_DOCUMENT_BYTES));
        let fetched = match select(request, self.runtime.sleep(FETCH_TIMEOUT)).await {
            Either::Left((result, _)) => result.map_err(|err| issuer_unreachable(err.message()))?,
            Either::Right(_) => {
                return Err(issuer_unreachable(&format!(
                    "{url} did not answer within 5 s"
                )))
            }
        };
        match fetched.status {
            200 => {}
            429 | 500..=599 => {
                return Err(issuer_unreachable(&format!(
                    "{url} answered HTTP {}",
                    fetched.status
                )))
            }
            status => return Err(issuer_unusable(format!("{url} answered HTTP {status}"))),
        }
        serde_json::from_slice(&fetched.body)
            .map_err(|_| issuer_unusable(format!("{url} did not return JSON")))
    }
}

/// The issuer could not be reached: temporary, counted by the breaker.
fn issuer_unreachable(reason: &str) -> Error {
    Error::new(ErrorKind::Upstream, reason.to_owned()).set_temporary()
}

/// The issuer answered with something this server cannot use: a configuration to fix.
fn issuer_unusable(reason: String) -> Error {
    Error::new(ErrorKind::Upstream, reason)
}

impl Cache {
    fn lookup(&self, kid: Option<&str>, algorithm: SignatureAlgorithm) -> Lookup {
        let usable = |jwk: &&Jwk| jwk.key.fits(algorithm) && jwk.alg.is_none_or(|a| a == algorithm);
        match kid {
            Some(kid) => match self.keys.iter().find(|jwk| jwk.kid.as_deref() == Some(kid)) {
                None => Lookup::Missing,
                Some(jwk) if usable(&jwk) => Lookup::Found(jwk.key.clone()),
                Some(_) => Lookup::Unfit,
            },
            // Without a kid only an unambiguous key will do.
            None => {
                let mut fitting = self.keys.iter().filter(usable);
                match (fitting.next(), fitting.next()) {
                    (Some(jwk), None) => Lookup::Found(jwk.key.clone()),
                    _ => Lookup::Missing,
                }
            }
        }
    }
}

fn keys_unavailable() -> TokenRejected {
    TokenRejected::new("the issuer's signing keys are unavailable; try again shortly")
}

fn unknown_key() -> TokenRejected {
    TokenRejected::new("the token's signing key (kid) is not one of the issuer's keys")
}

fn unfit(algorithm: SignatureAlgorithm) -> TokenRejected {
    TokenRejected::new(format!(
        "the token's key cannot check {} signatures",
        algorithm.jws_name()
    ))
}

/// A signing key of a JWKS, or `None` for a key this server does not use.
fn parse_jwk(jwk: &Value) -> Option<Jwk> {
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    let bytes = |name: &str| field(name).and_then(|text| base64::decode(text, Form::UrlSafe));
    if field("use").is_some_and(|usage| usage != "sig") {
        return None;
    }
    let alg = match field("alg") {
        None => None,
        Some(name) => Some(SignatureAlgorithm::from_jws_name(name)?),
    };
    let key = match field("kty")? {
        "RSA" => {
            let n = without_leading_zeros(bytes("n")?);
            let e = without_leading_zeros(bytes("e")?);
            // Shorter RSA keys are breakable; RS256 requires 2048 bits.
            if n.len() < 256 || e.is_empty() {
                return None;
            }
            PublicKey::Rsa { n, e }
        }
        "EC" if field("crv") == Some("P-256") => PublicKey::P256 {
            x: bytes("x")?.try_into().ok()?,
            y: bytes("y")?.try_into().ok()?,
        },
        _ => return None,
    };
    if alg.is_some_and(|alg| !key.fits(alg)) {
        return None;
    }
    Some(Jwk {
        kid: field("kid").map(str::to_owned),
        alg,
        key,
    })
}

fn without_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros);
    bytes
}

/// Keys are fetched over HTTPS only, except from this machine (a local identity
/// provider in development and tests).
pub(super) fn check_fetch_url(url: &str) -> Result<(), String> {
    if url.starts_with("https://") {
        return Ok(());
    }
    if let Some(rest) = url.strip_prefix("http://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = if authority.starts_with('[') {
            authority.split_inclusive(']').next().unwrap_or_default()
        } else {
            authority
                .rsplit_once(':')
                .map_or(authority, |(host, _)| host)
        };
        let loopback = host == "localhost"
            || host == "[::1]"
            || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
        if loopback {
            return Ok(());
        }
    }
    Err(format!(
        "{url} must be an https URL (plain http is allowed only to a loopback address)"
    ))
}

fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_https_or_loopback_urls_are_fetched() {
        for ok in [
            "https://id.example.com/jwks",
            "http://127.0.0.1:8080/jwks",
            "http://localhost/jwks",
            "http://[::1]:9/jwks",
        ] {
            assert!(check_fetch_url(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://id.example.com/jwks",
            "http://127.0.0.1@evil.example/jwks",
            "http://127.0.0.1.evil.example/",
            "ftp://127.0.0.1/",
            "file:///etc/passwd",
        ] {
            assert!(check_fetch_url(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn keeps_only_signing_keys_that_fit_their_algorithm() {
        let b64 = |bytes: &[u8]| base64::encode(bytes, Form::UrlSafe);
        let n = b64(&[0xC5; 256]);
        let point = b64(&[7; 32]);
        let rsa =
            json!({"kty": "RSA", "kid": "r", "n": n, "e": "AQAB", "alg": "RS256", "use": "sig"});
        let ec = json!({"kty": "EC", "kid": "e", "crv": "P-256", "x": point, "y": point});
        assert!(matches!(
            parse_jwk(&rsa),
            Some(Jwk {
                key: PublicKey::Rsa { .. },
                ..
            })
        ));
        assert!(matches!(
            parse_jwk(&ec),
            Some(Jwk {
                key: PublicKey::P256 { .. },
                ..
            })
        ));
        let refused = [
            json!({"kty": "RSA", "n": b64(&[0xC5; 128]), "e": "AQAB"}),
            json!({"kty": "RSA", "n": n, "e": "AQAB", "use": "enc"}),
            json!({"kty": "RSA", "n": n, "e": "AQAB", "alg": "ES256"}),
            json!({"kty": "RSA", "n": n, "e": "AQAB", "alg": "RSA-OAEP"}),
            json!({"kty": "EC", "crv": "P-384", "x": point, "y": point}),
            json!({"kty": "oct", "k": "c2VjcmV0"}),
        ];
        for jwk in refused {
            assert!(parse_jwk(&jwk).is_none(), "{jwk}");
        }
        let cache = Cache {
            keys: [rsa, ec].iter().filter_map(parse_jwk).collect(),
            ..Cache::default()
        };
        let rs256 = SignatureAlgorithm::Rs256;
        assert!(matches!(cache.lookup(Some("r"), rs256), Lookup::Found(_)));
        assert!(matches!(cache.lookup(Some("e"), rs256), Lookup::Unfit));
        assert!(matches!(cache.lookup(Some("x"), rs256), Lookup::Missing));
        assert!(matches!(cache.lookup(None, rs256), Lookup::Found(_)));
    }
}

//! Bearer JWTs (RFC 9068 access tokens) checked against an issuer's published keys.
//!
//! A token passes only if, in this order: it is a compact JWS signed with RS256 or ES256
//! (never `none`, never HMAC); the issuer's JWKS has its key (`kid`) and that key's type
//! fits the algorithm; the host's crypto accepts the signature; `iss` is the issuer
//! exactly; the audience is this server (per [`Preset`]); and `exp`, `nbf`, `iat` hold
//! within the leeway. Signature checks and fetches are the host's, through the
//! [`Runtime`]: WebCrypto and `fetch` in JavaScript hosts, native libraries natively.

mod claims;
mod jwks;
mod preset;
mod token;

pub use preset::Preset;

use super::{Identity, TokenRejected, TokenVerifier};
use crate::runtime::{BoxFuture, Runtime, SignatureVerifier};
use crate::storage::{BreakerSettings, CircuitBreaker};
use crate::{Error, Result};
use claims::ClaimRules;
use jwks::KeySource;
use std::sync::Arc;
use std::time::Duration;

/// How JWTs are checked: who issues them, for which resource, where the keys are.
///
/// ```
/// use edgemcp::auth::{JwtConfig, Preset};
/// use std::time::Duration;
///
/// let config = JwtConfig::new("https://example.auth0.com/", "https://mcp.example.com/mcp")
///     .preset(Preset::Auth0)
///     .leeway(Duration::from_secs(30));
/// # let _ = config;
/// ```
#[derive(Debug, Clone)]
pub struct JwtConfig {
    issuer: String,
    audience: String,
    preset: Preset,
    jwks_url: Option<String>,
    client_id: Option<String>,
    tenant_claim: Option<String>,
    leeway: Duration,
    jwks_max_age: Duration,
    jwks_min_refresh: Duration,
    breaker: BreakerSettings,
}

impl JwtConfig {
    /// Tokens from `issuer` (matched exactly against `iss`) for the resource `audience`
    /// (the canonical URI of the MCP endpoint, which `aud` must contain).
    ///
    /// Defaults: the [`Oidc`](Preset::Oidc) preset, keys found through the issuer's
    /// discovery document, 60 s of leeway, keys kept 10 minutes and fetched again for an
    /// unknown `kid` at most every 5 s.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        JwtConfig {
            issuer: issuer.into(),
            audience: audience.into(),
            preset: Preset::Oidc,
            jwks_url: None,
            client_id: None,
            tenant_claim: None,
            leeway: Duration::from_secs(60),
            jwks_max_age: Duration::from_secs(600),
            jwks_min_refresh: Duration::from_secs(5),
            breaker: BreakerSettings::default(),
        }
    }

    /// The identity provider's token shape.
    pub fn preset(mut self, preset: Preset) -> Self {
        self.preset = preset;
        self
    }

    /// Where the keys are, instead of the issuer's discovery document.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// The app client: for [`Cognito`](Preset::Cognito) (required), the `client_id`
    /// tokens must carry, as its access tokens have no `aud`; for
    /// [`Entra`](Preset::Entra), the API's application id, which v2 tokens put in `aud`.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The claim naming the caller's tenant, instead of the preset's.
    pub fn tenant_claim(mut self, claim: impl Into<String>) -> Self {
        self.tenant_claim = Some(claim.into());
        self
    }

    /// How far `exp`, `nbf` and `iat` may be off, for clock skew.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// How long fetched keys are used before they are fetched again.
    pub fn jwks_max_age(mut self, max_age: Duration) -> Self {
        self.jwks_max_age = max_age;
        self
    }

    /// The least time between two fetches, which bounds what tokens with made-up `kid`s
    /// can make this server do.
    pub fn jwks_min_refresh(mut self, interval: Duration) -> Self {
        self.jwks_min_refresh = interval;
        self
    }

    /// When the key fetch's circuit breaker opens and how long it rests: an issuer that
    /// keeps failing is not asked again on every token with an unknown `kid`.
    pub fn breaker(mut self, settings: BreakerSettings) -> Self {
        self.breaker = settings;
        self
    }

    /// The issuer as tokens write it (the [`Auth0`](Preset::Auth0) preset adds the
    /// trailing slash).
    ///
    /// # Errors
    /// When the issuer does not fit the preset.
    pub fn issuer(&self) -> Result<String> {
        self.preset
            .issuer(&self.issuer)
            .map_err(|reason| Error::config(format!("EDGEMCP_AUTH_ISSUER: {reason}.")))
    }
}

/// A [`TokenVerifier`] for JWTs, built from a [`JwtConfig`] and the host's
/// [`Runtime`].
pub struct JwtVerifier {
    rules: ClaimRules,
    keys: KeySource,
    signatures: Arc<dyn SignatureVerifier>,
    runtime: Runtime,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// A verifier that fetches keys and checks signatures with `runtime`'s HTTP client
    /// and signature verifier.
    ///
    /// # Errors
    /// [`ErrorKind::ConfigInvalid`](crate::ErrorKind::ConfigInvalid) when the runtime
    /// lacks either, the issuer does not fit the preset, the JWKS URL is not HTTPS (or
    /// loopback), or Cognito has no client id.
    pub fn new(config: JwtConfig, runtime: &Runtime) -> Result<Self> {
        let (Some(_), Some(signatures)) = (runtime.http_client(), runtime.signature_verifier())
        else {
            return Err(Error::config(
                "JWT verification needs a host that can fetch keys and check signatures; \
                 this host's runtime has no HTTP client or signature verifier.",
            ));
        };
        let issuer = config.issuer()?;
        if let Some(url) = &config.jwks_url {
            jwks::check_fetch_url(url)
                .map_err(|reason| Error::config(format!("EDGEMCP_AUTH_JWKS_URL: {reason}.")))?;
        } else {
            jwks::check_fetch_url(&issuer).map_err(|reason| {
                Error::config(format!(
                    "EDGEMCP_AUTH_ISSUER: {reason}; or set EDGEMCP_AUTH_JWKS_URL."
                ))
            })?;
        }
        if config.preset == Preset::Cognito && config.client_id.is_none() {
            return Err(Error::config(
                "The cognito preset needs EDGEMCP_AUTH_CLIENT_ID: the app client id its \
                 access tokens carry in client_id.",
            ));
        }
        let keys = KeySource::new(
            issuer.clone(),
            config.jwks_url,
            runtime.clone(),
            config.jwks_max_age,
            config.jwks_min_refresh,
            Arc::new(CircuitBreaker::new("jwks", config.breaker, runtime.clone())),
        );
        Ok(JwtVerifier {
            rules: ClaimRules {
                issuer,
                audience: config.audience,
                preset: config.preset,
                client_id: config.client_id,
                tenant_claim: config.tenant_claim,
                leeway_seconds: config.leeway.as_secs(),
            },
            keys,
            signatures,
            runtime: runtime.clone(),
        })
    }

    async fn check(&self, token: &str) -> std::result::Result<Identity, TokenRejected> {
        let token = token::parse(token)?;
        let key = self
            .keys
            .key_for(token.key_id.as_deref(), token.algorithm)
            .await?;
        let genuine = self
            .signatures
            .verify(
                token.algorithm,
                &key,
                token.signing_input.as_bytes(),
                &token.signature,
            )
            .await
            .map_err(|err| {
                TokenRejected::new(format!(
                    "the signature could not be checked: {}",
                    err.message()
                ))
            })?;
        if !genuine {
            return Err(TokenRejected::new("the token's signature does not match"));
        }
        self.rules
            .identity(&token.claims, self.runtime.now_unix_ms())
    }
}

impl TokenVerifier for JwtVerifier {
    fn verify<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, std::result::Result<Identity, TokenRejected>> {
        Box::pin(self.check(token))
    }

    fn breakers(&self) -> Vec<Arc<CircuitBreaker>> {
        vec![self.keys.breaker()]
    }
}

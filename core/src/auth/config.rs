//! Access control from the variables every host reads (Worker vars and secrets, the
//! native host's environment and flags).

use super::{ApiKeys, Auth, JwtConfig, JwtVerifier, Preset};
use crate::runtime::Runtime;
use crate::storage::BreakerSettings;
use crate::{Error, Result};
use std::time::Duration;

/// The scopes granted to API keys and advertised when nothing else is configured.
const DEFAULT_SCOPES: &str = "mcp:read mcp:write";

impl Auth {
    /// Reads access control from `get`:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `EDGEMCP_AUTH_MODE` | `none` (default), `jwt`, or `api_key` |
    /// | `EDGEMCP_AUTH_AUDIENCE` | the canonical URI of the MCP endpoint (required unless `none`) |
    /// | `EDGEMCP_AUTH_ISSUER` | the authorization server (`jwt`: required, matched exactly against `iss`) |
    /// | `EDGEMCP_AUTH_SCOPES` | scopes advertised in the metadata (default `mcp:read mcp:write`) |
    /// | `EDGEMCP_AUTH_JWKS_URL` | `jwt`: the issuer's JWKS (default: from its discovery document) |
    /// | `EDGEMCP_AUTH_PRESET` | `jwt`: `oidc` (default), `cognito`, `auth0` or `entra` (see [`Preset`]) |
    /// | `EDGEMCP_AUTH_CLIENT_ID` | `jwt`: the app client id (`cognito`: required; `entra`: the API's id, accepted in `aud`) |
    /// | `EDGEMCP_AUTH_TENANT_CLAIM` | `jwt`: the claim naming the tenant (default: the preset's) |
    /// | `EDGEMCP_AUTH_LEEWAY_SECONDS` | `jwt`: clock skew allowed on `exp`, `nbf`, `iat` (default 60) |
    /// | `EDGEMCP_AUTH_JWKS_CACHE_SECONDS` | `jwt`: how long keys are kept (default 600) |
    /// | `EDGEMCP_AUTH_JWKS_REFRESH_SECONDS` | `jwt`: least time between key fetches (default 5) |
    /// | `EDGEMCP_AUTH_API_KEYS` | `api_key`: comma-separated SHA-256 hex hashes of the keys (a secret) |
    /// | `EDGEMCP_AUTH_API_KEY_SCOPES` | `api_key`: scopes every key grants (default `mcp:read mcp:write`) |
    ///
    /// `jwt` fetches keys and checks signatures with `runtime`'s HTTP client and
    /// signature verifier. Returns `None` when access control is off.
    ///
    /// # Errors
    /// A configuration error naming the variable to fix.
    pub fn from_vars(
        get: impl Fn(&str) -> Option<String>,
        runtime: &Runtime,
    ) -> Result<Option<Auth>> {
        let mode = get("EDGEMCP_AUTH_MODE").unwrap_or_else(|| "none".to_owned());
        let auth = match mode.trim() {
            "none" => return Ok(None),
            "api_key" => {
                let hashes = get("EDGEMCP_AUTH_API_KEYS").ok_or_else(|| {
                    Error::config(
                        "EDGEMCP_AUTH_MODE=api_key needs EDGEMCP_AUTH_API_KEYS: the SHA-256 \
                         hashes of the keys, comma-separated.",
                    )
                })?;
                let scopes =
                    get("EDGEMCP_AUTH_API_KEY_SCOPES").unwrap_or_else(|| DEFAULT_SCOPES.to_owned());
                let keys = ApiKeys::from_hashes(
                    hashes.split(',').filter(|h| !h.trim().is_empty()),
                    scopes.split_whitespace(),
                )?;
                let auth = Auth::new(resource(&get)?, keys);
                match get("EDGEMCP_AUTH_ISSUER") {
                    Some(issuer) => auth.authorization_server(issuer.trim()),
                    None => auth,
                }
            }
            "jwt" => {
                let resource = resource(&get)?;
                let config = jwt_config(&get, &resource)?;
                let issuer = config.issuer()?;
                Auth::new(resource, JwtVerifier::new(config, runtime)?).authorization_server(issuer)
            }
            other => {
                return Err(Error::config(format!(
                    "EDGEMCP_AUTH_MODE must be none, jwt or api_key, not {other:?}."
                )))
            }
        };
        Ok(Some(
            auth.scopes_supported(
                get("EDGEMCP_AUTH_SCOPES")
                    .unwrap_or_else(|| DEFAULT_SCOPES.to_owned())
                    .split_whitespace(),
            ),
        ))
    }
}

/// `EDGEMCP_AUTH_AUDIENCE`, the canonical resource URI.
fn resource(get: &impl Fn(&str) -> Option<String>) -> Result<String> {
    let resource = get("EDGEMCP_AUTH_AUDIENCE").ok_or_else(|| {
        Error::config(
            "Access control needs EDGEMCP_AUTH_AUDIENCE: the public URL of this server's \
             MCP endpoint, such as https://mcp.example.com/mcp.",
        )
    })?;
    let resource = resource.trim();
    if !(resource.starts_with("https://") || resource.starts_with("http://")) {
        return Err(Error::config(format!(
            "EDGEMCP_AUTH_AUDIENCE must be an http(s) URL, not {resource:?}."
        )));
    }
    Ok(resource.to_owned())
}

/// The JWT settings, for tokens meant for `resource`.
fn jwt_config(get: &impl Fn(&str) -> Option<String>, resource: &str) -> Result<JwtConfig> {
    let issuer = get("EDGEMCP_AUTH_ISSUER").ok_or_else(|| {
        Error::config(
            "EDGEMCP_AUTH_MODE=jwt needs EDGEMCP_AUTH_ISSUER: the issuer exactly as tokens \
             carry it in iss, such as https://auth.example.com.",
        )
    })?;
    let mut config =
        JwtConfig::new(issuer.trim(), resource).breaker(BreakerSettings::from_vars(get)?);
    if let Some(name) = get("EDGEMCP_AUTH_PRESET") {
        let preset = Preset::from_name(name.trim()).ok_or_else(|| {
            Error::config(format!(
                "EDGEMCP_AUTH_PRESET must be oidc, cognito, auth0 or entra, not {name:?}."
            ))
        })?;
        config = config.preset(preset);
    }
    if let Some(url) = get("EDGEMCP_AUTH_JWKS_URL") {
        config = config.jwks_url(url.trim());
    }
    if let Some(client_id) = get("EDGEMCP_AUTH_CLIENT_ID") {
        config = config.client_id(client_id.trim());
    }
    if let Some(claim) = get("EDGEMCP_AUTH_TENANT_CLAIM") {
        config = config.tenant_claim(claim.trim());
    }
    let seconds = |name: &str| -> Result<Option<Duration>> {
        get(name)
            .map(|value| {
                value
                    .trim()
                    .parse::<u64>()
                    .map(Duration::from_secs)
                    .map_err(|_| {
                        Error::config(format!(
                            "{name} must be a whole number of seconds, not {value:?}."
                        ))
                    })
            })
            .transpose()
    };
    if let Some(leeway) = seconds("EDGEMCP_AUTH_LEEWAY_SECONDS")? {
        config = config.leeway(leeway);
    }
    if let Some(max_age) = seconds("EDGEMCP_AUTH_JWKS_CACHE_SECONDS")? {
        config = config.jwks_max_age(max_age);
    }
    if let Some(interval) = seconds("EDGEMCP_AUTH_JWKS_REFRESH_SECONDS")? {
        config = config.jwks_min_refresh(interval);
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<Option<Auth>> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Auth::from_vars(|name| vars.get(name).cloned(), &Runtime::for_tests(0))
    }

    #[test]
    fn off_unless_asked_and_every_mistake_named() {
        assert!(read(&[]).unwrap().is_none());
        assert!(read(&[("EDGEMCP_AUTH_MODE", "none")]).unwrap().is_none());
        let hash = "85dbe15d75ef9308c7ae0f33c7a324cc6f4bf519a2ed2f3027bd33c140a4f9aa";
        let on = read(&[
            ("EDGEMCP_AUTH_MODE", "api_key"),
            ("EDGEMCP_AUTH_API_KEYS", hash),
            ("EDGEMCP_AUTH_AUDIENCE", "https://mcp.example.com/mcp"),
            ("EDGEMCP_AUTH_ISSUER", "https://auth.example.com"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(on.resource(), "https://mcp.example.com/mcp");
        assert_eq!(
            on.metadata()["authorization_servers"][0],
            "https://auth.example.com"
        );
        let jwt = [
            ("EDGEMCP_AUTH_MODE", "jwt"),
            ("EDGEMCP_AUTH_AUDIENCE", "https://mcp.example.com/mcp"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut vars = jwt.to_vec();
            vars.extend_from_slice(extra);
            vars
        };
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![("EDGEMCP_AUTH_MODE", "oauth")], "none, jwt or api_key"),
            (
                vec![("EDGEMCP_AUTH_MODE", "api_key")],
                "EDGEMCP_AUTH_API_KEYS",
            ),
            (
                vec![
                    ("EDGEMCP_AUTH_MODE", "api_key"),
                    ("EDGEMCP_AUTH_API_KEYS", hash),
                ],
                "EDGEMCP_AUTH_AUDIENCE",
            ),
            (
                vec![
                    ("EDGEMCP_AUTH_MODE", "api_key"),
                    ("EDGEMCP_AUTH_API_KEYS", "nothex"),
                ],
                "64 hex digits",
            ),
            (vec![("EDGEMCP_AUTH_MODE", "jwt")], "EDGEMCP_AUTH_AUDIENCE"),
            (with(&[]), "EDGEMCP_AUTH_ISSUER"),
            (
                with(&[
                    ("EDGEMCP_AUTH_ISSUER", "https://id.example"),
                    ("EDGEMCP_AUTH_PRESET", "okta"),
                ]),
                "oidc, cognito, auth0 or entra",
            ),
            (
                with(&[
                    ("EDGEMCP_AUTH_ISSUER", "https://id.example"),
                    ("EDGEMCP_AUTH_LEEWAY_SECONDS", "1m"),
                ]),
                "whole number of seconds",
            ),
            // The test runtime has neither an HTTP client nor signature checks.
            (
                with(&[("EDGEMCP_AUTH_ISSUER", "https://id.example")]),
                "no HTTP client",
            ),
        ];
        for (vars, expected) in cases {
            let err = read(&vars).unwrap_err();
            assert!(err.message().contains(expected), "{vars:?}: {err}");
        }
    }
}

//! Access control from the variables every host reads (Worker vars and secrets, the
//! native host's environment and flags).

use super::{ApiKeys, Auth};
use crate::{Error, Result};

/// The scopes granted to API keys and advertised when nothing else is configured.
const DEFAULT_SCOPES: &str = "mcp:read mcp:write";

impl Auth {
    /// Reads access control from `get`:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `EDGEMCP_AUTH_MODE` | `none` (default), `api_key`, or `jwt` |
    /// | `EDGEMCP_AUTH_AUDIENCE` | the canonical URI of the MCP endpoint (required unless `none`) |
    /// | `EDGEMCP_AUTH_ISSUER` | the authorization server, listed in the metadata |
    /// | `EDGEMCP_AUTH_SCOPES` | scopes advertised in the metadata (default `mcp:read mcp:write`) |
    /// | `EDGEMCP_AUTH_API_KEYS` | `api_key`: comma-separated SHA-256 hex hashes of the keys (a secret) |
    /// | `EDGEMCP_AUTH_API_KEY_SCOPES` | `api_key`: scopes every key grants (default `mcp:read mcp:write`) |
    ///
    /// Returns `None` when access control is off.
    ///
    /// # Errors
    /// A configuration error naming the variable to fix. `jwt` is refused until this
    /// build has a JWT verifier, rather than serving without the protection asked for.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Option<Auth>> {
        let mode = get("EDGEMCP_AUTH_MODE").unwrap_or_else(|| "none".to_owned());
        let verifier = match mode.trim() {
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
                ApiKeys::from_hashes(
                    hashes.split(',').filter(|h| !h.trim().is_empty()),
                    scopes.split_whitespace(),
                )?
            }
            "jwt" => {
                return Err(Error::config(
                    "EDGEMCP_AUTH_MODE=jwt is not available in this build yet (no JWT \
                     verifier); use api_key, or none behind a gateway that authenticates.",
                ))
            }
            other => {
                return Err(Error::config(format!(
                    "EDGEMCP_AUTH_MODE must be none, api_key or jwt, not {other:?}."
                )))
            }
        };
        let resource = get("EDGEMCP_AUTH_AUDIENCE").ok_or_else(|| {
            Error::config(
                "Access control needs EDGEMCP_AUTH_AUDIENCE: the public URL of this server's \
                 MCP endpoint, such as https://mcp.example.com/mcp.",
            )
        })?;
        if !(resource.starts_with("https://") || resource.starts_with("http://")) {
            return Err(Error::config(format!(
                "EDGEMCP_AUTH_AUDIENCE must be an http(s) URL, not {resource:?}."
            )));
        }
        let mut auth = Auth::new(resource.trim(), verifier).scopes_supported(
            get("EDGEMCP_AUTH_SCOPES")
                .unwrap_or_else(|| DEFAULT_SCOPES.to_owned())
                .split_whitespace(),
        );
        if let Some(issuer) = get("EDGEMCP_AUTH_ISSUER") {
            auth = auth.authorization_server(issuer.trim());
        }
        Ok(Some(auth))
    }
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
        Auth::from_vars(|name| vars.get(name).cloned())
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
        let cases: [(&[(&str, &str)], &str); 5] = [
            (&[("EDGEMCP_AUTH_MODE", "jwt")], "not available"),
            (&[("EDGEMCP_AUTH_MODE", "oauth")], "none, api_key or jwt"),
            (&[("EDGEMCP_AUTH_MODE", "api_key")], "EDGEMCP_AUTH_API_KEYS"),
            (
                &[
                    ("EDGEMCP_AUTH_MODE", "api_key"),
                    ("EDGEMCP_AUTH_API_KEYS", hash),
                ],
                "EDGEMCP_AUTH_AUDIENCE",
            ),
            (
                &[
                    ("EDGEMCP_AUTH_MODE", "api_key"),
                    ("EDGEMCP_AUTH_API_KEYS", "nothex"),
                ],
                "64 hex digits",
            ),
        ];
        for (vars, expected) in cases {
            let err = read(vars).unwrap_err();
            assert!(err.message().contains(expected), "{vars:?}: {err}");
        }
    }
}

//! The `auth` option of `McpServer`: the same access control as every other host, its
//! keys the camelCase forms of the `EDGEMCP_AUTH_*` variables.

use crate::convert::to_json;
use edgemcp::auth::Auth;
use edgemcp::runtime::Runtime;
use edgemcp::{Error, Result};
use serde_json::Value;
use std::collections::HashMap;

/// Each option and the variable it stands for.
const OPTIONS: [(&str, &str); 13] = [
    ("mode", "EDGEMCP_AUTH_MODE"),
    ("audience", "EDGEMCP_AUTH_AUDIENCE"),
    ("issuer", "EDGEMCP_AUTH_ISSUER"),
    ("scopes", "EDGEMCP_AUTH_SCOPES"),
    ("jwksUrl", "EDGEMCP_AUTH_JWKS_URL"),
    ("preset", "EDGEMCP_AUTH_PRESET"),
    ("clientId", "EDGEMCP_AUTH_CLIENT_ID"),
    ("tenantClaim", "EDGEMCP_AUTH_TENANT_CLAIM"),
    ("leewaySeconds", "EDGEMCP_AUTH_LEEWAY_SECONDS"),
    ("jwksCacheSeconds", "EDGEMCP_AUTH_JWKS_CACHE_SECONDS"),
    ("jwksRefreshSeconds", "EDGEMCP_AUTH_JWKS_REFRESH_SECONDS"),
    ("apiKeys", "EDGEMCP_AUTH_API_KEYS"),
    ("apiKeyScopes", "EDGEMCP_AUTH_API_KEY_SCOPES"),
];

/// Access control from the `auth` option, fetching keys and checking signatures with
/// `runtime` (the host's `fetch` and WebCrypto).
pub(crate) fn auth_from_js(
    option: &wasm_bindgen::JsValue,
    runtime: &Runtime,
) -> Result<Option<Auth>> {
    let Value::Object(fields) = to_json(option, "the auth option")? else {
        return Err(Error::invalid_params(
            "the auth option must be an object such as { mode: \"jwt\", issuer, audience }",
        ));
    };
    let mut vars = HashMap::new();
    for (key, value) in fields {
        // A misspelt security setting must not be ignored.
        let name = OPTIONS
            .iter()
            .find(|(option, _)| *option == key)
            .map(|(_, name)| *name)
            .ok_or_else(|| {
                let known: Vec<&str> = OPTIONS.iter().map(|(option, _)| *option).collect();
                Error::invalid_params(format!(
                    "the auth option has no `{key}`; it takes {}",
                    known.join(", ")
                ))
            })?;
        // Key hashes are listed with commas, scopes with spaces, as in the variables.
        let separator = if key == "apiKeys" { "," } else { " " };
        let text = match value {
            Value::String(text) => text,
            Value::Number(number) => number.to_string(),
            Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| Error::invalid_params(format!("auth.{key} must list strings")))?
                .join(separator),
            _ => {
                return Err(Error::invalid_params(format!(
                    "auth.{key} must be a string, a number or a list of strings"
                )))
            }
        };
        vars.insert(name, text);
    }
    Auth::from_vars(|name| vars.get(name).cloned(), runtime)
}

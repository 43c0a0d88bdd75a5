//! What differs between identity providers: which claim names the audience, the subject,
//! the scopes and the tenant.

use crate::auth::TokenRejected;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The shape of the tokens an identity provider issues.
///
/// | preset | audience | subject | scopes | tenant |
/// |---|---|---|---|---|
/// | `Oidc` | `aud` contains the resource | `sub` | `scope`, `scp` | (none) |
/// | `Cognito` | `client_id` is the app client, `token_use` is `access` | `sub` | `scope` | (none) |
/// | `Auth0` | `aud` contains the resource | `sub` | `scope`, `permissions` | `org_id` |
/// | `Entra` | `aud` contains the resource or the API's client id | `oid`, else `sub` | `scp`, `roles` | `tid` |
///
/// A tenant claim set in [`JwtConfig::tenant_claim`](super::JwtConfig::tenant_claim)
/// replaces the preset's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preset {
    /// Any OpenID Connect provider issuing RFC 9068-style access tokens.
    #[default]
    Oidc,
    /// Amazon Cognito user pools (access tokens carry no `aud`).
    Cognito,
    /// Auth0 (issuers end with `/`; RBAC grants arrive in `permissions`).
    Auth0,
    /// Microsoft Entra ID with v2.0 tokens (issuer `https://login.microsoftonline.com/<tid>/v2.0`).
    Entra,
}

impl Preset {
    /// The preset called `name`: `oidc`, `cognito`, `auth0` or `entra`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "oidc" => Some(Preset::Oidc),
            "cognito" => Some(Preset::Cognito),
            "auth0" => Some(Preset::Auth0),
            "entra" => Some(Preset::Entra),
            _ => None,
        }
    }

    /// The issuer as this provider writes it in `iss`, or why `issuer` cannot be one.
    pub(super) fn issuer(self, issuer: &str) -> Result<String, String> {
        match self {
            // Auth0 writes its issuers with a trailing slash; a configuration without one
            // would refuse every token.
            Preset::Auth0 if !issuer.ends_with('/') => Ok(format!("{issuer}/")),
            Preset::Entra if !issuer.ends_with("/v2.0") => Err(format!(
                "the entra preset expects a v2.0 issuer such as \
                 https://login.microsoftonline.com/<tenant-id>/v2.0, not {issuer:?}"
            )),
            _ => Ok(issuer.to_owned()),
        }
    }

    /// Whether the token was issued for this server.
    pub(super) fn check_audience(
        self,
        claims: &Map<String, Value>,
        audience: &str,
        client_id: Option<&str>,
    ) -> Result<(), TokenRejected> {
        if self == Preset::Cognito {
            if claims.get("token_use").and_then(Value::as_str) != Some("access") {
                return Err(TokenRejected::new(
                    "the token is not a Cognito access token (token_use must be access)",
                ));
            }
            let expected = client_id.unwrap_or_default();
            return match claims.get("client_id").and_then(Value::as_str) {
                Some(id) if id == expected => Ok(()),
                _ => Err(TokenRejected::new(
                    "the token was issued to another app client (client_id)",
                )),
            };
        }
        // Entra ID v2 access tokens name the API by its application (client) id.
        let app_id = client_id.filter(|_| self == Preset::Entra);
        let accepted = |aud: &str| aud == audience || Some(aud) == app_id;
        let contains = match claims.get("aud") {
            Some(Value::String(aud)) => accepted(aud),
            Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).any(accepted),
            _ => false,
        };
        if contains {
            Ok(())
        } else {
            Err(TokenRejected::new(format!(
                "the token's audience (aud) does not include {audience}"
            )))
        }
    }

    /// The claim naming the caller.
    pub(super) fn subject(self, claims: &Map<String, Value>) -> Option<&str> {
        let string = |name: &str| claims.get(name).and_then(Value::as_str);
        match self {
            // oid is the same user across every app of the tenant; sub differs per app.
            Preset::Entra => string("oid").or_else(|| string("sub")),
            _ => string("sub"),
        }
    }

    /// The scopes the token grants.
    pub(super) fn scopes(self, claims: &Map<String, Value>) -> BTreeSet<String> {
        let mut scopes = BTreeSet::new();
        let names: &[&str] = match self {
            Preset::Oidc => &["scope", "scp"],
            Preset::Cognito => &["scope"],
            Preset::Auth0 => &["scope", "permissions"],
            Preset::Entra => &["scp", "roles"],
        };
        for name in names {
            match claims.get(*name) {
                Some(Value::String(list)) => {
                    scopes.extend(list.split_whitespace().map(str::to_owned));
                }
                Some(Value::Array(items)) => {
                    scopes.extend(items.iter().filter_map(Value::as_str).map(str::to_owned));
                }
                _ => {}
            }
        }
        scopes
    }

    /// The claim that names the caller's tenant, when the provider has one.
    pub(super) fn tenant_claim(self) -> Option<&'static str> {
        match self {
            Preset::Auth0 => Some("org_id"),
            Preset::Entra => Some("tid"),
            Preset::Oidc | Preset::Cognito => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn each_provider_names_audience_subject_and_scopes_its_way() {
        let resource = "https://mcp.example.com/mcp";
        let generic = claims(json!({"aud": ["other", resource], "sub": "u", "scp": ["a", "b"]}));
        assert!(Preset::Oidc
            .check_audience(&generic, resource, None)
            .is_ok());
        assert_eq!(Preset::Oidc.scopes(&generic).len(), 2);

        let cognito =
            claims(json!({"token_use": "access", "client_id": "app", "scope": "mcp:read"}));
        assert!(Preset::Cognito
            .check_audience(&cognito, resource, Some("app"))
            .is_ok());
        assert!(Preset::Cognito
            .check_audience(&cognito, resource, Some("other"))
            .is_err());
        let id_token = claims(json!({"token_use": "id", "client_id": "app", "aud": resource}));
        assert!(Preset::Cognito
            .check_audience(&id_token, resource, Some("app"))
            .is_err());

        let auth0 = claims(
            json!({"aud": resource, "scope": "openid", "permissions": ["mcp:write"], "org_id": "org_1"}),
        );
        assert!(Preset::Auth0.scopes(&auth0).contains("mcp:write"));
        assert_eq!(
            Preset::Auth0.issuer("https://t.auth0.com"),
            Ok("https://t.auth0.com/".to_owned())
        );

        let entra = claims(
            json!({"aud": resource, "oid": "o", "sub": "s", "scp": "mcp:read", "roles": ["Admin"]}),
        );
        assert_eq!(Preset::Entra.subject(&entra), Some("o"));
        assert_eq!(Preset::Entra.scopes(&entra).len(), 2);
        assert!(Preset::Entra
            .issuer("https://login.microsoftonline.com/t")
            .is_err());

        let elsewhere = claims(json!({"aud": "https://other.example/mcp"}));
        assert!(Preset::Oidc
            .check_audience(&elsewhere, resource, None)
            .is_err());
        assert!(Preset::Oidc
            .check_audience(&Map::new(), resource, None)
            .is_err());
    }
}

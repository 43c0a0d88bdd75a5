//! The claims every token must satisfy, whoever issued it: the exact issuer, the
//! audience, the validity window; then the identity they describe.

use super::Preset;
use crate::auth::{is_tenant_name, Identity, TokenRejected};
use serde_json::{Map, Value};

/// What a token's claims are checked against.
#[derive(Debug, Clone)]
pub(super) struct ClaimRules {
    pub(super) issuer: String,
    pub(super) audience: String,
    pub(super) preset: Preset,
    pub(super) client_id: Option<String>,
    pub(super) tenant_claim: Option<String>,
    pub(super) leeway_seconds: u64,
}

impl ClaimRules {
    /// The identity `claims` describe, at `now_ms`, or why they are refused.
    pub(super) fn identity(
        &self,
        claims: &Map<String, Value>,
        now_ms: u64,
    ) -> Result<Identity, TokenRejected> {
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(TokenRejected::new(format!(
                "the token was not issued by {}",
                self.issuer
            )));
        }
        self.check_times(claims, now_ms as f64 / 1000.0)?;
        self.preset
            .check_audience(claims, &self.audience, self.client_id.as_deref())?;
        let subject = self
            .preset
            .subject(claims)
            .filter(|subject| !subject.is_empty())
            .ok_or_else(|| TokenRejected::new("the token names no subject"))?;
        let mut identity = Identity::new(subject);
        identity.scopes = self.preset.scopes(claims);
        let tenant_claim = self.tenant_claim.as_deref().or(self.preset.tenant_claim());
        if let Some(name) = tenant_claim {
            identity.tenant = match claims.get(name) {
                None | Some(Value::Null) => None,
                Some(Value::String(tenant)) if is_tenant_name(tenant) => Some(tenant.clone()),
                Some(_) => {
                    return Err(TokenRejected::new(format!(
                        "the token's {name} claim is not a tenant name (letters, digits, -, _, .)"
                    )))
                }
            };
        }
        Ok(identity)
    }

    /// `exp` (required), `nbf` and `iat`, each with the leeway for clock skew.
    fn check_times(&self, claims: &Map<String, Value>, now: f64) -> Result<(), TokenRejected> {
        let leeway = self.leeway_seconds as f64;
        let time = |name: &str| match claims.get(name) {
            None => Ok(None),
            Some(value) => value.as_f64().map(Some).ok_or_else(|| {
                TokenRejected::new(format!("the token's {name} is not a number of seconds"))
            }),
        };
        let expires =
            time("exp")?.ok_or_else(|| TokenRejected::new("the token has no expiry (exp)"))?;
        if now > expires + leeway {
            return Err(TokenRejected::new("the token has expired"));
        }
        if time("nbf")?.is_some_and(|not_before| now + leeway < not_before) {
            return Err(TokenRejected::new("the token is not valid yet (nbf)"));
        }
        if time("iat")?.is_some_and(|issued| issued > now + leeway) {
            return Err(TokenRejected::new(
                "the token was issued in the future (iat)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW_S: u64 = 1_800_000_000;

    fn rules(preset: Preset) -> ClaimRules {
        ClaimRules {
            issuer: "https://id.example.com".to_owned(),
            audience: "https://mcp.example.com/mcp".to_owned(),
            preset,
            client_id: None,
            tenant_claim: None,
            leeway_seconds: 60,
        }
    }

    fn check(preset: Preset, changes: Value) -> Result<Identity, TokenRejected> {
        let mut claims = json!({
            "iss": "https://id.example.com",
            "aud": "https://mcp.example.com/mcp",
            "sub": "ada",
            "scope": "mcp:read",
            "iat": NOW_S,
            "exp": NOW_S + 300,
        });
        for (name, value) in changes.as_object().into_iter().flatten() {
            claims[name] = value.clone();
        }
        let mut claims = claims.as_object().cloned().unwrap_or_default();
        claims.retain(|_, value| !value.is_null());
        rules(preset).identity(&claims, NOW_S * 1000)
    }

    #[test]
    fn accepts_a_token_in_its_window_with_leeway() {
        let identity = check(Preset::Oidc, json!({})).unwrap();
        assert_eq!(identity.subject, "ada");
        assert!(identity.scopes.contains("mcp:read"));
        assert!(check(Preset::Oidc, json!({"exp": NOW_S - 59})).is_ok());
        assert!(check(Preset::Oidc, json!({"nbf": NOW_S + 59})).is_ok());
        assert!(check(Preset::Oidc, json!({"iat": NOW_S + 59})).is_ok());
    }

    #[test]
    fn refuses_each_broken_claim_with_its_reason() {
        let cases = [
            (json!({"iss": "https://id.example.com/"}), "not issued by"),
            (json!({"iss": null}), "not issued by"),
            (json!({"exp": null}), "no expiry"),
            (json!({"exp": "soon"}), "not a number"),
            (json!({"exp": NOW_S - 61}), "expired"),
            (json!({"nbf": NOW_S + 61}), "not valid yet"),
            (json!({"iat": NOW_S + 61}), "in the future"),
            (json!({"aud": "https://mcp.example.com"}), "audience"),
            (json!({"sub": ""}), "no subject"),
        ];
        for (changes, expected) in cases {
            let err = check(Preset::Oidc, changes.clone()).unwrap_err();
            assert!(err.reason().contains(expected), "{changes}: {err}");
        }
    }

    #[test]
    fn the_tenant_comes_from_the_presets_claim_and_must_be_safe() {
        let identity = check(Preset::Entra, json!({"tid": "contoso", "oid": "o-1"})).unwrap();
        assert_eq!(identity.tenant.as_deref(), Some("contoso"));
        assert_eq!(identity.subject, "o-1");
        assert!(check(Preset::Entra, json!({"tid": "../x"})).is_err());
        let mut custom = rules(Preset::Oidc);
        custom.tenant_claim = Some("org".to_owned());
        let claims = json!({
            "iss": "https://id.example.com", "aud": "https://mcp.example.com/mcp",
            "sub": "ada", "exp": NOW_S + 10, "org": "acme"
        });
        let identity = custom
            .identity(claims.as_object().unwrap(), NOW_S * 1000)
            .unwrap();
        assert_eq!(identity.tenant.as_deref(), Some("acme"));
        assert_eq!(
            check(Preset::Oidc, json!({"tid": "t"})).unwrap().tenant,
            None
        );
    }
}

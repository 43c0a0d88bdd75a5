//! Static API keys, kept only as SHA-256 hashes.

use super::{Identity, TokenRejected, TokenVerifier};
use crate::hmac::constant_time_eq;
use crate::runtime::BoxFuture;
use crate::{Error, Result};
use sha2::{Digest, Sha256};

/// A [`TokenVerifier`] for static API keys: each key is stored as the hex SHA-256 of its
/// text, so the configuration never holds a usable secret, and a presented key is
/// compared with every hash in constant time.
///
/// Every key grants the same scopes; the identity's subject is `api-key:` and the first
/// 8 hex digits of the key's hash, enough to tell keys apart in logs without revealing
/// them. A hash may be followed by `:<tenant>` to give the key's callers that tenant
/// (letters, digits, `-`, `_`, `.`), for tenant isolation. Make a hash with
/// `printf %s "$KEY" | sha256sum`.
///
/// ```
/// use edgemcp::auth::ApiKeys;
///
/// let keys = ApiKeys::from_hashes(
///     ["85dbe15d75ef9308c7ae0f33c7a324cc6f4bf519a2ed2f3027bd33c140a4f9aa:acme"],
///     ["mcp:read", "mcp:write"],
/// )?;
/// # let _ = keys;
/// # Ok::<(), edgemcp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ApiKeys {
    keys: Vec<StoredKey>,
    scopes: Vec<String>,
}

/// One key: its hash and the tenant it speaks for, if any.
#[derive(Debug, Clone)]
struct StoredKey {
    hash: [u8; 32],
    tenant: Option<String>,
}

impl ApiKeys {
    /// Keys given by their SHA-256 hashes (64 hex digits each, optionally followed by
    /// `:<tenant>`), granting `scopes`.
    ///
    /// # Errors
    /// [`ErrorKind::ConfigInvalid`](crate::ErrorKind::ConfigInvalid) when there is no hash,
    /// one is not 64 hex digits, or a tenant is not a safe name.
    pub fn from_hashes<I, S, J, T>(hashes: I, scopes: J) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
        J: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let keys = hashes
            .into_iter()
            .enumerate()
            .map(|(index, entry)| stored_key(index + 1, entry.as_ref().trim()))
            .collect::<Result<Vec<_>>>()?;
        if keys.is_empty() {
            return Err(Error::config(
                "API key authentication needs at least one key hash.",
            ));
        }
        Ok(ApiKeys {
            keys,
            scopes: scopes.into_iter().map(Into::into).collect(),
        })
    }
}

/// Reads `<hash>` or `<hash>:<tenant>`, the `number`th entry of the configuration.
fn stored_key(number: usize, entry: &str) -> Result<StoredKey> {
    let (hash, tenant) = match entry.split_once(':') {
        Some((hash, tenant)) => (hash, Some(tenant)),
        None => (entry, None),
    };
    let hash = parse_hash(hash).ok_or_else(|| {
        Error::config(format!(
            "API key hash #{number} is not 64 hex digits; store the SHA-256 of each key \
             (printf %s \"$KEY\" | sha256sum), never the key itself."
        ))
    })?;
    if tenant.is_some_and(|t| !is_tenant_name(t)) {
        return Err(Error::config(format!(
            "API key #{number}: a tenant is letters, digits, `-`, `_` or `.`."
        )));
    }
    Ok(StoredKey {
        hash,
        tenant: tenant.map(str::to_owned),
    })
}

impl TokenVerifier for ApiKeys {
    fn verify<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, std::result::Result<Identity, TokenRejected>> {
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Look at every hash, whatever matches, so timing says nothing about which.
        let matched = self.keys.iter().fold(None, |found, key| {
            match (found, constant_time_eq(&key.hash, &presented)) {
                (None, true) => Some(key),
                (found, _) => found,
            }
        });
        let outcome = match matched {
            Some(key) => {
                let mut identity =
                    Identity::new(format!("api-key:{}", crate::util::hex(&key.hash[..4])))
                        .with_scopes(self.scopes.iter().cloned());
                identity.tenant = key.tenant.clone();
                Ok(identity)
            }
            None => Err(TokenRejected::new("the API key is not valid")),
        };
        Box::pin(async move { outcome })
    }
}

/// Whether `name` is safe as a tenant: it becomes a segment of storage keys.
pub(crate) fn is_tenant_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn parse_hash(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET_KEY_HASH: &str =
        "85dbe15d75ef9308c7ae0f33c7a324cc6f4bf519a2ed2f3027bd33c140a4f9aa";

    #[test]
    fn accepts_only_keys_whose_hash_is_stored() {
        let keys = ApiKeys::from_hashes([SECRET_KEY_HASH], ["mcp:read"]).unwrap();
        let identity = futures_executor::block_on(keys.verify("secret-key")).unwrap();
        assert_eq!(identity.subject, "api-key:85dbe15d");
        assert!(identity.scopes.contains("mcp:read"));
        for wrong in ["secret-key ", "Secret-key", "", SECRET_KEY_HASH] {
            assert!(
                futures_executor::block_on(keys.verify(wrong)).is_err(),
                "{wrong:?}"
            );
        }
    }

    #[test]
    fn a_key_can_name_its_tenant() {
        let keys = ApiKeys::from_hashes([format!("{SECRET_KEY_HASH}:acme")], ["mcp:read"]).unwrap();
        let identity = futures_executor::block_on(keys.verify("secret-key")).unwrap();
        assert_eq!(identity.tenant.as_deref(), Some("acme"));
        for bad in ["", "a/b", "..", "a b"] {
            let entry = format!("{SECRET_KEY_HASH}:{bad}");
            assert!(
                ApiKeys::from_hashes([entry], ["mcp:read"]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn refuses_malformed_hashes() {
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63)] {
            assert!(
                ApiKeys::from_hashes([bad], ["mcp:read"]).is_err(),
                "{bad:?}"
            );
        }
        assert!(ApiKeys::from_hashes(Vec::<&str>::new(), ["mcp:read"]).is_err());
    }
}

//! Static API keys, kept only as SHA-256 hashes.

use super::{Identity, TokenRejected, TokenVerifier};
use crate::runtime::BoxFuture;
use crate::{Error, Result};
use sha2::{Digest, Sha256};

/// A [`TokenVerifier`] for static API keys: each key is stored as the hex SHA-256 of its
/// text, so the configuration never holds a usable secret, and a presented key is
/// compared with every hash in constant time.
///
/// Every key grants the same scopes; the identity's subject is `api-key:` and the first
/// 8 hex digits of the key's hash, enough to tell keys apart in logs without revealing
/// them. Make a hash with `printf %s "$KEY" | sha256sum`.
///
/// ```
/// use edgemcp::auth::ApiKeys;
///
/// let keys = ApiKeys::from_hashes(
///     ["85dbe15d75ef9308c7ae0f33c7a324cc6f4bf519a2ed2f3027bd33c140a4f9aa"],
///     ["mcp:read", "mcp:write"],
/// )?;
/// # let _ = keys;
/// # Ok::<(), edgemcp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ApiKeys {
    hashes: Vec<[u8; 32]>,
    scopes: Vec<String>,
}

impl ApiKeys {
    /// Keys given by their SHA-256 hashes (64 hex digits each), granting `scopes`.
    ///
    /// # Errors
    /// [`ErrorKind::ConfigInvalid`](crate::ErrorKind::ConfigInvalid) when there is no hash
    /// or one is not 64 hex digits.
    pub fn from_hashes<I, S, J, T>(hashes: I, scopes: J) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
        J: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let hashes = hashes
            .into_iter()
            .enumerate()
            .map(|(index, hash)| {
                parse_hash(hash.as_ref().trim()).ok_or_else(|| {
                    Error::config(format!(
                        "API key hash #{} is not 64 hex digits; store the SHA-256 of each key \
                         (printf %s \"$KEY\" | sha256sum), never the key itself.",
                        index + 1
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if hashes.is_empty() {
            return Err(Error::config(
                "API key authentication needs at least one key hash.",
            ));
        }
        Ok(ApiKeys {
            hashes,
            scopes: scopes.into_iter().map(Into::into).collect(),
        })
    }
}

impl TokenVerifier for ApiKeys {
    fn verify<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, std::result::Result<Identity, TokenRejected>> {
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Look at every hash, whatever matches, so timing says nothing about which.
        let matched = self.hashes.iter().fold(None, |found, hash| {
            match (found, constant_time_eq(hash, &presented)) {
                (None, true) => Some(*hash),
                (found, _) => found,
            }
        });
        let outcome = match matched {
            Some(hash) => Ok(Identity::new(format!("api-key:{}", hex(&hash[..4])))
                .with_scopes(self.scopes.iter().cloned())),
            None => Err(TokenRejected::new("the API key is not valid")),
        };
        Box::pin(async move { outcome })
    }
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

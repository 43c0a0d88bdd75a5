use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::{Error, Result};
use serde_json::Value;

/// What a key-value backend can do.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KvCapability {
    /// Entries can expire after a time to live.
    pub ttl: bool,
    /// Entries can carry a JSON metadata object.
    pub metadata: bool,
    /// Keys can be listed by prefix.
    pub list: bool,
    /// The shortest time to live the backend accepts, in seconds (Workers KV: 60).
    pub min_ttl_seconds: u64,
    /// The longest key, in bytes (Workers KV: 512).
    pub max_key_bytes: usize,
    /// The largest value, in bytes (Workers KV: 25 MiB).
    pub max_value_bytes: usize,
}

impl KvCapability {
    /// Checks a put against these limits, with errors that say what to change: an empty
    /// or too long key, a too large value, a time to live below the minimum (and never
    /// zero), metadata that is not a JSON object.
    ///
    /// Backends call it before writing, so each refuses the same input the same way.
    ///
    /// ```
    /// use edgemcp::storage::{KvCapability, KvPut};
    ///
    /// let mut cap = KvCapability::default();
    /// cap.max_key_bytes = 512;
    /// cap.max_value_bytes = 1024;
    /// assert!(cap.check_put("k", 10, &KvPut::new()).is_ok());
    /// assert!(cap.check_put("", 10, &KvPut::new()).is_err());
    /// assert!(cap.check_put("k", 2048, &KvPut::new()).is_err());
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::InvalidParams`](crate::ErrorKind::InvalidParams) naming the problem.
    pub fn check_put(&self, key: &str, value_len: usize, options: &KvPut) -> Result<()> {
        if key.is_empty() {
            return Err(Error::invalid_params(
                "a key cannot be empty; give the entry a name",
            ));
        }
        if key.len() > self.max_key_bytes {
            return Err(Error::invalid_params(format!(
                "the key is {} bytes but keys are at most {} bytes; use a shorter key",
                key.len(),
                self.max_key_bytes
            )));
        }
        if value_len > self.max_value_bytes {
            return Err(Error::invalid_params(format!(
                "the value is {value_len} bytes but values are at most {}; \
                 store a smaller value or split it across keys",
                super::byte_limit(self.max_value_bytes as u64)
            )));
        }
        let min_ttl = self.min_ttl_seconds.max(1);
        if options.ttl_seconds.is_some_and(|ttl| ttl < min_ttl) {
            return Err(Error::invalid_params(format!(
                "a time to live must be at least {min_ttl} second(s); leave it out to keep the entry"
            )));
        }
        if options.metadata.as_ref().is_some_and(|m| !m.is_object()) {
            return Err(Error::invalid_params("metadata must be a JSON object"));
        }
        Ok(())
    }
}

/// A stored value and what was stored with it.
#[derive(Debug, Clone, PartialEq)]
pub struct KvEntry {
    /// The value.
    pub value: Vec<u8>,
    /// The metadata object, if any.
    pub metadata: Option<Value>,
    /// When the entry expires, in milliseconds since the Unix epoch, if it does.
    pub expires_at_ms: Option<u64>,
}

/// Options of a put.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KvPut {
    /// Time to live, in seconds; `None` keeps the entry until deleted.
    pub ttl_seconds: Option<u64>,
    /// A JSON metadata object stored with the value.
    pub metadata: Option<Value>,
}

impl KvPut {
    /// No TTL, no metadata.
    pub fn new() -> Self {
        KvPut::default()
    }

    /// Sets the time to live.
    pub fn ttl_seconds(mut self, ttl: u64) -> Self {
        self.ttl_seconds = Some(ttl);
        self
    }

    /// Sets the metadata.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// One key of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct KvKey {
    /// The key.
    pub name: String,
    /// When it expires, in milliseconds since the Unix epoch, if it does.
    pub expires_at_ms: Option<u64>,
    /// Its metadata, if any.
    pub metadata: Option<Value>,
}

/// One page of keys.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KvList {
    /// Keys in ascending byte order.
    pub keys: Vec<KvKey>,
    /// Pass back to get the next page; `None` on the last page.
    pub cursor: Option<String>,
}

/// A key-value store: Workers KV, a SQLite table, memory.
///
/// # Behavior
/// - `get` of a missing or expired key is `Ok(None)`.
/// - `put` replaces any existing entry, value, metadata and expiry together.
/// - `delete` of a missing key succeeds.
/// - `list` returns keys starting with `prefix` in ascending order, at most `limit` per
///   page, and an opaque cursor while more remain. Expired keys are never listed.
pub trait KvStore: MaybeSend + MaybeSync {
    /// What this backend can do.
    fn capability(&self) -> KvCapability;

    /// Reads a key.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KvEntry>>>;

    /// Writes a key.
    fn put<'a>(&'a self, key: &'a str, value: Vec<u8>, options: KvPut)
        -> BoxFuture<'a, Result<()>>;

    /// Deletes a key.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>>;

    /// Lists keys by prefix.
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<KvList>>;
}

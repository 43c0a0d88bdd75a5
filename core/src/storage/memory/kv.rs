use super::{lock, page};
use crate::runtime::{BoxFuture, Runtime};
use crate::storage::{KvCapability, KvEntry, KvKey, KvList, KvPut, KvStore};
use crate::Result;
use std::collections::BTreeMap;
use std::sync::Mutex;

const MAX_KEY_BYTES: usize = 512;
const MAX_VALUE_BYTES: usize = 25 * 1024 * 1024;

/// A [`KvStore`] in memory, with time to live read from the [`Runtime`]'s clock.
///
/// Expired entries are invisible to `get` and `list` as soon as the clock passes their
/// expiry. Keys are at most 512 bytes and values at most 25 MiB, as on Workers KV.
///
/// ```
/// use edgemcp::runtime::Runtime;
/// use edgemcp::storage::{KvPut, KvStore, MemoryKv};
///
/// let kv = MemoryKv::new(Runtime::for_tests(0));
/// futures_executor::block_on(async {
///     kv.put("greeting", b"hello".to_vec(), KvPut::new()).await?;
///     let entry = kv.get("greeting").await?;
///     assert_eq!(entry.map(|e| e.value), Some(b"hello".to_vec()));
///     Ok::<(), edgemcp::Error>(())
/// })?;
/// # Ok::<(), edgemcp::Error>(())
/// ```
pub struct MemoryKv {
    runtime: Runtime,
    entries: Mutex<BTreeMap<String, KvEntry>>,
}

impl MemoryKv {
    /// An empty store whose expiry follows `runtime`'s clock.
    pub fn new(runtime: Runtime) -> Self {
        MemoryKv {
            runtime,
            entries: Mutex::new(BTreeMap::new()),
        }
    }

    fn entries(&self) -> Result<std::sync::MutexGuard<'_, BTreeMap<String, KvEntry>>> {
        lock(&self.entries, "key-value store")
    }

    fn get_now(&self, key: &str) -> Result<Option<KvEntry>> {
        let now = self.runtime.now_unix_ms();
        let mut entries = self.entries()?;
        match entries.get(key) {
            Some(entry) if is_expired(entry, now) => {
                entries.remove(key);
                Ok(None)
            }
            entry => Ok(entry.cloned()),
        }
    }

    fn put_now(&self, key: &str, value: Vec<u8>, options: KvPut) -> Result<()> {
        self.capability().check_put(key, value.len(), &options)?;
        let expires_at_ms = options.ttl_seconds.map(|ttl| {
            self.runtime
                .now_unix_ms()
                .saturating_add(ttl.saturating_mul(1000))
        });
        let entry = KvEntry {
            value,
            metadata: options.metadata,
            expires_at_ms,
        };
        self.entries()?.insert(key.to_owned(), entry);
        Ok(())
    }

    fn list_now(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<KvList> {
        let now = self.runtime.now_unix_ms();
        let entries = self.entries()?;
        let (keys, cursor) = page(
            &entries,
            prefix,
            cursor,
            limit,
            |entry| !is_expired(entry, now),
            |name, entry| KvKey {
                name: name.to_owned(),
                expires_at_ms: entry.expires_at_ms,
                metadata: entry.metadata.clone(),
            },
        )?;
        Ok(KvList { keys, cursor })
    }
}

fn is_expired(entry: &KvEntry, now_ms: u64) -> bool {
    entry.expires_at_ms.is_some_and(|at| at <= now_ms)
}

impl std::fmt::Debug for MemoryKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.entries.lock().map(|e| e.len()).ok();
        f.debug_struct("MemoryKv").field("entries", &len).finish()
    }
}

impl KvStore for MemoryKv {
    fn capability(&self) -> KvCapability {
        KvCapability {
            ttl: true,
            metadata: true,
            list: true,
            min_ttl_seconds: 0,
            max_key_bytes: MAX_KEY_BYTES,
            max_value_bytes: MAX_VALUE_BYTES,
        }
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KvEntry>>> {
        Box::pin(async move { self.get_now(key) })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        options: KvPut,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.put_now(key, value, options) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.entries()?.remove(key);
            Ok(())
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<KvList>> {
        Box::pin(async move { self.list_now(prefix, cursor, limit) })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.
mod tests {
    use super::*;
    use crate::runtime::testing::{CountingRng, ManualClock, NeverTimer};
    use crate::ErrorKind;
    use futures_executor::block_on;
    use std::time::Duration;

    fn store() -> (MemoryKv, ManualClock) {
        let clock = ManualClock::new(1_700_000_000_000);
        let runtime = Runtime::new(clock.clone(), NeverTimer, CountingRng::default());
        (MemoryKv::new(runtime), clock)
    }

    #[test]
    fn passes_the_behavior_suite() {
        let (kv, clock) = store();
        block_on(crate::storage::testing::kv_behavior(&kv, Some(&clock)));
        // Twice, on the now non-empty store, and without a clock.
        block_on(crate::storage::testing::kv_behavior(&kv, Some(&clock)));
        block_on(crate::storage::testing::kv_behavior(&kv, None));
    }

    #[test]
    fn expiry_is_exact_to_the_millisecond() {
        let (kv, clock) = store();
        block_on(kv.put("k", vec![1], KvPut::new().ttl_seconds(2))).unwrap();
        clock.advance(Duration::from_millis(1_999));
        assert!(block_on(kv.get("k")).unwrap().is_some());
        clock.advance(Duration::from_millis(1));
        assert!(block_on(kv.get("k")).unwrap().is_none());
        assert!(block_on(kv.list("", None, 10)).unwrap().keys.is_empty());
    }

    #[test]
    fn refuses_oversized_keys_and_values_and_bad_cursors() {
        let (kv, _) = store();
        let long_key = "k".repeat(MAX_KEY_BYTES + 1);
        let err = block_on(kv.put(&long_key, vec![], KvPut::new())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidParams);
        assert!(err.message().contains("513 bytes"), "{err}");
        block_on(kv.put(&long_key[1..], vec![], KvPut::new())).unwrap();

        let err = block_on(kv.put("", vec![], KvPut::new())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidParams);

        let err = block_on(kv.put("big", vec![0; MAX_VALUE_BYTES + 1], KvPut::new())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidParams);
        assert!(err.message().contains("25 MiB"), "{err}");

        let err = block_on(kv.list("", Some("@@not-base64@@"), 10)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidParams);
        assert!(err.message().contains("without a cursor"), "{err}");
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn a_poisoned_lock_is_a_storage_error() {
        let (kv, _) = store();
        let kv = std::sync::Arc::new(kv);
        let poisoner = std::sync::Arc::clone(&kv);
        let _ = std::thread::spawn(move || {
            let _guard = poisoner.entries.lock();
            panic!("poison the lock");
        })
        .join();
        let err = block_on(kv.get("k")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Storage);
        assert!(format!("{kv:?}").contains("MemoryKv"));
    }
}

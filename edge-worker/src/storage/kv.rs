use super::platform_error;
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{KvCapability, KvEntry, KvKey, KvList, KvPut, KvStore};
use serde_json::Value;

/// Workers KV as a [`KvStore`].
pub struct Kv(worker::kv::KvStore);

impl Kv {
    /// Wraps a KV namespace binding.
    pub fn new(store: worker::kv::KvStore) -> Self {
        Kv(store)
    }
}

impl KvStore for Kv {
    fn capability(&self) -> KvCapability {
        let mut cap = KvCapability::default();
        cap.ttl = true;
        cap.metadata = true;
        cap.list = true;
        cap.min_ttl_seconds = 60;
        cap.max_key_bytes = 512;
        cap.max_value_bytes = 25 * 1024 * 1024;
        cap
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, edgemcp::Result<Option<KvEntry>>> {
        Box::pin(async move {
            let (value, metadata) = self
                .0
                .get(key)
                .bytes_with_metadata::<Value>()
                .await
                .map_err(|e| platform_error("KV get", e))?;
            // Workers KV reports expiry only when listing.
            Ok(value.map(|value| KvEntry {
                value,
                metadata,
                expires_at_ms: None,
            }))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        options: KvPut,
    ) -> BoxFuture<'a, edgemcp::Result<()>> {
        Box::pin(async move {
            let mut put = self
                .0
                .put_bytes(key, &value)
                .map_err(|e| platform_error("KV put", e))?;
            if let Some(ttl) = options.ttl_seconds {
                put = put.expiration_ttl(ttl);
            }
            if let Some(metadata) = options.metadata {
                put = put
                    .metadata(metadata)
                    .map_err(|e| platform_error("KV put", e))?;
            }
            put.execute().await.map_err(|e| platform_error("KV put", e))
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, edgemcp::Result<()>> {
        Box::pin(async move {
            self.0
                .delete(key)
                .await
                .map_err(|e| platform_error("KV delete", e))
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, edgemcp::Result<KvList>> {
        Box::pin(async move {
            let mut list = self
                .0
                .list()
                .prefix(prefix.to_owned())
                .limit(limit.clamp(1, 1000) as u64);
            if let Some(cursor) = cursor {
                list = list.cursor(cursor.to_owned());
            }
            let page = list
                .execute()
                .await
                .map_err(|e| platform_error("KV list", e))?;
            Ok(KvList {
                keys: page
                    .keys
                    .into_iter()
                    .map(|k| KvKey {
                        name: k.name,
                        expires_at_ms: k.expiration.map(|s| s.saturating_mul(1000)),
                        metadata: k.metadata,
                    })
                    .collect(),
                cursor: if page.list_complete {
                    None
                } else {
                    page.cursor.filter(|c| !c.is_empty())
                },
            })
        })
    }
}

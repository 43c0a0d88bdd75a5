use super::platform_error;
use crate::js;
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{KvCapability, KvEntry, KvKey, KvList, KvPut, KvStore};
use serde_json::Value;
use wasm_bindgen::JsValue;

/// Workers KV as a [`KvStore`].
pub struct Kv(JsValue);

impl Kv {
    /// Wraps a KV namespace binding (`env.KV`); `None` when `binding` is not one.
    pub fn new(binding: JsValue) -> Option<Self> {
        js::has_method(&binding, "getWithMetadata").then_some(Kv(binding))
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
            let options = js::object(&[("type", "arrayBuffer".into())]);
            let found = js::call(&self.0, "getWithMetadata", &[key.into(), options.into()])
                .await
                .map_err(|e| platform_error("KV get", e))?;
            let value = js::get(&found, "value");
            if value.is_null() || value.is_undefined() {
                return Ok(None);
            }
            let metadata = Some(js::to_json(&js::get(&found, "metadata"))).filter(|m| !m.is_null());
            // Workers KV reports expiry only when listing.
            Ok(Some(KvEntry {
                value: js::bytes(&value),
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
            let body = js_sys::Uint8Array::from(value.as_slice());
            let ttl = options
                .ttl_seconds
                .map_or(JsValue::UNDEFINED, |s| JsValue::from_f64(s as f64));
            let metadata = options
                .metadata
                .as_ref()
                .map_or(JsValue::UNDEFINED, js::from_json);
            let put = js::object(&[("expirationTtl", ttl), ("metadata", metadata)]);
            js::call(&self.0, "put", &[key.into(), body.into(), put.into()])
                .await
                .map_err(|e| platform_error("KV put", e))?;
            Ok(())
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, edgemcp::Result<()>> {
        Box::pin(async move {
            js::call(&self.0, "delete", &[key.into()])
                .await
                .map_err(|e| platform_error("KV delete", e))?;
            Ok(())
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, edgemcp::Result<KvList>> {
        Box::pin(async move {
            let options = js::object(&[
                ("prefix", prefix.into()),
                ("limit", JsValue::from_f64(limit.clamp(1, 1000) as f64)),
                (
                    "cursor",
                    cursor.map_or(JsValue::UNDEFINED, JsValue::from_str),
                ),
            ]);
            let page = js::call(&self.0, "list", &[options.into()])
                .await
                .map_err(|e| platform_error("KV list", e))?;
            let keys = js_sys::Array::from(&js::get(&page, "keys"))
                .iter()
                .filter_map(|key| {
                    Some(KvKey {
                        name: js::string(&key, "name")?,
                        expires_at_ms: js::number(&key, "expiration")
                            .map(|s| (s as u64).saturating_mul(1000)),
                        metadata: Some(js::to_json(&js::get(&key, "metadata")))
                            .filter(|m: &Value| !m.is_null()),
                    })
                })
                .collect();
            let complete = js::get(&page, "list_complete").as_bool().unwrap_or(true);
            Ok(KvList {
                keys,
                cursor: js::string(&page, "cursor").filter(|c| !complete && !c.is_empty()),
            })
        })
    }
}

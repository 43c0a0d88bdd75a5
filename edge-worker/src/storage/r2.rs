use super::platform_error;
use crate::js;
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{BlobCapability, BlobList, BlobMeta, BlobObject, BlobPut, BlobStore};
use wasm_bindgen::{JsCast, JsValue};

/// An R2 bucket as a [`BlobStore`].
pub struct R2(JsValue);

impl R2 {
    /// Wraps an R2 bucket binding (`env.BUCKET`); `None` when `binding` is not one.
    pub fn new(binding: JsValue) -> Option<Self> {
        js::has_method(&binding, "head").then_some(R2(binding))
    }
}

/// The facts of an `R2Object`.
fn meta(object: &JsValue) -> BlobMeta {
    BlobMeta {
        key: js::string(object, "key").unwrap_or_default(),
        size: js::number(object, "size").unwrap_or(0.0) as u64,
        content_type: js::string(&js::get(object, "httpMetadata"), "contentType"),
        etag: js::string(object, "etag"),
        uploaded_at_ms: js::get(object, "uploaded")
            .dyn_ref::<js_sys::Date>()
            .map(|date| date.get_time() as u64),
    }
}

/// `value`, unless it is `null` or `undefined` (what R2 answers for a missing object).
fn present(value: JsValue) -> Option<JsValue> {
    (!value.is_null() && !value.is_undefined()).then_some(value)
}

impl BlobStore for R2 {
    fn capability(&self) -> BlobCapability {
        let mut cap = BlobCapability::default();
        cap.list = true;
        cap.content_type = true;
        // A single R2 put takes up to 5 GiB; the toolkit's own limit is far lower.
        cap.max_object_bytes = 5 * 1024 * 1024 * 1024;
        cap
    }

    fn head<'a>(&'a self, key: &'a str) -> BoxFuture<'a, edgemcp::Result<Option<BlobMeta>>> {
        Box::pin(async move {
            let object = js::call(&self.0, "head", &[key.into()])
                .await
                .map_err(|e| platform_error("R2 head", e))?;
            Ok(present(object).as_ref().map(meta))
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, edgemcp::Result<Option<BlobObject>>> {
        Box::pin(async move {
            let found = js::call(&self.0, "get", &[key.into()])
                .await
                .map_err(|e| platform_error("R2 get", e))?;
            let Some(object) = present(found) else {
                return Ok(None);
            };
            let body = js::call(&object, "arrayBuffer", &[])
                .await
                .map_err(|e| platform_error("R2 read", e))?;
            Ok(Some(BlobObject {
                meta: meta(&object),
                body: js::bytes(&body),
            }))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        options: BlobPut,
    ) -> BoxFuture<'a, edgemcp::Result<BlobMeta>> {
        Box::pin(async move {
            let content_type = options
                .content_type
                .as_deref()
                .map_or(JsValue::UNDEFINED, JsValue::from_str);
            let http = js::object(&[("contentType", content_type)]);
            let put = js::object(&[("httpMetadata", http.into())]);
            let body = js_sys::Uint8Array::from(body.as_slice());
            let object = js::call(&self.0, "put", &[key.into(), body.into(), put.into()])
                .await
                .map_err(|e| platform_error("R2 put", e))?;
            let object = present(object).ok_or_else(|| {
                edgemcp::Error::storage("R2 put returned no object; try again.").set_temporary()
            })?;
            Ok(meta(&object))
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, edgemcp::Result<()>> {
        Box::pin(async move {
            js::call(&self.0, "delete", &[key.into()])
                .await
                .map_err(|e| platform_error("R2 delete", e))?;
            Ok(())
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, edgemcp::Result<BlobList>> {
        Box::pin(async move {
            let include: js_sys::Array =
                std::iter::once(JsValue::from_str("httpMetadata")).collect();
            let options = js::object(&[
                ("prefix", prefix.into()),
                ("limit", JsValue::from_f64(limit.clamp(1, 1000) as f64)),
                (
                    "cursor",
                    cursor.map_or(JsValue::UNDEFINED, JsValue::from_str),
                ),
                ("include", include.into()),
            ]);
            let page = js::call(&self.0, "list", &[options.into()])
                .await
                .map_err(|e| platform_error("R2 list", e))?;
            let objects = js_sys::Array::from(&js::get(&page, "objects"))
                .iter()
                .map(|object| meta(&object))
                .collect();
            let truncated = js::get(&page, "truncated").as_bool().unwrap_or(false);
            Ok(BlobList {
                objects,
                cursor: js::string(&page, "cursor").filter(|_| truncated),
            })
        })
    }
}

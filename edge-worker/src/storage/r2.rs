use super::platform_error;
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{BlobCapability, BlobList, BlobMeta, BlobObject, BlobPut, BlobStore};
use worker::{Bucket, HttpMetadata, Include, Object};

/// An R2 bucket as a [`BlobStore`].
pub struct R2(Bucket);

impl R2 {
    /// Wraps an R2 bucket binding.
    pub fn new(bucket: Bucket) -> Self {
        R2(bucket)
    }
}

fn meta(object: &Object) -> BlobMeta {
    BlobMeta {
        key: object.key(),
        size: object.size(),
        content_type: object.http_metadata().content_type,
        etag: Some(object.etag()),
        uploaded_at_ms: Some(object.uploaded().as_millis()),
    }
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
            let object = self
                .0
                .head(key)
                .await
                .map_err(|e| platform_error("R2 head", e))?;
            Ok(object.as_ref().map(meta))
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, edgemcp::Result<Option<BlobObject>>> {
        Box::pin(async move {
            let Some(object) = self
                .0
                .get(key)
                .execute()
                .await
                .map_err(|e| platform_error("R2 get", e))?
            else {
                return Ok(None);
            };
            let meta = meta(&object);
            let body = match object.body() {
                Some(body) => body
                    .bytes()
                    .await
                    .map_err(|e| platform_error("R2 read", e))?,
                None => Vec::new(),
            };
            Ok(Some(BlobObject { meta, body }))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        options: BlobPut,
    ) -> BoxFuture<'a, edgemcp::Result<BlobMeta>> {
        Box::pin(async move {
            let http = HttpMetadata {
                content_type: options.content_type,
                ..Default::default()
            };
            let object = self
                .0
                .put(key, body)
                .http_metadata(http)
                .execute()
                .await
                .map_err(|e| platform_error("R2 put", e))?
                .ok_or_else(|| {
                    edgemcp::Error::storage("R2 put returned no object; try again.").set_temporary()
                })?;
            Ok(meta(&object))
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, edgemcp::Result<()>> {
        Box::pin(async move {
            self.0
                .delete(key)
                .await
                .map_err(|e| platform_error("R2 delete", e))
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, edgemcp::Result<BlobList>> {
        Box::pin(async move {
            let mut list = self
                .0
                .list()
                .prefix(prefix)
                .limit(limit.clamp(1, 1000) as u32)
                .include(vec![Include::HttpMetadata]);
            if let Some(cursor) = cursor {
                list = list.cursor(cursor);
            }
            let page = list
                .execute()
                .await
                .map_err(|e| platform_error("R2 list", e))?;
            Ok(BlobList {
                objects: page.objects().iter().map(meta).collect(),
                cursor: if page.truncated() {
                    page.cursor()
                } else {
                    None
                },
            })
        })
    }
}

use super::{lock, page};
use crate::runtime::{BoxFuture, Runtime};
use crate::storage::support::etag;
use crate::storage::{BlobCapability, BlobList, BlobMeta, BlobObject, BlobPut, BlobStore};
use crate::Result;
use std::collections::BTreeMap;
use std::sync::Mutex;

const MAX_OBJECT_BYTES: u64 = 100 * 1024 * 1024;

/// A [`BlobStore`] in memory.
///
/// Each put records the size, the content type it was given, an etag (a hash of the
/// bytes, so equal bodies have equal etags) and the upload time from the [`Runtime`]'s
/// clock. Objects are at most 100 MiB.
///
/// ```
/// use edgemcp::runtime::Runtime;
/// use edgemcp::storage::{BlobPut, BlobStore, MemoryBlobs};
///
/// let blobs = MemoryBlobs::new(Runtime::for_tests(0));
/// futures_executor::block_on(async {
///     let meta = blobs.put("notes/a.txt", b"hi".to_vec(), BlobPut::content_type("text/plain")).await?;
///     assert_eq!(meta.size, 2);
///     let listed = blobs.list("notes/", None, 10).await?;
///     assert_eq!(listed.objects[0].key, "notes/a.txt");
///     Ok::<(), edgemcp::Error>(())
/// })?;
/// # Ok::<(), edgemcp::Error>(())
/// ```
pub struct MemoryBlobs {
    runtime: Runtime,
    objects: Mutex<BTreeMap<String, BlobObject>>,
}

impl MemoryBlobs {
    /// An empty store whose upload times come from `runtime`'s clock.
    pub fn new(runtime: Runtime) -> Self {
        MemoryBlobs {
            runtime,
            objects: Mutex::new(BTreeMap::new()),
        }
    }

    fn objects(&self) -> Result<std::sync::MutexGuard<'_, BTreeMap<String, BlobObject>>> {
        lock(&self.objects, "object store")
    }

    fn put_now(&self, key: &str, body: Vec<u8>, options: BlobPut) -> Result<BlobMeta> {
        let size = u64::try_from(body.len()).unwrap_or(u64::MAX);
        self.capability().check_put(key, size)?;
        let meta = BlobMeta {
            key: key.to_owned(),
            size,
            content_type: options.content_type,
            etag: Some(etag(&body)),
            uploaded_at_ms: Some(self.runtime.now_unix_ms()),
        };
        let object = BlobObject {
            meta: meta.clone(),
            body,
        };
        // One insert under the lock: readers see the old object or the new one.
        self.objects()?.insert(key.to_owned(), object);
        Ok(meta)
    }

    fn list_now(&self, prefix: &str, cursor: Option<&str>, limit: usize) -> Result<BlobList> {
        let objects = self.objects()?;
        let (objects, cursor) = page(
            &objects,
            prefix,
            cursor,
            limit,
            |_| true,
            |_, object| object.meta.clone(),
        )?;
        Ok(BlobList { objects, cursor })
    }
}

impl std::fmt::Debug for MemoryBlobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.objects.lock().map(|o| o.len()).ok();
        f.debug_struct("MemoryBlobs")
            .field("objects", &len)
            .finish()
    }
}

impl BlobStore for MemoryBlobs {
    fn capability(&self) -> BlobCapability {
        BlobCapability {
            list: true,
            content_type: true,
            max_object_bytes: MAX_OBJECT_BYTES,
        }
    }

    fn head<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobMeta>>> {
        Box::pin(async move { Ok(self.objects()?.get(key).map(|o| o.meta.clone())) })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobObject>>> {
        Box::pin(async move { Ok(self.objects()?.get(key).cloned()) })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        options: BlobPut,
    ) -> BoxFuture<'a, Result<BlobMeta>> {
        Box::pin(async move { self.put_now(key, body, options) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.objects()?.remove(key);
            Ok(())
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<BlobList>> {
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

    #[test]
    fn passes_the_behavior_suite() {
        let blobs = MemoryBlobs::new(Runtime::for_tests(0));
        block_on(crate::storage::testing::blob_behavior(&blobs));
        block_on(crate::storage::testing::blob_behavior(&blobs));
    }

    #[test]
    fn put_records_size_type_etag_and_time() {
        let clock = ManualClock::new(42_000);
        let blobs = MemoryBlobs::new(Runtime::new(
            clock.clone(),
            NeverTimer,
            CountingRng::default(),
        ));
        let meta =
            block_on(blobs.put("a", b"abc".to_vec(), BlobPut::content_type("text/plain"))).unwrap();
        assert_eq!(meta.size, 3);
        assert_eq!(meta.content_type.as_deref(), Some("text/plain"));
        assert_eq!(meta.uploaded_at_ms, Some(42_000));
        assert_eq!(meta.etag.as_deref(), Some(etag(b"abc").as_str()));
        assert_ne!(etag(b"abc"), etag(b"abd"));
        assert_eq!(etag(b""), "cbf29ce484222325");
        assert_eq!(block_on(blobs.head("a")).unwrap(), Some(meta));
    }

    #[test]
    fn refuses_oversized_objects_empty_keys_and_bad_cursors() {
        let blobs = MemoryBlobs::new(Runtime::for_tests(0));
        let too_big = vec![0; usize::try_from(MAX_OBJECT_BYTES).unwrap() + 1];
        let err = block_on(blobs.put("big", too_big, BlobPut::default())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidParams);
        assert!(
            err.message().contains("104857601 bytes") && err.message().contains("104857600"),
            "{err}"
        );
        let err = block_on(blobs.put("", vec![], BlobPut::default())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidParams);
        let err = block_on(blobs.list("", Some("!"), 1)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidParams);
        assert!(format!("{blobs:?}").contains("MemoryBlobs"));
    }
}

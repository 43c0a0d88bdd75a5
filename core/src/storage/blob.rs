use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::{Error, Result};

/// What an object store can do.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlobCapability {
    /// Objects can be listed by prefix.
    pub list: bool,
    /// Objects keep the content type they were written with.
    pub content_type: bool,
    /// The largest object one put may write, in bytes.
    pub max_object_bytes: u64,
}

impl BlobCapability {
    /// Checks a put against these limits: an empty key, or more bytes than one put may
    /// write. Backends call it before writing, so each refuses the same input the same way.
    ///
    /// ```
    /// use edgemcp::storage::BlobCapability;
    ///
    /// let mut cap = BlobCapability::default();
    /// cap.max_object_bytes = 4;
    /// assert!(cap.check_put("a.txt", 4).is_ok());
    /// assert!(cap.check_put("a.txt", 5).is_err());
    /// assert!(cap.check_put("", 1).is_err());
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::InvalidParams`](crate::ErrorKind::InvalidParams) naming the problem.
    pub fn check_put(&self, key: &str, size: u64) -> Result<()> {
        if key.is_empty() {
            return Err(Error::invalid_params(
                "an object key cannot be empty; give the object a name",
            ));
        }
        if size > self.max_object_bytes {
            return Err(Error::invalid_params(format!(
                "the object is {size} bytes but one put writes at most {}; \
                 store a smaller object or split it across keys",
                super::byte_limit(self.max_object_bytes)
            )));
        }
        Ok(())
    }
}

/// What is known about an object without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    /// The object's key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its content type, if one was stored.
    pub content_type: Option<String>,
    /// An opaque version tag, if the backend has one.
    pub etag: Option<String>,
    /// Last write, in milliseconds since the Unix epoch, if known.
    pub uploaded_at_ms: Option<u64>,
}

/// An object and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobObject {
    /// What is known about it.
    pub meta: BlobMeta,
    /// Its bytes.
    pub body: Vec<u8>,
}

/// Options of a put.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlobPut {
    /// The content type to store.
    pub content_type: Option<String>,
}

impl BlobPut {
    /// A put with a content type.
    pub fn content_type(content_type: impl Into<String>) -> Self {
        BlobPut {
            content_type: Some(content_type.into()),
        }
    }
}

/// One page of objects.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlobList {
    /// Objects in ascending key order.
    pub objects: Vec<BlobMeta>,
    /// Pass back to get the next page; `None` on the last page.
    pub cursor: Option<String>,
}

/// An object store: R2, a directory, S3-compatible storage, memory.
///
/// Keys reach the store already validated by the toolkit (no `..` segments, no leading
/// `/`, no control characters); a store may still refuse keys it cannot hold.
///
/// # Behavior
/// - `head` and `get` of a missing key are `Ok(None)`.
/// - `put` replaces an existing object atomically: a reader sees the old or the new
///   object, never a mix.
/// - `delete` of a missing key succeeds.
/// - `list` returns objects whose key starts with `prefix`, in ascending order, at most
///   `limit` per page, with an opaque cursor while more remain.
pub trait BlobStore: MaybeSend + MaybeSync {
    /// What this backend can do.
    fn capability(&self) -> BlobCapability;

    /// Reads an object's metadata.
    fn head<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobMeta>>>;

    /// Reads an object.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobObject>>>;

    /// Writes an object and returns its metadata.
    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        options: BlobPut,
    ) -> BoxFuture<'a, Result<BlobMeta>>;

    /// Deletes an object.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>>;

    /// Lists objects by prefix.
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<BlobList>>;
}

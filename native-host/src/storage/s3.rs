//! [`S3Blobs`]: the object store in an S3-compatible bucket (S3, R2, GCS, MinIO).

use edgemcp::redact::REDACTED;
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::support::{key_after_cursor, key_cursor};
use edgemcp::storage::{BlobCapability, BlobList, BlobMeta, BlobObject, BlobPut, BlobStore};
use edgemcp::{Error, Result};
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, GetOptions, GetResult, ObjectMeta, ObjectStore, ObjectStoreExt,
    PutOptions,
};

/// User metadata marking an object put without a content type: S3 gives every object
/// one (`binary/octet-stream`), and the store must not report a type nobody chose.
const UNTYPED: Attribute = Attribute::Metadata(std::borrow::Cow::Borrowed("edgemcp-untyped"));

/// The largest object one put writes: S3's limit for a single-request upload.
const MAX_OBJECT_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// Where the bucket is and how to reach it.
///
/// Credentials not given here come from the usual AWS sources: `AWS_ACCESS_KEY_ID` and
/// `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), then the container or instance
/// role.
#[non_exhaustive]
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Settings {
    /// The bucket name.
    pub bucket: String,
    /// The service's URL, for anything but AWS itself: R2
    /// (`https://<account>.r2.cloudflarestorage.com`), GCS
    /// (`https://storage.googleapis.com`), MinIO.
    pub endpoint: Option<String>,
    /// The region; R2 and GCS take `auto`.
    pub region: Option<String>,
    /// The access key id.
    pub access_key_id: Option<String>,
    /// The secret access key.
    pub secret_access_key: Option<String>,
    /// Allows an `http://` endpoint (a local test server); off by default.
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| REDACTED),
            )
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl S3Settings {
    /// Settings for `bucket`, with everything else from the environment.
    pub fn new(bucket: impl Into<String>) -> Self {
        S3Settings {
            bucket: bucket.into(),
            ..S3Settings::default()
        }
    }
}

/// A [`BlobStore`] in an S3-compatible bucket, through the `object_store` crate.
///
/// Keys are object keys as they are. S3 keys are segments between `/`, so a key with an
/// empty segment (`a//b`, a leading or trailing `/`) or a `.`/`..` segment is refused
/// with an error rather than stored under another name. Content types are stored as the
/// objects' `Content-Type` (an object put without one is marked, so the default type S3
/// assigns is not reported as chosen); etags and upload times are S3's own.
///
/// ```no_run
/// use edgemcp_native::storage::{S3Blobs, S3Settings};
///
/// let mut settings = S3Settings::new("my-bucket");
/// settings.endpoint = Some("https://ACCOUNT.r2.cloudflarestorage.com".into());
/// settings.region = Some("auto".into());
/// let blobs = S3Blobs::open(&settings)?;
/// # Ok::<(), edgemcp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct S3Blobs {
    store: std::sync::Arc<AmazonS3>,
}

impl S3Blobs {
    /// Connects to the bucket (lazily: nothing is sent until the first call).
    ///
    /// # Errors
    /// When the settings are incomplete or contradictory (no bucket, a malformed
    /// endpoint, an `http://` endpoint without `allow_http`).
    pub fn open(settings: &S3Settings) -> Result<Self> {
        if settings.bucket.is_empty() {
            return Err(Error::config(
                "The S3 object store needs a bucket; set EDGEMCP_S3_BUCKET (or --s3-bucket).",
            ));
        }
        // Few, short retries: a tool call waits on them, and a bucket that stays down is
        // the circuit breaker's to handle, not a three-minute backoff's.
        let retry = object_store::RetryConfig {
            max_retries: 2,
            retry_timeout: std::time::Duration::from_secs(5),
            ..Default::default()
        };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&settings.bucket)
            .with_allow_http(settings.allow_http)
            .with_retry(retry);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(region) = &settings.region {
            builder = builder.with_region(region);
        }
        if let Some(id) = &settings.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        let store = builder.build().map_err(|e| {
            Error::config(format!(
                "Cannot set up the S3 object store: {e}; check EDGEMCP_S3_BUCKET, \
                 EDGEMCP_S3_ENDPOINT and EDGEMCP_S3_REGION."
            ))
        })?;
        Ok(S3Blobs {
            store: std::sync::Arc::new(store),
        })
    }
}

impl BlobStore for S3Blobs {
    fn capability(&self) -> BlobCapability {
        let mut cap = BlobCapability::default();
        cap.list = true;
        cap.content_type = true;
        cap.max_object_bytes = MAX_OBJECT_BYTES;
        cap
    }

    fn head<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobMeta>>> {
        Box::pin(async move {
            let options = GetOptions {
                head: true,
                ..GetOptions::default()
            };
            Ok(self
                .fetch(key, options)
                .await?
                .map(|got| blob_meta(key, &got)))
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobObject>>> {
        Box::pin(async move {
            let Some(got) = self.fetch(key, GetOptions::default()).await? else {
                return Ok(None);
            };
            let meta = blob_meta(key, &got);
            let body = got.bytes().await.map_err(s3_error)?;
            Ok(Some(BlobObject {
                meta,
                body: body.to_vec(),
            }))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        options: BlobPut,
    ) -> BoxFuture<'a, Result<BlobMeta>> {
        Box::pin(async move {
            let path = object_path(key)?;
            let size = u64::try_from(body.len()).unwrap_or(u64::MAX);
            self.capability().check_put(key, size)?;
            let mut attributes = Attributes::new();
            match &options.content_type {
                Some(content_type) => {
                    attributes.insert(Attribute::ContentType, content_type.clone().into())
                }
                None => attributes.insert(UNTYPED, "1".into()),
            };
            let put = PutOptions {
                attributes,
                ..PutOptions::default()
            };
            self.store
                .put_opts(&path, body.into(), put)
                .await
                .map_err(s3_error)?;
            // S3 answers a put with the etag only; the rest comes from reading it back.
            let head = self.head(key).await?;
            head.ok_or_else(|| {
                Error::storage(format!(
                    "the bucket lost `{key}` right after writing it; try again"
                ))
                .set_temporary()
            })
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match self.store.delete(&object_path(key)?).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(s3_error(e)),
            }
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<BlobList>> {
        Box::pin(async move {
            let after = cursor.map(|c| key_after_cursor(c, prefix)).transpose()?;
            let limit = limit.max(1);
            // `object_store` lists whole segments, so list the prefix's folder and keep
            // the keys that start with the prefix; S3 sorts keys, so the run ends at the
            // first key past it.
            let folder = match prefix.rfind('/') {
                Some(end) => Some(object_path(&prefix[..end])?),
                None => None,
            };
            let mut listing = match &after {
                Some(after) => self
                    .store
                    .list_with_offset(folder.as_ref(), &object_path(after)?),
                None => self.store.list(folder.as_ref()),
            };
            let mut objects = Vec::new();
            let mut more = false;
            while let Some(meta) = listing.next().await {
                let meta = meta.map_err(s3_error)?;
                let key = meta.location.as_ref();
                if !key.starts_with(prefix) {
                    if key > prefix {
                        break;
                    }
                    continue;
                }
                if objects.len() == limit {
                    more = true;
                    break;
                }
                objects.push(listed_meta(meta));
            }
            let cursor = match objects.last() {
                Some(last) if more => Some(key_cursor(&last.key)),
                _ => None,
            };
            Ok(BlobList { objects, cursor })
        })
    }
}

impl S3Blobs {
    /// A GET (or HEAD) of `key`; a missing object is `None`.
    async fn fetch(&self, key: &str, options: GetOptions) -> Result<Option<GetResult>> {
        match self.store.get_opts(&object_path(key)?, options).await {
            Ok(got) => Ok(Some(got)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(s3_error(e)),
        }
    }
}

/// The S3 path of `key`, refused when S3 would store it under another name.
fn object_path(key: &str) -> Result<Path> {
    match Path::parse(key) {
        Ok(path) if path.as_ref() == key && !key.is_empty() => Ok(path),
        _ => Err(Error::invalid_params(format!(
            "the S3 object store cannot hold the key `{key}`: keys there are non-empty \
             segments between single `/`, with no `.` or `..` segment and no control \
             characters; rename the object"
        ))),
    }
}

/// What a GET or HEAD tells of `key`.
fn blob_meta(key: &str, got: &GetResult) -> BlobMeta {
    let mut meta = listed_meta(got.meta.clone());
    key.clone_into(&mut meta.key);
    if got.attributes.get(&UNTYPED).is_none() {
        meta.content_type = got
            .attributes
            .get(&Attribute::ContentType)
            .map(|value| value.as_ref().to_owned());
    }
    meta
}

/// What a listing knows of an object: S3 listings carry no content type.
fn listed_meta(meta: ObjectMeta) -> BlobMeta {
    BlobMeta {
        key: meta.location.to_string(),
        size: meta.size,
        content_type: None,
        etag: meta.e_tag,
        uploaded_at_ms: u64::try_from(meta.last_modified.timestamp_millis()).ok(),
    }
}

/// The core's error for a failed S3 call: temporary when the bucket may answer a retry
/// (a network or server failure), not when the request itself was wrong.
fn s3_error(e: object_store::Error) -> Error {
    let temporary = matches!(
        e,
        object_store::Error::Generic { .. } | object_store::Error::JoinError { .. }
    );
    let error = Error::storage(format!("the S3 object store failed: {e}"));
    if temporary {
        error.set_temporary()
    } else {
        error
    }
}

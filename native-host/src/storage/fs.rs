//! [`FsBlobs`]: the object store as a directory tree.

use super::blocking;
use edgemcp::runtime::{BoxFuture, Runtime};
use edgemcp::storage::support::{etag, key_after_cursor, key_cursor};
use edgemcp::storage::{BlobCapability, BlobList, BlobMeta, BlobObject, BlobPut, BlobStore};
use edgemcp::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind as IoKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const MAX_OBJECT_BYTES: u64 = 100 * 1024 * 1024;
/// Ends every object file's name; encoded key segments never contain it.
const OBJECT_SUFFIX: char = '~';
/// Names an empty key segment (`a//b`); encoding never produces a bare `%`.
const EMPTY_SEGMENT: &str = "%";
/// The longest encoded segment, leaving room for the suffix within common 255-byte limits.
const MAX_SEGMENT_BYTES: usize = 250;

/// What an object file records ahead of the body, as one JSON line.
#[derive(Serialize, Deserialize)]
struct Header {
    content_type: Option<String>,
    etag: String,
    uploaded_at_ms: u64,
}

/// A [`BlobStore`] in a directory: each `/`-separated segment of a key is a folder,
/// the last one a file.
///
/// Segments are percent-encoded on disk (bytes outside `A-Z a-z 0-9 _ . -`, and a leading
/// `.`), so no key can name a path outside the directory, and an object file's name ends
/// in `~` so `a` and `a/b` can both exist. Each file holds one JSON header line (content
/// type, etag, upload time) and then the body; a put writes a temporary file and renames
/// it into place, so readers see the old object or the new one, never a mix.
///
/// Listing walks the folder of the prefix's last `/`, so it reads every key under it:
/// fine for thousands of objects, not for millions (use S3-compatible storage then).
///
/// ```no_run
/// use edgemcp_native::storage::FsBlobs;
///
/// # fn demo(runtime: edgemcp::runtime::Runtime) -> edgemcp::Result<()> {
/// let blobs = FsBlobs::open(std::path::Path::new("data/blobs"), runtime)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FsBlobs {
    root: PathBuf,
    runtime: Runtime,
}

impl FsBlobs {
    /// Opens (creating if needed) the store in the directory `root`.
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn open(root: &Path, runtime: Runtime) -> Result<Self> {
        std::fs::create_dir_all(root).map_err(|e| {
            Error::config(format!(
                "Cannot create the object store folder {}: {e}; check that the data folder \
                 is writable (--data-dir).",
                root.display()
            ))
        })?;
        Ok(FsBlobs {
            root: root.to_path_buf(),
            runtime,
        })
    }

    /// The file that holds `key`.
    fn object_path(&self, key: &str) -> Result<PathBuf> {
        if key.is_empty() {
            return Err(Error::invalid_params(
                "an object key cannot be empty; give the object a name",
            ));
        }
        let mut path = self.root.clone();
        let mut segments = key.split('/').peekable();
        while let Some(segment) = segments.next() {
            let mut name = encode_segment(segment);
            if name.len() > MAX_SEGMENT_BYTES {
                return Err(Error::invalid_params(format!(
                    "a segment of the key is {} bytes once encoded but the folder store holds \
                     at most {MAX_SEGMENT_BYTES}; split the key with more `/`",
                    name.len()
                )));
            }
            if segments.peek().is_none() {
                name.push(OBJECT_SUFFIX);
            }
            path.push(name);
        }
        Ok(path)
    }
}

impl BlobStore for FsBlobs {
    fn capability(&self) -> BlobCapability {
        let mut cap = BlobCapability::default();
        cap.list = true;
        cap.content_type = true;
        cap.max_object_bytes = MAX_OBJECT_BYTES;
        cap
    }

    fn head<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobMeta>>> {
        let path = self.object_path(key);
        let key = key.to_owned();
        Box::pin(async move {
            let path = path?;
            blocking("object store", move || {
                Ok(open_object(&path)?.map(|(meta, _)| meta.with_key(key)))
            })
            .await
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<BlobObject>>> {
        let path = self.object_path(key);
        let key = key.to_owned();
        Box::pin(async move {
            let path = path?;
            blocking("object store", move || {
                let Some((meta, mut reader)) = open_object(&path)? else {
                    return Ok(None);
                };
                let mut body = Vec::new();
                reader.read_to_end(&mut body).map_err(io_error(&path))?;
                Ok(Some(BlobObject {
                    meta: meta.with_key(key),
                    body,
                }))
            })
            .await
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Vec<u8>,
        options: BlobPut,
    ) -> BoxFuture<'a, Result<BlobMeta>> {
        let path = self.object_path(key);
        let key = key.to_owned();
        let header = Header {
            content_type: options.content_type,
            etag: etag(&body),
            uploaded_at_ms: self.runtime.now_unix_ms(),
        };
        Box::pin(async move {
            let path = path?;
            let size = u64::try_from(body.len()).unwrap_or(u64::MAX);
            self.capability().check_put(&key, size)?;
            blocking("object store", move || {
                write_atomically(&path, &header, &body)?;
                Ok(BlobMeta {
                    key,
                    size,
                    content_type: header.content_type,
                    etag: Some(header.etag),
                    uploaded_at_ms: Some(header.uploaded_at_ms),
                })
            })
            .await
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        let path = self.object_path(key);
        let root = self.root.clone();
        Box::pin(async move {
            let path = path?;
            blocking("object store", move || {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == IoKind::NotFound => return Ok(()),
                    Err(e) => return Err(io_error(&path)(e)),
                }
                // Folders left empty go too, so deleted prefixes leave no trace; a folder
                // that is not empty (or another put just used) stops the climb.
                let mut folder = path.parent();
                while let Some(dir) = folder.filter(|dir| *dir != root) {
                    if std::fs::remove_dir(dir).is_err() {
                        break;
                    }
                    folder = dir.parent();
                }
                Ok(())
            })
            .await
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<BlobList>> {
        let prefix = prefix.to_owned();
        let after = cursor.map(|c| key_after_cursor(c, &prefix)).transpose();
        let root = self.root.clone();
        Box::pin(async move {
            let after = after?;
            let limit = limit.max(1);
            blocking("object store", move || {
                list_page(&root, &prefix, after.as_deref(), limit)
            })
            .await
        })
    }
}

/// One page of the objects under `prefix`, after `after` when resuming.
fn list_page(root: &Path, prefix: &str, after: Option<&str>, limit: usize) -> Result<BlobList> {
    // Every key under the prefix lives below the folder of its last complete segment.
    let (folder_key, folder) = match prefix.rfind('/') {
        Some(end) => {
            let folder_key = &prefix[..=end];
            let mut folder = root.to_path_buf();
            for segment in folder_key[..end].split('/') {
                folder.push(encode_segment(segment));
            }
            (folder_key.to_owned(), folder)
        }
        None => (String::new(), root.to_path_buf()),
    };
    let mut keys = Vec::new();
    collect_keys(&folder, &folder_key, &mut keys)?;
    keys.retain(|(key, _)| key.starts_with(prefix) && after.is_none_or(|a| key.as_str() > a));
    keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let more = keys.len() > limit;
    keys.truncate(limit);
    let mut objects = Vec::with_capacity(keys.len());
    for (key, path) in keys {
        // An object deleted since the walk is left out rather than failing the page.
        if let Some((meta, _)) = open_object(&path)? {
            objects.push(meta.with_key(key));
        }
    }
    let cursor = match objects.last() {
        Some(last) if more => Some(key_cursor(&last.key)),
        _ => None,
    };
    Ok(BlobList { objects, cursor })
}

/// Adds every object below `folder` (whose keys start with `folder_key`) to `keys`.
fn collect_keys(folder: &Path, folder_key: &str, keys: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == IoKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(folder)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_error(folder))?;
        let name = entry.file_name();
        // Names this store did not write (temporary files, strays) are not objects.
        let Some(name) = name.to_str() else { continue };
        let file_type = entry.file_type().map_err(io_error(folder))?;
        if file_type.is_dir() {
            if let Some(segment) = decode_segment(name) {
                collect_keys(&entry.path(), &format!("{folder_key}{segment}/"), keys)?;
            }
        } else if file_type.is_file() {
            let segment = name.strip_suffix(OBJECT_SUFFIX).and_then(decode_segment);
            if let Some(segment) = segment {
                keys.push((format!("{folder_key}{segment}"), entry.path()));
            }
        }
    }
    Ok(())
}

/// What [`open_object`] knows before the body is read.
struct StoredMeta {
    header: Header,
    size: u64,
}

impl StoredMeta {
    fn with_key(self, key: String) -> BlobMeta {
        BlobMeta {
            key,
            size: self.size,
            content_type: self.header.content_type,
            etag: Some(self.header.etag),
            uploaded_at_ms: Some(self.header.uploaded_at_ms),
        }
    }
}

/// Opens an object file and reads its header; the reader is left at the body.
fn open_object(path: &Path) -> Result<Option<(StoredMeta, BufReader<File>)>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == IoKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path)(e)),
    };
    let total = file.metadata().map_err(io_error(path))?.len();
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    reader
        .read_until(b'\n', &mut line)
        .map_err(io_error(path))?;
    let header: Header = serde_json::from_slice(&line).map_err(|e| {
        Error::storage(format!(
            "the object file {} has no valid header ({e}); put the object again",
            path.display()
        ))
    })?;
    let size = total.saturating_sub(u64::try_from(line.len()).unwrap_or(u64::MAX));
    Ok(Some((StoredMeta { header, size }, reader)))
}

/// Writes header and body to a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, header: &Header, body: &[u8]) -> Result<()> {
    static TEMP_FILES: AtomicU64 = AtomicU64::new(0);
    let folder = path.parent().unwrap_or(path);
    let temp = folder.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        TEMP_FILES.fetch_add(1, Ordering::Relaxed)
    ));
    let mut header_line = serde_json::to_vec(header)
        .map_err(|e| Error::internal(format!("cannot encode an object header: {e}")))?;
    header_line.push(b'\n');
    // A delete may remove an empty folder between creating it and writing into it.
    let mut attempts = 0;
    let mut file = loop {
        std::fs::create_dir_all(folder).map_err(io_error(folder))?;
        match File::create(&temp) {
            Ok(file) => break file,
            Err(e) if e.kind() == IoKind::NotFound && attempts < 3 => attempts += 1,
            Err(e) => return Err(io_error(&temp)(e)),
        }
    };
    let written = file
        .write_all(&header_line)
        .and_then(|()| file.write_all(body))
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        // Best effort: the temporary file is invisible to listings either way.
        let _ = std::fs::remove_file(&temp);
        return Err(io_error(path)(e));
    }
    Ok(())
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| {
        let error = Error::storage(format!(
            "the object store failed at {}: {e}",
            path.display()
        ));
        if matches!(
            e.kind(),
            IoKind::Interrupted | IoKind::WouldBlock | IoKind::TimedOut
        ) {
            error.set_temporary()
        } else {
            error
        }
    }
}

/// A key segment as a file or folder name that cannot escape its folder.
fn encode_segment(segment: &str) -> String {
    if segment.is_empty() {
        return EMPTY_SEGMENT.to_owned();
    }
    let mut out = String::with_capacity(segment.len());
    for (index, byte) in segment.bytes().enumerate() {
        let plain = byte.is_ascii_alphanumeric()
            || byte == b'_'
            || byte == b'-'
            || (byte == b'.' && index > 0);
        if plain {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The key segment [`encode_segment`] made `name` from, or `None` for foreign names.
fn decode_segment(name: &str) -> Option<String> {
    if name == EMPTY_SEGMENT {
        return Some(String::new());
    }
    let raw = name.as_bytes();
    let mut bytes = Vec::with_capacity(raw.len());
    let mut index = 0;
    while let Some(&byte) = raw.get(index) {
        if byte == b'%' {
            let hex = std::str::from_utf8(raw.get(index + 1..index + 3)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            bytes.push(byte);
            index += 1;
        }
    }
    String::from_utf8(bytes)
        .ok()
        .filter(|segment| encode_segment(segment) == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &tempfile::TempDir) -> FsBlobs {
        FsBlobs::open(
            &dir.path().join("blobs"),
            Runtime::for_tests(1_700_000_000_000),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn keeps_the_blob_store_promises() {
        let dir = tempfile::tempdir().unwrap();
        edgemcp::storage::testing::blob_behavior(&store(&dir)).await;
    }

    #[test]
    fn works_outside_a_tokio_runtime() {
        let dir = tempfile::tempdir().unwrap();
        futures_executor::block_on(edgemcp::storage::testing::blob_behavior(&store(&dir)));
    }

    #[test]
    fn segments_round_trip_and_stay_inside_their_folder() {
        for segment in [
            "", ".", "..", ".hidden", "a b", "ü", "x~y", "%", "%41", "a.b-c_d",
        ] {
            let name = encode_segment(segment);
            assert!(
                !name.contains('/') && !name.contains(OBJECT_SUFFIX),
                "{name}"
            );
            assert!(
                name != "." && name != ".." && !name.is_empty(),
                "{segment:?} → {name}"
            );
            assert_eq!(decode_segment(&name).as_deref(), Some(segment), "{name}");
        }
        for foreign in [".tmp-1-2", "%zz", "%4", "lower%2e", "a b"] {
            assert_eq!(decode_segment(foreign), None, "{foreign}");
        }
    }

    #[tokio::test]
    async fn hostile_keys_stay_under_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = store(&dir);
        for key in ["../escape", "/abs", "a/../../b", "./x", "a//b", "a/"] {
            blobs
                .put(key, b"x".to_vec(), BlobPut::default())
                .await
                .unwrap();
            assert_eq!(
                blobs.get(key).await.unwrap().map(|o| o.body),
                Some(b"x".to_vec())
            );
        }
        let outside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(outside, ["blobs"], "nothing may be written beside the root");
        let listed = blobs.list("", None, 100).await.unwrap();
        let mut keys: Vec<_> = listed.objects.iter().map(|o| o.key.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["../escape", "./x", "/abs", "a/", "a/../../b", "a//b"]
        );
    }

    #[tokio::test]
    async fn deletes_leave_no_empty_folders_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = store(&dir);
        blobs
            .put(
                "x/y/z.txt",
                b"hi".to_vec(),
                BlobPut::content_type("text/plain"),
            )
            .await
            .unwrap();
        let reopened = store(&dir);
        let meta = reopened.head("x/y/z.txt").await.unwrap().unwrap();
        assert_eq!(
            (meta.size, meta.content_type.as_deref()),
            (2, Some("text/plain"))
        );
        reopened.delete("x/y/z.txt").await.unwrap();
        let left = std::fs::read_dir(dir.path().join("blobs")).unwrap().count();
        assert_eq!(left, 0, "deleting the last object removes its folders");
    }

    #[tokio::test]
    async fn a_damaged_file_is_a_storage_error() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = store(&dir);
        std::fs::write(dir.path().join("blobs").join("bad~"), b"not a header").unwrap();
        let err = blobs.get("bad").await.unwrap_err();
        assert_eq!(err.kind(), edgemcp::ErrorKind::Storage);
        assert!(err.message().contains("put the object again"), "{err}");
    }
}

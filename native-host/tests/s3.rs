//! The S3-compatible object store against a real S3 API server: moto's `moto_server`,
//! started on a loopback port (installed by `scripts/setup`).
//!
//! Set `EDGEMCP_SKIP_S3_TESTS=1` to skip these on a machine without moto; they are never
//! skipped silently.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use edgemcp::storage::{BlobPut, BlobStore};
use edgemcp_native::storage::{S3Blobs, S3Settings};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `moto_server`, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one bodiless HTTP request and returns the status line.
fn http(port: u16, method: &str, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    Ok(reply.lines().next().unwrap_or_default().to_owned())
}

/// Starts moto and creates `bucket`; `None` when the tests are explicitly skipped.
fn moto_with_bucket(bucket: &str) -> Option<Moto> {
    if std::env::var_os("EDGEMCP_SKIP_S3_TESTS").is_some() {
        eprintln!("EDGEMCP_SKIP_S3_TESTS is set: the S3 tests do not run");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect(
            "moto_server must be installed for the S3 tests (scripts/setup installs it; \
             set EDGEMCP_SKIP_S3_TESTS=1 to skip them)",
        );
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match http(port, "PUT", &format!("/{bucket}")) {
            Ok(status) if status.contains(" 200") => return Some(moto),
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            other => panic!("moto_server did not create the bucket: {other:?}"),
        }
    }
}

fn store(moto: &Moto, bucket: &str) -> S3Blobs {
    let mut settings = S3Settings::new(bucket);
    settings.endpoint = Some(format!("http://127.0.0.1:{}", moto.port));
    settings.region = Some("us-east-1".into());
    settings.access_key_id = Some("test".into());
    settings.secret_access_key = Some("test".into());
    settings.allow_http = true;
    S3Blobs::open(&settings).unwrap()
}

#[tokio::test]
async fn keeps_the_blob_store_promises_on_a_real_s3_api() {
    let Some(moto) = moto_with_bucket("behavior") else {
        return;
    };
    edgemcp::storage::testing::blob_behavior(&store(&moto, "behavior")).await;
}

#[tokio::test]
async fn refuses_keys_s3_would_rename_and_lists_by_string_prefix() {
    let Some(moto) = moto_with_bucket("keys") else {
        return;
    };
    let blobs = store(&moto, "keys");
    for key in ["a//b", "/lead", "trail/", "a/./b", "a/../b"] {
        let err = blobs
            .put(key, b"x".to_vec(), BlobPut::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), edgemcp::ErrorKind::InvalidParams, "{key}");
        assert!(err.message().contains("rename the object"), "{key}: {err}");
    }
    for key in [
        "logs/2023-12",
        "logs/2024-01",
        "logs/2024-02",
        "logs/20240",
        "logz",
    ] {
        blobs
            .put(key, key.as_bytes().to_vec(), BlobPut::default())
            .await
            .unwrap();
    }
    let first = blobs.list("logs/2024", None, 2).await.unwrap();
    let keys: Vec<_> = first.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["logs/2024-01", "logs/2024-02"]);
    let rest = blobs
        .list("logs/2024", first.cursor.as_deref(), 2)
        .await
        .unwrap();
    let keys: Vec<_> = rest.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["logs/20240"]);
    assert_eq!(rest.cursor, None);
    let got = blobs.get("logs/2024-01").await.unwrap().unwrap();
    assert_eq!(got.body, b"logs/2024-01");
}

#[tokio::test]
async fn an_unreachable_bucket_is_a_storage_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut settings = S3Settings::new("nowhere");
    settings.endpoint = Some(format!("http://127.0.0.1:{port}"));
    settings.region = Some("us-east-1".into());
    settings.access_key_id = Some("test".into());
    settings.secret_access_key = Some("test".into());
    settings.allow_http = true;
    let blobs = S3Blobs::open(&settings).unwrap();
    let err = tokio::time::timeout(Duration::from_secs(120), blobs.get("k"))
        .await
        .expect("object_store gives up after its retries")
        .unwrap_err();
    assert_eq!(err.kind(), edgemcp::ErrorKind::Storage);
    assert!(err.message().contains("S3 object store failed"), "{err}");
}

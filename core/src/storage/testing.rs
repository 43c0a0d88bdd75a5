//! Behaviour suites that check a storage backend keeps the promises of its trait.
//!
//! **Requires** the `testing` feature.
//!
//! A host that implements [`KvStore`], [`BlobStore`] or [`SqlDatabase`] runs the matching
//! suite from its own tests; each `assert!` names the promise it checks, so a failure
//! says what the backend does wrong. The KV and blob suites write only under the prefix
//! `edgemcp-behavior/`, clear it before they start and delete what they wrote, so they work
//! on a store that holds other data; do not run two suites against one store at once.
//!
//! ```
//! use edgemcp::runtime::testing::{CountingRng, ManualClock, NeverTimer};
//! use edgemcp::runtime::Runtime;
//! use edgemcp::storage::{testing, MemoryKv};
//!
//! let clock = ManualClock::new(0);
//! let kv = MemoryKv::new(Runtime::new(clock.clone(), NeverTimer, CountingRng::default()));
//! futures_executor::block_on(testing::kv_behavior(&kv, Some(&clock)));
//! ```
//!
//! [`MemorySql`] is a small SQL engine over in-memory tables, for tests of code built on
//! [`SqlDatabase`] that cannot reach SQLite (on wasm32, say). It understands a subset
//! of SQLite's grammar and is no model of it: test SQL safety against SQLite itself.

pub use super::memory::MemorySql;

use crate::runtime::testing::ManualClock;
use crate::storage::{
    BlobMeta, BlobObject, BlobPut, BlobStore, KvEntry, KvKey, KvPut, KvStore, SqlDatabase,
    SqlLimits, SqlRows, SqlValue,
};
use crate::ErrorKind;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The most pages a listing in a suite may take before it counts as endless.
const MAX_PAGES: usize = 100;

/// A key prefix no earlier suite run in this process used.
fn unique_prefix(kind: &str) -> String {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    format!("edgemcp-behavior/{kind}/{run}/")
}

/// Checks the `# Behavior` promises of [`KvStore`].
///
/// Time to live is checked when the store's capability has `ttl` and `runtime_clock` is
/// the [`ManualClock`] the store reads (the suite moves it forward); listing is checked
/// when the capability has `list`, metadata when it has `metadata`.
pub async fn kv_behavior(store: &dyn KvStore, runtime_clock: Option<&ManualClock>) {
    let cap = store.capability();
    assert!(
        cap.max_key_bytes > 0 && cap.max_value_bytes > 0,
        "KvCapability must report key and value limits, got {cap:?}"
    );
    let p = unique_prefix("kv");
    if cap.list {
        kv_clear(store, &p).await;
    }

    // `get` of a missing key is `Ok(None)`.
    let missing = format!("{p}missing");
    assert_eq!(
        kv_get(store, &missing).await,
        None,
        "get of a key never written must be Ok(None)"
    );

    // A put is read back exactly, binary and empty values included.
    let key = format!("{p}value");
    let bytes = vec![0, 1, 2, 127, 128, 255, b'a'];
    kv_put(store, &key, bytes.clone(), KvPut::new()).await;
    let entry = kv_get(store, &key).await;
    assert_eq!(
        entry.as_ref().map(|e| &e.value),
        Some(&bytes),
        "get must return the bytes put stored"
    );
    assert_eq!(
        entry.as_ref().and_then(|e| e.metadata.clone()),
        None,
        "a put without metadata must read back without metadata"
    );
    assert_eq!(
        entry.and_then(|e| e.expires_at_ms),
        None,
        "a put without a TTL must read back without an expiry"
    );
    let empty = format!("{p}empty");
    kv_put(store, &empty, Vec::new(), KvPut::new()).await;
    assert_eq!(
        kv_get(store, &empty).await.map(|e| e.value),
        Some(Vec::new()),
        "an empty value must read back as present and empty, not missing"
    );

    // `put` replaces value, metadata and expiry together.
    let mut first = KvPut::new();
    if cap.metadata {
        first = first.metadata(serde_json::json!({ "version": 1 }));
    }
    if cap.ttl {
        first = first.ttl_seconds(cap.min_ttl_seconds.max(3600));
    }
    kv_put(store, &key, b"first".to_vec(), first).await;
    let entry = kv_get(store, &key).await;
    assert_eq!(
        entry.as_ref().map(|e| e.value.as_slice()),
        Some(&b"first"[..]),
        "a second put must replace the value"
    );
    if cap.metadata {
        assert_eq!(
            entry.as_ref().and_then(|e| e.metadata.clone()),
            Some(serde_json::json!({ "version": 1 })),
            "metadata stored with a put must read back"
        );
    }
    if cap.ttl {
        assert!(
            entry.as_ref().and_then(|e| e.expires_at_ms).is_some(),
            "a put with a TTL must read back with an expiry"
        );
    }
    kv_put(store, &key, b"second".to_vec(), KvPut::new()).await;
    let entry = kv_get(store, &key).await;
    assert_eq!(
        entry,
        Some(KvEntry {
            value: b"second".to_vec(),
            metadata: None,
            expires_at_ms: None,
        }),
        "a put must replace value, metadata and expiry together, leaving none of the old ones"
    );

    // `delete` removes a key; deleting a missing key succeeds.
    kv_delete(store, &key).await;
    assert_eq!(
        kv_get(store, &key).await,
        None,
        "get after delete must be Ok(None)"
    );
    kv_delete(store, &key).await;
    kv_delete(store, &missing).await;

    if cap.ttl {
        if let Some(clock) = runtime_clock {
            kv_ttl(store, clock, &p, cap.min_ttl_seconds, cap.list).await;
        }
    }
    if cap.list {
        kv_listing(store, &p, cap.metadata).await;
        kv_clear(store, &p).await;
    } else {
        kv_delete(store, &empty).await;
    }
}

/// An entry with a TTL is visible until the clock passes it, then gone from get and list.
async fn kv_ttl(store: &dyn KvStore, clock: &ManualClock, p: &str, min_ttl: u64, list: bool) {
    let key = format!("{p}ttl/short");
    let ttl = min_ttl.max(1);
    kv_put(
        store,
        &key,
        b"soon gone".to_vec(),
        KvPut::new().ttl_seconds(ttl),
    )
    .await;
    let entry = kv_get(store, &key).await;
    assert!(
        entry.as_ref().is_some_and(|e| e.expires_at_ms.is_some()),
        "an entry put with a {ttl}s TTL must be readable, with an expiry, before it expires"
    );
    if list {
        assert_eq!(
            kv_list_all(store, &format!("{p}ttl/"), 10).await.len(),
            1,
            "an entry that has not expired yet must be listed"
        );
    }
    clock.advance(Duration::from_secs(ttl + 1));
    assert_eq!(
        kv_get(store, &key).await,
        None,
        "get of an expired key must be Ok(None)"
    );
    if list {
        assert!(
            kv_list_all(store, &format!("{p}ttl/"), 10).await.is_empty(),
            "expired keys must never be listed"
        );
    }
}

/// `list` returns keys by prefix in ascending order, paged by `limit`, with a cursor while
/// more remain.
async fn kv_listing(store: &dyn KvStore, p: &str, metadata: bool) {
    let prefix = format!("{p}list/");
    let names = ["c", "a", "e", "b", "d"];
    for name in names {
        let mut options = KvPut::new();
        if metadata && name == "b" {
            options = options.metadata(serde_json::json!({ "tag": "b" }));
        }
        kv_put(store, &format!("{prefix}{name}"), name.into(), options).await;
    }
    // Neighbours that share a shorter prefix must stay out of the listing.
    kv_put(store, &format!("{p}list"), b"x".to_vec(), KvPut::new()).await;
    kv_put(store, &format!("{p}lisz"), b"x".to_vec(), KvPut::new()).await;

    let expected: Vec<String> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|n| format!("{prefix}{n}"))
        .collect();
    let paged = kv_list_all(store, &prefix, 2).await;
    let got: Vec<String> = paged.iter().map(|k| k.name.clone()).collect();
    assert_eq!(
        got, expected,
        "paging through list with limit 2 must yield every key under the prefix, \
         in ascending order, each once"
    );
    if metadata {
        let b = paged.iter().find(|k| k.name.ends_with("/b"));
        assert_eq!(
            b.and_then(|k| k.metadata.clone()),
            Some(serde_json::json!({ "tag": "b" })),
            "list must show the metadata stored with a key"
        );
    }

    let page = match store.list(&prefix, None, 100).await {
        Ok(page) => page,
        Err(e) => panic!("KvStore::list({prefix:?}, None, 100) failed: {e}"),
    };
    let names: Vec<&str> = page.keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(
        names, expected,
        "one list with a limit above the key count must return them all"
    );
    assert_eq!(
        page.cursor, None,
        "the last page of a listing must have no cursor"
    );
}

/// Checks the `# Behavior` promises of [`BlobStore`].
///
/// Listing is checked when the capability has `list`, content types when it has
/// `content_type`.
pub async fn blob_behavior(store: &dyn BlobStore) {
    let cap = store.capability();
    assert!(
        cap.max_object_bytes > 0,
        "BlobCapability must report the largest object, got {cap:?}"
    );
    let p = unique_prefix("blob");
    if cap.list {
        blob_clear(store, &p).await;
    }

    // `head` and `get` of a missing key are `Ok(None)`.
    let missing = format!("{p}missing.bin");
    assert_eq!(
        blob_head(store, &missing).await,
        None,
        "head of a missing key must be Ok(None)"
    );
    assert_eq!(
        blob_get(store, &missing).await,
        None,
        "get of a missing key must be Ok(None)"
    );

    // A put is read back exactly, with the metadata it returned.
    let key = format!("{p}doc.txt");
    let body = b"hello, \x00\xff world".to_vec();
    let options = if cap.content_type {
        BlobPut::content_type("text/plain")
    } else {
        BlobPut::default()
    };
    let meta = blob_put(store, &key, body.clone(), options).await;
    assert_eq!(
        meta.key, key,
        "put must return metadata for the key it wrote"
    );
    assert_eq!(
        meta.size,
        body.len() as u64,
        "put must return the size it wrote"
    );
    if cap.content_type {
        assert_eq!(
            meta.content_type.as_deref(),
            Some("text/plain"),
            "a store with content types must keep the one put was given"
        );
    }
    let object = blob_get(store, &key).await;
    assert_eq!(
        object.as_ref().map(|o| &o.body),
        Some(&body),
        "get must return the bytes put wrote"
    );
    let head = blob_head(store, &key).await;
    assert_eq!(
        head.as_ref(),
        object.as_ref().map(|o| &o.meta),
        "head and get must agree on an object's metadata"
    );
    assert_eq!(
        head.as_ref().map(|m| (m.size, m.content_type.clone())),
        Some((meta.size, meta.content_type.clone())),
        "head must report the size and content type put returned"
    );

    // `put` replaces an object whole.
    let replacement = b"replaced".to_vec();
    let new_meta = blob_put(store, &key, replacement.clone(), BlobPut::default()).await;
    let object = blob_get(store, &key).await;
    assert_eq!(
        object.as_ref().map(|o| (&o.body, o.meta.size)),
        Some((&replacement, replacement.len() as u64)),
        "a second put must replace the body and size together"
    );
    assert_eq!(
        object.as_ref().and_then(|o| o.meta.content_type.clone()),
        None,
        "a second put without a content type must not keep the old one"
    );
    if meta.etag.is_some() && new_meta.etag.is_some() {
        assert_ne!(
            meta.etag, new_meta.etag,
            "a put of different bytes must change the etag"
        );
    }

    // `delete` removes an object; deleting a missing key succeeds.
    blob_delete(store, &key).await;
    assert_eq!(
        blob_head(store, &key).await,
        None,
        "head after delete must be Ok(None)"
    );
    assert_eq!(
        blob_get(store, &key).await,
        None,
        "get after delete must be Ok(None)"
    );
    blob_delete(store, &key).await;
    blob_delete(store, &missing).await;

    if cap.list {
        blob_listing(store, &p).await;
        blob_clear(store, &p).await;
    }
}

/// `list` returns objects by prefix in ascending order, paged by `limit`.
async fn blob_listing(store: &dyn BlobStore, p: &str) {
    let prefix = format!("{p}list/");
    for (name, size) in [("c", 3), ("a", 1), ("e", 5), ("b", 2), ("d", 4)] {
        blob_put(
            store,
            &format!("{prefix}{name}"),
            vec![b'x'; size],
            BlobPut::default(),
        )
        .await;
    }
    blob_put(store, &format!("{p}list"), vec![1], BlobPut::default()).await;
    blob_put(store, &format!("{p}lisz"), vec![1], BlobPut::default()).await;

    let expected: Vec<(String, u64)> = [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5)]
        .iter()
        .map(|(n, size)| (format!("{prefix}{n}"), *size))
        .collect();
    let got: Vec<(String, u64)> = blob_list_all(store, &prefix, 2)
        .await
        .into_iter()
        .map(|m| (m.key, m.size))
        .collect();
    assert_eq!(
        got, expected,
        "paging through list with limit 2 must yield every object under the prefix, \
         in ascending order, each once, with its size"
    );
    let page = match store.list(&prefix, None, 100).await {
        Ok(page) => page,
        Err(e) => panic!("BlobStore::list({prefix:?}, None, 100) failed: {e}"),
    };
    assert_eq!(
        page.objects.len(),
        expected.len(),
        "one list with a limit above the object count must return them all"
    );
    assert_eq!(
        page.cursor, None,
        "the last page of a listing must have no cursor"
    );
}

/// Checks the `# Behavior` promises of [`SqlDatabase`] on a database that has a table
/// `customers(id INTEGER, name TEXT, email TEXT)` with at least 3 rows.
pub async fn sql_behavior(db: &dyn SqlDatabase) {
    // `tables` lists user tables by name.
    let tables = match db.tables().await {
        Ok(tables) => tables,
        Err(e) => panic!("SqlDatabase::tables failed: {e}"),
    };
    let customers = tables.iter().find(|t| t.name == "customers");
    assert_eq!(
        customers.map(|t| t.kind.as_str()),
        Some("table"),
        "tables must list `customers` as a table, got {tables:?}"
    );
    assert!(
        tables.windows(2).all(|w| match w {
            [a, b] => a.name <= b.name,
            _ => true,
        }),
        "tables must be sorted by name, got {tables:?}"
    );
    assert!(
        tables.iter().all(|t| !t.name.starts_with("sqlite_")),
        "tables must not list the engine's internal tables, got {tables:?}"
    );

    // `columns` describes a table; an unknown table is NotFound.
    let columns = match db.columns("customers").await {
        Ok(columns) => columns,
        Err(e) => panic!("SqlDatabase::columns(\"customers\") failed: {e}"),
    };
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["id", "name", "email"],
        "columns must list a table's columns in order"
    );
    let types: Vec<String> = columns
        .iter()
        .map(|c| c.declared_type.to_ascii_uppercase())
        .collect();
    assert_eq!(
        types,
        ["INTEGER", "TEXT", "TEXT"],
        "columns must report each column's declared type"
    );
    match db.columns("edgemcp_behavior_no_such_table").await {
        Err(e) => assert_eq!(
            e.kind(),
            ErrorKind::NotFound,
            "columns of an unknown table must be NotFound, got {e}"
        ),
        Ok(columns) => panic!("columns of an unknown table must fail, got {columns:?}"),
    }

    // `query` returns rows in order, with their columns.
    let all = sql_query(db, "SELECT id, name, email FROM customers", &[], 1000).await;
    assert_eq!(
        all.columns,
        ["id", "name", "email"],
        "query must name the columns it returns, in order"
    );
    assert!(
        all.rows.len() >= 3,
        "sql_behavior needs at least 3 customers, found {}",
        all.rows.len()
    );
    assert!(
        all.rows.iter().all(|r| r.len() == 3),
        "each row must have one value per column"
    );

    // Bound parameters select rows.
    let (Some(id), Some(name)) = (
        all.rows.first().and_then(|r| r.first()).cloned(),
        all.rows.first().and_then(|r| r.get(1)).cloned(),
    ) else {
        panic!("the first customer has no id or name");
    };
    let one = sql_query(
        db,
        "SELECT name FROM customers WHERE id = ?1",
        std::slice::from_ref(&id),
        1000,
    )
    .await;
    assert_eq!(
        one.rows,
        vec![vec![name]],
        "a ?1 parameter must select the row whose id it holds"
    );
    let none = sql_query(
        db,
        "SELECT * FROM customers WHERE id = ?1",
        &[SqlValue::Integer(-987_654_321)],
        1000,
    )
    .await;
    assert!(
        none.rows.is_empty(),
        "a filter that matches nothing must return no rows"
    );

    // At most `max_rows` rows come back, whatever the statement asks for.
    for max_rows in [1, 2] {
        let capped = sql_query(db, "SELECT * FROM customers", &[], max_rows).await;
        assert_eq!(
            capped.rows.len(),
            max_rows,
            "query with max_rows {max_rows} must return exactly that many of 3+ rows"
        );
        assert_eq!(
            capped.rows.first(),
            all.rows.first(),
            "a capped query must return the first rows"
        );
    }
    let limited = sql_query(
        db,
        "SELECT id FROM customers LIMIT ?1",
        &[SqlValue::Integer(2)],
        1000,
    )
    .await;
    assert_eq!(
        limited.rows.len(),
        2,
        "LIMIT ?1 must take its value from the parameters"
    );

    // The byte budget ends a page early, and a value that can never fit is an error that
    // names its column.
    let one_row: usize = all.rows[0].iter().map(|v| v.result_len() + 1).sum();
    let budgeted = db
        .query(
            "SELECT id, name, email FROM customers",
            &[],
            SqlLimits::rows(1000).with_max_bytes(one_row),
        )
        .await;
    match budgeted {
        Ok(page) => {
            assert_eq!(
                page.rows.len(),
                1,
                "a budget of one row's bytes must hold one row"
            );
            assert!(page.over_budget, "a page cut by the budget must say so");
        }
        Err(e) => panic!("a page cut by the byte budget must not be an error: {e}"),
    }
    assert!(
        !all.over_budget,
        "a page within its budget must not be marked over it"
    );
    let too_big = db
        .query(
            "SELECT name FROM customers",
            &[],
            SqlLimits::rows(10).with_max_bytes(1),
        )
        .await;
    match too_big {
        Err(e) => assert!(
            e.kind() == ErrorKind::InvalidParams && e.message().contains("`name`"),
            "a value larger than the budget must be refused naming its column, got: {e}"
        ),
        Ok(page) => panic!("a value larger than the budget must be refused, got {page:?}"),
    }
}

async fn sql_query(db: &dyn SqlDatabase, sql: &str, params: &[SqlValue], max: usize) -> SqlRows {
    match db.query(sql, params, SqlLimits::rows(max)).await {
        Ok(rows) => rows,
        Err(e) => panic!("SqlDatabase::query({sql:?}) failed: {e}"),
    }
}

async fn kv_get(store: &dyn KvStore, key: &str) -> Option<KvEntry> {
    match store.get(key).await {
        Ok(entry) => entry,
        Err(e) => panic!("KvStore::get({key:?}) failed: {e}"),
    }
}

async fn kv_put(store: &dyn KvStore, key: &str, value: Vec<u8>, options: KvPut) {
    if let Err(e) = store.put(key, value, options).await {
        panic!("KvStore::put({key:?}) failed: {e}");
    }
}

async fn kv_delete(store: &dyn KvStore, key: &str) {
    if let Err(e) = store.delete(key).await {
        panic!("KvStore::delete({key:?}) must succeed, even for a missing key, but failed: {e}");
    }
}

/// Every key under `prefix`, page by page, checking each page against `limit`.
async fn kv_list_all(store: &dyn KvStore, prefix: &str, limit: usize) -> Vec<KvKey> {
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match store.list(prefix, cursor.as_deref(), limit).await {
            Ok(page) => page,
            Err(e) => panic!("KvStore::list({prefix:?}, {cursor:?}, {limit}) failed: {e}"),
        };
        assert!(
            page.keys.len() <= limit,
            "list must return at most `limit` ({limit}) keys, got {}",
            page.keys.len()
        );
        assert!(
            page.keys.iter().all(|k| k.name.starts_with(prefix)),
            "list must return only keys starting with {prefix:?}, got {:?}",
            page.keys
        );
        keys.extend(page.keys);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return keys,
        }
    }
    panic!("KvStore::list under {prefix:?} still had a cursor after {MAX_PAGES} pages");
}

async fn kv_clear(store: &dyn KvStore, prefix: &str) {
    for key in kv_list_all(store, prefix, 100).await {
        kv_delete(store, &key.name).await;
    }
}

async fn blob_head(store: &dyn BlobStore, key: &str) -> Option<BlobMeta> {
    match store.head(key).await {
        Ok(meta) => meta,
        Err(e) => panic!("BlobStore::head({key:?}) failed: {e}"),
    }
}

async fn blob_get(store: &dyn BlobStore, key: &str) -> Option<BlobObject> {
    match store.get(key).await {
        Ok(object) => object,
        Err(e) => panic!("BlobStore::get({key:?}) failed: {e}"),
    }
}

async fn blob_put(store: &dyn BlobStore, key: &str, body: Vec<u8>, options: BlobPut) -> BlobMeta {
    match store.put(key, body, options).await {
        Ok(meta) => meta,
        Err(e) => panic!("BlobStore::put({key:?}) failed: {e}"),
    }
}

async fn blob_delete(store: &dyn BlobStore, key: &str) {
    if let Err(e) = store.delete(key).await {
        panic!("BlobStore::delete({key:?}) must succeed, even for a missing key, but failed: {e}");
    }
}

/// Every object under `prefix`, page by page, checking each page against `limit`.
async fn blob_list_all(store: &dyn BlobStore, prefix: &str, limit: usize) -> Vec<BlobMeta> {
    let mut objects = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match store.list(prefix, cursor.as_deref(), limit).await {
            Ok(page) => page,
            Err(e) => panic!("BlobStore::list({prefix:?}, {cursor:?}, {limit}) failed: {e}"),
        };
        assert!(
            page.objects.len() <= limit,
            "list must return at most `limit` ({limit}) objects, got {}",
            page.objects.len()
        );
        assert!(
            page.objects.iter().all(|o| o.key.starts_with(prefix)),
            "list must return only objects whose key starts with {prefix:?}, got {:?}",
            page.objects
        );
        objects.extend(page.objects);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return objects,
        }
    }
    panic!("BlobStore::list under {prefix:?} still had a cursor after {MAX_PAGES} pages");
}

async fn blob_clear(store: &dyn BlobStore, prefix: &str) {
    for object in blob_list_all(store, prefix, 100).await {
        blob_delete(store, &object.key).await;
    }
}

/// Checks the promises of [`TaskStore`](crate::storage::TaskStore): a task is read back
/// as stored and only by its owner; `replace` writes only over the version it names;
/// listing is newest first, resumes after a cursor and holds only the owner's tasks;
/// purging deletes expired tasks and only them.
///
/// Owners are unique to each run (`edgemcp-behavior/…`), so the suite works on a store
/// that holds other tasks; it leaves its own tasks expired far in the past, so a purge
/// at any later time removes them.
pub async fn task_behavior(store: &dyn crate::storage::TaskStore) {
    use crate::storage::{TaskCursor, TaskInput, TaskRecord, TaskStatus};
    let owner = unique_prefix("tasks");
    let other = format!("{owner}other");
    let record = |id: &str, owner: &str, created_ms: u64| TaskRecord {
        id: format!("{owner}{id}"),
        owner: owner.to_owned(),
        tool: "tool".to_owned(),
        arguments: serde_json::json!({"n": 1, "text": "héllo \u{0}"}),
        status: TaskStatus::Working,
        status_message: None,
        created_ms,
        updated_ms: created_ms,
        ttl_ms: Some(1000),
        expires_ms: created_ms + 1000,
        poll_interval_ms: 500,
        lease_until_ms: created_ms + 100,
        version: 0,
        input: TaskInput::default(),
        result: None,
        error: None,
    };
    // Times far in the past, so no other task can expire in between.
    let base = 1_000_000;
    let first = record("a", &owner, base);
    store
        .create(&first)
        .await
        .unwrap_or_else(|e| panic!("create stores a new task: {e}"));
    let found = store
        .get(&owner, &first.id)
        .await
        .unwrap_or_else(|e| panic!("get succeeds: {e}"));
    assert_eq!(found.as_ref(), Some(&first), "a task reads back as stored");
    assert_eq!(
        store
            .get(&other, &first.id)
            .await
            .unwrap_or_else(|e| panic!("get succeeds: {e}")),
        None,
        "another owner does not see the task"
    );
    assert!(
        store.create(&first).await.is_err(),
        "a second task with the same id is refused"
    );

    let mut changed = first.clone();
    changed.status = TaskStatus::Completed;
    changed.result = Some(serde_json::json!({"content": []}));
    changed.version = 1;
    assert!(
        store
            .replace(&changed, 0)
            .await
            .unwrap_or_else(|e| panic!("replace succeeds: {e}")),
        "replace writes over the version it names"
    );
    let mut stale = first.clone();
    stale.status = TaskStatus::Cancelled;
    stale.version = 1;
    assert!(
        !store
            .replace(&stale, 0)
            .await
            .unwrap_or_else(|e| panic!("replace succeeds: {e}")),
        "replace refuses a version that changed"
    );
    assert_eq!(
        store
            .get(&owner, &first.id)
            .await
            .unwrap_or_else(|e| panic!("get succeeds: {e}")),
        Some(changed),
        "a refused replace changes nothing"
    );

    // Five more tasks, two sharing a creation time; one of another owner.
    for (id, created) in [("b", 1), ("c", 2), ("d", 2), ("e", 3), ("f", 4)] {
        store
            .create(&record(id, &owner, base + created))
            .await
            .unwrap_or_else(|e| panic!("create stores a new task: {e}"));
    }
    store
        .create(&record("z", &other, base + 5))
        .await
        .unwrap_or_else(|e| panic!("create stores a new task: {e}"));
    let mut seen = Vec::new();
    let mut after: Option<TaskCursor> = None;
    for _ in 0..MAX_PAGES {
        let page = store
            .list(&owner, after.as_ref(), 2)
            .await
            .unwrap_or_else(|e| panic!("list succeeds: {e}"));
        assert!(page.len() <= 2, "a page holds at most the limit");
        let Some(last) = page.last() else { break };
        after = Some(TaskCursor {
            created_ms: last.created_ms,
            id: last.id.clone(),
        });
        seen.extend(
            page.iter()
                .map(|t| t.id.trim_start_matches(&owner).to_owned()),
        );
    }
    assert_eq!(
        seen,
        ["f", "e", "d", "c", "b", "a"],
        "listing is newest first (ties by id, descending), resumes after the cursor and holds only the owner's tasks"
    );

    let purged = store
        .purge_expired(base + 1002)
        .await
        .unwrap_or_else(|e| panic!("purge succeeds: {e}"));
    assert!(purged >= 3, "tasks expired at the purge time are deleted");
    assert_eq!(
        store
            .get(&owner, &first.id)
            .await
            .unwrap_or_else(|e| panic!("get succeeds: {e}")),
        None,
        "a purged task is gone"
    );
    assert!(
        store
            .get(&owner, &format!("{owner}e"))
            .await
            .unwrap_or_else(|e| panic!("get succeeds: {e}"))
            .is_some(),
        "a task not yet expired survives the purge"
    );
    store
        .purge_expired(base + 10_000)
        .await
        .unwrap_or_else(|e| panic!("purge succeeds: {e}"));
}

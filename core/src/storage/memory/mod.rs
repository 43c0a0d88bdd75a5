//! In-memory stores: [`MemoryKv`], [`MemoryBlobs`], [`MemorySql`] and [`MemoryTasks`].
//!
//! They keep everything in a `Mutex`-guarded `BTreeMap`, read time from the
//! [`Runtime`](crate::runtime::Runtime) (so tests can move a
//! [`ManualClock`](crate::runtime::testing::ManualClock)), and keep the same promises as
//! the platform backends, which [`storage::testing`](crate::storage::testing) checks.

mod blob;
mod kv;
mod sql;
mod sql_parse;
mod task;

pub use blob::MemoryBlobs;
pub use kv::MemoryKv;
pub use sql::MemorySql;
pub use task::MemoryTasks;

use crate::base64::{self, Form};
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, turning a poisoned lock into a storage error instead of a panic.
fn lock<'m, T>(mutex: &'m Mutex<T>, what: &str) -> Result<MutexGuard<'m, T>> {
    mutex.lock().map_err(|_| {
        Error::storage(format!(
            "the in-memory {what} is unusable because a thread panicked while using it; \
             create a new one"
        ))
    })
}

/// The cursor that resumes a listing after `last_key`.
fn encode_cursor(last_key: &str) -> String {
    base64::encode(last_key, Form::UrlSafe)
}

/// The key a cursor made by [`encode_cursor`] resumes after, checked against `prefix`.
fn decode_cursor(cursor: &str, prefix: &str) -> Result<String> {
    base64::decode(cursor, Form::UrlSafe)
        .and_then(|raw| String::from_utf8(raw).ok())
        .filter(|key| key.starts_with(prefix))
        .ok_or_else(|| {
            Error::invalid_params(
                "the list cursor is malformed or belongs to another prefix; \
                 list again without a cursor to start from the first page",
            )
        })
}

/// One page of a listing over the keys of `map` that start with `prefix`.
///
/// Skips values `visible` rejects, returns at most `limit` items (0 counts as 1) and a
/// cursor when more visible items remain.
fn page<V, T>(
    map: &BTreeMap<String, V>,
    prefix: &str,
    cursor: Option<&str>,
    limit: usize,
    visible: impl Fn(&V) -> bool,
    item: impl Fn(&str, &V) -> T,
) -> Result<(Vec<T>, Option<String>)> {
    let limit = limit.max(1);
    let start = match cursor {
        Some(cursor) => Bound::Excluded(decode_cursor(cursor, prefix)?),
        None => Bound::Included(prefix.to_owned()),
    };
    let mut items = Vec::new();
    let mut last: Option<&str> = None;
    let mut more = false;
    for (key, value) in map.range::<String, _>((start, Bound::Unbounded)) {
        if !key.starts_with(prefix) {
            break;
        }
        if !visible(value) {
            continue;
        }
        if items.len() == limit {
            more = true;
            break;
        }
        items.push(item(key, value));
        last = Some(key);
    }
    let cursor = if more { last.map(encode_cursor) } else { None };
    Ok((items, cursor))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = encode_cursor("logs/2024");
        assert_eq!(
            decode_cursor(&c, "logs/").ok().as_deref(),
            Some("logs/2024")
        );
        for bad in ["not a cursor!", "%%%", ""] {
            let err = decode_cursor(bad, "logs/").err();
            assert!(
                err.is_some_and(|e| e.kind() == crate::ErrorKind::InvalidParams
                    && e.message().contains("without a cursor")),
                "{bad:?} must be refused with a hint"
            );
        }
        assert!(
            decode_cursor(&c, "other/").is_err(),
            "a cursor from another prefix is refused"
        );
    }

    #[test]
    fn pages_skip_hidden_values_and_stop_at_the_prefix() {
        let map: BTreeMap<String, bool> =
            [("a/1", true), ("a/2", false), ("a/3", true), ("b", true)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
        let (first, cursor) = page(&map, "a/", None, 1, |v| *v, |k, _| k.to_owned()).unwrap();
        assert_eq!(first, ["a/1"]);
        let cursor = cursor.unwrap();
        let (second, cursor) =
            page(&map, "a/", Some(&cursor), 1, |v| *v, |k, _| k.to_owned()).unwrap();
        assert_eq!(second, ["a/3"]);
        assert_eq!(cursor, None, "no cursor once nothing visible remains");
        let (all, cursor) = page(&map, "", None, 0, |_| true, |k, _| k.to_owned()).unwrap();
        assert_eq!(
            (all.len(), cursor.is_some()),
            (1, true),
            "limit 0 counts as 1"
        );
    }
}

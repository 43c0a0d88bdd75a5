//! In-memory stores: [`MemoryKv`], [`MemoryBlobs`] and [`MemoryTasks`]; and, for tests
//! only (feature `testing`), a small SQL engine, `storage::testing::MemorySql`.
//!
//! They keep everything in a `Mutex`-guarded `BTreeMap`, read time from the
//! [`Runtime`](crate::runtime::Runtime) (so tests can move a
//! [`ManualClock`](crate::runtime::testing::ManualClock)), and keep the same promises as
//! the platform backends, which [`storage::testing`](crate::storage::testing) checks.

mod blob;
mod kv;
#[cfg(any(test, feature = "testing"))]
mod sql;
#[cfg(any(test, feature = "testing"))]
mod sql_parse;
mod task;

pub use blob::MemoryBlobs;
pub use kv::MemoryKv;
#[cfg(any(test, feature = "testing"))]
pub use sql::MemorySql;
pub use task::MemoryTasks;

use crate::Result;
use std::collections::BTreeMap;
use std::ops::Bound;

use crate::storage::support::{key_after_cursor, key_cursor, lock};

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
        Some(cursor) => Bound::Excluded(key_after_cursor(cursor, prefix)?),
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
    let cursor = if more { last.map(key_cursor) } else { None };
    Ok((items, cursor))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.
mod tests {
    use super::*;

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

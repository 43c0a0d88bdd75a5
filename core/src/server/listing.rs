//! Precomputed list pages: descriptors are rendered once, at build time.

use crate::util::{decode_cursor, encode_cursor};
use crate::{Error, Result};
use serde_json::{Map, Value};

/// Which descriptors a revision reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// 2025-03-26: without the fields 2025-06-18 added.
    Legacy,
    /// Every field.
    Modern,
    /// Every field and, for tools, `execution` (2025-11-25, the revision of core tasks).
    WithTasks,
}

impl Shape {
    pub(crate) fn of(version: crate::protocol::ProtocolVersion) -> Shape {
        if version.has_core_tasks() {
            Shape::WithTasks
        } else if version.has_structured_output() {
            Shape::Modern
        } else {
            Shape::Legacy
        }
    }
}

/// The descriptors of one list, in the shapes the revisions need.
pub(crate) struct Listing {
    /// The name inside cursors, so a cursor only works for its own list.
    name: &'static str,
    /// Without the fields 2025-06-18 added (`title`, `outputSchema`).
    legacy: Vec<Value>,
    /// With every field.
    modern: Vec<Value>,
    /// With every field and what only 2025-11-25 shows; `None` when it is `modern`.
    with_tasks: Option<Vec<Value>>,
}

impl Listing {
    pub(crate) fn new<T>(
        name: &'static str,
        items: &[T],
        render: impl Fn(&T, bool) -> Value,
    ) -> Self {
        Listing {
            name,
            legacy: items.iter().map(|item| render(item, false)).collect(),
            modern: items.iter().map(|item| render(item, true)).collect(),
            with_tasks: None,
        }
    }

    /// Adds the descriptors 2025-11-25 reads, when they differ from the modern ones.
    pub(crate) fn with_tasks<T>(mut self, items: &[T], render: impl Fn(&T) -> Value) -> Self {
        self.with_tasks = Some(items.iter().map(render).collect());
        self
    }

    /// One page, as `{<key>: [...], nextCursor?}`.
    pub(crate) fn page(
        &self,
        key: &str,
        params: &Map<String, Value>,
        modern: bool,
        page_size: usize,
    ) -> Result<Map<String, Value>> {
        let shape = if modern { Shape::Modern } else { Shape::Legacy };
        self.page_where(key, params, shape, page_size, |_| true)
    }

    /// One page of the entries `keep` accepts (by position in the list); cursors count
    /// in that filtered list, so one caller pages through what it may see.
    pub(crate) fn page_where(
        &self,
        key: &str,
        params: &Map<String, Value>,
        shape: Shape,
        page_size: usize,
        keep: impl Fn(usize) -> bool,
    ) -> Result<Map<String, Value>> {
        let all = match (shape, &self.with_tasks) {
            (Shape::Legacy, _) => &self.legacy,
            (Shape::WithTasks, Some(with_tasks)) => with_tasks,
            (Shape::Modern | Shape::WithTasks, _) => &self.modern,
        };
        let items: Vec<&Value> = all
            .iter()
            .enumerate()
            .filter(|(index, _)| keep(*index))
            .map(|(_, item)| item)
            .collect();
        let start = match params.get("cursor") {
            None | Some(Value::Null) => 0,
            Some(Value::String(cursor)) => decode_cursor(self.name, cursor)
                .and_then(|offset| offset.parse::<usize>().ok())
                .filter(|offset| *offset <= items.len())
                .ok_or_else(|| {
                    Error::invalid_params(format!(
                        "The cursor {cursor:?} is not one this server issued for {}; start again without a cursor.",
                        self.name
                    ))
                })?,
            Some(other) => {
                return Err(Error::invalid_params(format!(
                    "`cursor` must be a string, received {}.",
                    crate::jsonrpc::describe(other)
                )))
            }
        };
        let end = start.saturating_add(page_size).min(items.len());
        let mut out = Map::new();
        out.insert(
            key.to_owned(),
            Value::Array(items[start..end].iter().map(|v| (*v).clone()).collect()),
        );
        if end < items.len() {
            out.insert(
                "nextCursor".into(),
                Value::String(encode_cursor(self.name, &end.to_string())),
            );
        }
        Ok(out)
    }
}

//! The JSONPath subset scenario files use to point into results.
//!
//! `$` is the value itself; then `.name` or `['name']` (a member), `[2]` or `[-1]` (an
//! element, counted from the end when negative), `[*]` or `.*` (every member or element),
//! and `..name` or `..*` (at any depth). A path without `*` or `..` selects at most one
//! value; one with them selects a list.

use serde_json::Value;
use std::fmt;

/// A parsed path.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    text: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Member(String),
    Index(i64),
    Every,
    /// `..name` (`Some`) or `..*` (`None`).
    Descendants(Option<String>),
}

impl JsonPath {
    /// Parses `text`.
    ///
    /// # Errors
    /// What is wrong and where, such as ``expected `]` after the index at character 7``.
    pub fn parse(text: &str) -> Result<Self, String> {
        let rest = text
            .strip_prefix('$')
            .ok_or_else(|| format!("the path {text:?} must start with `$`"))?;
        let chars: Vec<char> = rest.chars().collect();
        let mut segments = Vec::new();
        let mut i = 0;
        let at = |i: usize| i + 2; // 1-based, counting the `$`
        while i < chars.len() {
            match chars[i] {
                '.' if chars.get(i + 1) == Some(&'.') => {
                    i += 2;
                    if chars.get(i) == Some(&'*') {
                        segments.push(Segment::Descendants(None));
                        i += 1;
                    } else {
                        let name = read_name(&chars, &mut i);
                        if name.is_empty() {
                            return Err(format!(
                                "expected a name or `*` after `..` at character {}",
                                at(i)
                            ));
                        }
                        segments.push(Segment::Descendants(Some(name)));
                    }
                }
                '.' => {
                    i += 1;
                    if chars.get(i) == Some(&'*') {
                        segments.push(Segment::Every);
                        i += 1;
                    } else {
                        let name = read_name(&chars, &mut i);
                        if name.is_empty() {
                            return Err(format!(
                                "expected a name after `.` at character {}",
                                at(i)
                            ));
                        }
                        segments.push(Segment::Member(name));
                    }
                }
                '[' => {
                    i += 1;
                    match chars.get(i) {
                        Some('*') => {
                            i += 1;
                            segments.push(Segment::Every);
                        }
                        Some(&quote @ ('\'' | '"')) => {
                            i += 1;
                            let mut name = String::new();
                            loop {
                                match chars.get(i) {
                                    Some(&c) if c == quote => break,
                                    Some('\\') if chars.get(i + 1).is_some() => {
                                        name.push(chars[i + 1]);
                                        i += 2;
                                    }
                                    Some(&c) => {
                                        name.push(c);
                                        i += 1;
                                    }
                                    None => {
                                        return Err(format!(
                                            "the quoted name at character {} is not closed",
                                            at(i)
                                        ))
                                    }
                                }
                            }
                            i += 1;
                            segments.push(Segment::Member(name));
                        }
                        _ => {
                            let start = i;
                            if chars.get(i) == Some(&'-') {
                                i += 1;
                            }
                            while chars.get(i).is_some_and(char::is_ascii_digit) {
                                i += 1;
                            }
                            let digits: String = chars[start..i].iter().collect();
                            let index = digits.parse::<i64>().map_err(|_| {
                                format!("expected an index, `*` or a quoted name after `[` at character {}", at(start))
                            })?;
                            segments.push(Segment::Index(index));
                        }
                    }
                    if chars.get(i) != Some(&']') {
                        return Err(format!("expected `]` at character {}", at(i)));
                    }
                    i += 1;
                }
                c => {
                    return Err(format!(
                        "unexpected {c:?} at character {}; write `.name`, `[0]` or `['name']`",
                        at(i)
                    ))
                }
            }
        }
        Ok(JsonPath {
            text: text.to_owned(),
            segments,
        })
    }

    /// Whether the path selects at most one value (no `*`, no `..`).
    pub fn is_definite(&self) -> bool {
        self.segments
            .iter()
            .all(|s| matches!(s, Segment::Member(_) | Segment::Index(_)))
    }

    /// Every value the path selects in `root`: elements in order, members in key order.
    pub fn select<'v>(&self, root: &'v Value) -> Vec<&'v Value> {
        let mut current = vec![root];
        for segment in &self.segments {
            let mut next = Vec::new();
            for value in current {
                match segment {
                    Segment::Member(name) => next.extend(value.get(name)),
                    Segment::Index(index) => {
                        if let Value::Array(items) = value {
                            let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
                            let at = if *index < 0 { len + index } else { *index };
                            next.extend(usize::try_from(at).ok().and_then(|at| items.get(at)));
                        }
                    }
                    Segment::Every => next.extend(children(value)),
                    Segment::Descendants(name) => descend(value, name.as_deref(), &mut next),
                }
            }
            current = next;
        }
        current
    }

    /// What an assertion about the path looks at: the one value a definite path
    /// selects (`None` when absent), or the list an indefinite path selects.
    pub fn resolve(&self, root: &Value) -> Option<Value> {
        let found = self.select(root);
        if self.is_definite() {
            found.first().map(|v| (*v).clone())
        } else {
            Some(Value::Array(found.into_iter().cloned().collect()))
        }
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn read_name(chars: &[char], i: &mut usize) -> String {
    let start = *i;
    while chars
        .get(*i)
        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '$' | '@'))
    {
        *i += 1;
    }
    chars[start..*i].iter().collect()
}

fn children(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(members) => members.values().collect(),
        _ => Vec::new(),
    }
}

fn descend<'v>(value: &'v Value, name: Option<&str>, out: &mut Vec<&'v Value>) {
    match name {
        Some(name) => out.extend(value.get(name).filter(|_| value.is_object())),
        None => out.extend(children(value)),
    }
    for child in children(value) {
        descend(child, name, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn select(path: &str, value: &Value) -> Vec<Value> {
        JsonPath::parse(path)
            .unwrap()
            .select(value)
            .into_iter()
            .cloned()
            .collect()
    }

    #[test]
    fn members_indexes_wildcards_and_descendants() {
        let doc =
            json!({"rows": [{"id": 1, "tags": ["a"]}, {"id": 2, "tags": []}], "my key": {"id": 3}});
        assert_eq!(select("$", &doc), vec![doc.clone()]);
        assert_eq!(select("$.rows[0].id", &doc), vec![json!(1)]);
        assert_eq!(select("$.rows[-1].id", &doc), vec![json!(2)]);
        assert_eq!(select("$.rows[5].id", &doc), Vec::<Value>::new());
        assert_eq!(select("$.rows[-3]", &doc), Vec::<Value>::new());
        assert_eq!(select("$.rows[*].id", &doc), vec![json!(1), json!(2)]);
        assert_eq!(select("$.rows.*.id", &doc), vec![json!(1), json!(2)]);
        assert_eq!(select("$['my key'].id", &doc), vec![json!(3)]);
        assert_eq!(select("$[\"my key\"][\"id\"]", &doc), vec![json!(3)]);
        // Members come in key order (`my key` before `rows`).
        assert_eq!(select("$..id", &doc), vec![json!(3), json!(1), json!(2)]);
        assert_eq!(
            select("$.rows[0]..*", &doc),
            vec![json!(1), json!(["a"]), json!("a")]
        );
        assert_eq!(select("$.rows[0].id.deeper", &doc), Vec::<Value>::new());
    }

    #[test]
    fn definite_paths_resolve_to_one_value_others_to_a_list() {
        let doc = json!({"a": [1, 2]});
        assert_eq!(
            JsonPath::parse("$.a[1]").unwrap().resolve(&doc),
            Some(json!(2))
        );
        assert_eq!(JsonPath::parse("$.b").unwrap().resolve(&doc), None);
        assert_eq!(
            JsonPath::parse("$.a[*]").unwrap().resolve(&doc),
            Some(json!([1, 2]))
        );
        assert_eq!(
            JsonPath::parse("$.b[*]").unwrap().resolve(&doc),
            Some(json!([]))
        );
    }

    #[test]
    fn malformed_paths_say_where() {
        for (path, expected) in [
            ("rows", "must start with `$`"),
            ("$.", "expected a name after `.` at character 3"),
            ("$.a[", "expected an index"),
            ("$.a[1", "expected `]` at character 6"),
            ("$.a['x", "is not closed"),
            ("$..", "expected a name or `*` after `..`"),
            ("$a", "unexpected 'a' at character 2"),
        ] {
            let err = JsonPath::parse(path).unwrap_err();
            assert!(err.contains(expected), "{path}: {err}");
        }
    }
}

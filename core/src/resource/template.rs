//! RFC 6570 level-1 URI templates (`{var}`), matched against concrete URIs.

use crate::{Error, Result};

/// A parsed URI template such as `files://{dir}/{name}`.
///
/// Matching follows level-1 simple expansion: a variable matches one or more characters
/// up to the next literal, never a `/`, and its value is percent-decoded.
///
/// ```
/// use edgemcp::resource::UriTemplate;
///
/// let t = UriTemplate::parse("sql://tables/{table}/rows").unwrap();
/// let vars = t.matches("sql://tables/orders/rows").unwrap();
/// assert_eq!(vars.get("table"), Some("orders"));
/// assert!(t.matches("sql://tables/a/b/rows").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Var(String),
}

/// Variable values matched from a URI, in template order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateVars(Vec<(String, String)>);

impl TemplateVars {
    /// The value of `name`, if the template has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every `(name, value)` pair.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

impl UriTemplate {
    /// Parses a template.
    ///
    /// # Errors
    /// Fails on an unclosed or empty `{}`, an operator (`{+x}`, level 2 and up), a repeated
    /// variable, or two variables with no literal between them (which could not be split).
    pub fn parse(source: &str) -> Result<UriTemplate> {
        let bad =
            |why: &str| Error::invalid_params(format!("URI template {source:?} is invalid: {why}"));
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            } else if matches!(parts.last(), Some(Part::Var(_))) {
                return Err(bad("two variables need a literal between them"));
            }
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| bad("a `{` is never closed"))?;
            let name = &after[..close];
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                return Err(bad(
                    "variable names are letters, digits, `_` and `.` (level 1 only)",
                ));
            }
            if parts.iter().any(|p| matches!(p, Part::Var(v) if v == name)) {
                return Err(bad("a variable appears twice"));
            }
            parts.push(Part::Var(name.to_owned()));
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            return Err(bad("a `}` has no `{`"));
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        Ok(UriTemplate {
            source: source.to_owned(),
            parts,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The variable names, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// The variables of `uri` when it fits the template.
    pub fn matches(&self, uri: &str) -> Option<TemplateVars> {
        let mut vars = Vec::new();
        let mut rest = uri;
        let mut parts = self.parts.iter().peekable();
        while let Some(part) = parts.next() {
            match part {
                Part::Literal(lit) => rest = rest.strip_prefix(lit.as_str())?,
                Part::Var(name) => {
                    let end = match parts.peek() {
                        Some(Part::Literal(next)) => rest.find(next.as_str())?,
                        _ => rest.len(),
                    };
                    let raw = &rest[..end];
                    if raw.is_empty() || raw.contains('/') {
                        return None;
                    }
                    vars.push((name.clone(), crate::util::percent_decode(raw)?));
                    rest = &rest[end..];
                }
            }
        }
        rest.is_empty().then_some(TemplateVars(vars))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A template, a URI, and the variables it should yield (`None`: no match).
    type Case = (
        &'static str,
        &'static str,
        Option<&'static [(&'static str, &'static str)]>,
    );

    #[test]
    fn matching_table() {
        let table: &[Case] = &[
            ("a://{x}", "a://1", Some(&[("x", "1")])),
            ("a://{x}", "a://", None),
            ("a://{x}", "a://1/2", None),
            (
                "a://{x}/b/{y}",
                "a://1/b/2",
                Some(&[("x", "1"), ("y", "2")]),
            ),
            ("a://{x}.json", "a://report.json", Some(&[("x", "report")])),
            ("a://{x}.json", "a://report.txt", None),
            (
                "a://{x}",
                "a://hello%20world",
                Some(&[("x", "hello world")]),
            ),
            ("a://{x}", "a://bad%zz", None),
            ("a://fixed", "a://fixed", Some(&[])),
            ("a://fixed", "a://fixed2", None),
        ];
        for (template, uri, expected) in table {
            let t = UriTemplate::parse(template).unwrap();
            let got = t.matches(uri);
            let expected = expected.map(|pairs| {
                TemplateVars(
                    pairs
                        .iter()
                        .map(|(a, b)| (a.to_string(), b.to_string()))
                        .collect(),
                )
            });
            assert_eq!(got, expected, "{template} vs {uri}");
        }
    }

    #[test]
    fn malformed_templates_are_refused() {
        for bad in [
            "a://{",
            "a://{}",
            "a://{x}{y}",
            "a://{x}/{x}",
            "a://{+x}",
            "a://}",
        ] {
            assert!(UriTemplate::parse(bad).is_err(), "{bad}");
        }
    }
}

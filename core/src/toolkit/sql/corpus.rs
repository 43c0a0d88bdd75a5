//! The SQL statement corpus, `core/tests/corpus/sql-statements.json`, as typed entries:
//! what every host's tests run against its own engine (the guard in core, SQLite natively,
//! D1 under `wrangler dev` from JavaScript, which reads the file itself).

use serde::Deserialize;
use serde_json::Value;

/// The corpus file, built into the crate so every test finds it wherever it runs.
const CORPUS: &str = include_str!("../../../tests/corpus/sql-statements.json");

/// The statements the SQL toolkit must refuse and accept.
#[derive(Debug, Clone, Deserialize)]
pub struct Corpus {
    /// Statements `sql_query` must refuse.
    pub refused: Vec<Refused>,
    /// Statements `sql_query` must run, against the sample store in `migrations/`.
    pub accepted: Vec<Accepted>,
}

/// A statement `sql_query` must refuse.
#[derive(Debug, Clone, Deserialize)]
pub struct Refused {
    /// What kind of attack or mistake it is (`stacked`, `bom`, `function`, …).
    pub class: String,
    /// The statement, `{{text*N}}` templates expanded by [`corpus`].
    pub sql: String,
    /// Set when SQLite alone would run the statement without harm, saying why; every
    /// other statement the engine-level checks must refuse as well.
    #[serde(default)]
    pub engine: Option<String>,
}

/// A statement `sql_query` must run.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Accepted {
    /// A statement without parameters.
    Plain(String),
    /// A statement with values for its `?N` parameters.
    WithParams {
        /// The statement.
        sql: String,
        /// Its parameters.
        params: Vec<Value>,
    },
}

impl Accepted {
    /// The statement.
    pub fn sql(&self) -> &str {
        match self {
            Accepted::Plain(sql) | Accepted::WithParams { sql, .. } => sql,
        }
    }

    /// Its parameters.
    pub fn params(&self) -> &[Value] {
        match self {
            Accepted::Plain(_) => &[],
            Accepted::WithParams { params, .. } => params,
        }
    }
}

/// The corpus, with every template expanded.
///
/// # Errors
/// When the file does not parse, with serde's message.
pub fn corpus() -> Result<Corpus, serde_json::Error> {
    let mut corpus: Corpus = serde_json::from_str(CORPUS)?;
    for entry in &mut corpus.refused {
        entry.sql = expand(&entry.sql);
    }
    Ok(corpus)
}

/// `template` with each `{{text*N}}` replaced by `text` repeated `N` times; a malformed
/// template stays as written.
pub fn expand(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let parsed = after.find("}}").and_then(|end| {
            let (text, times) = after[..end].rsplit_once('*')?;
            Some((text, times.parse::<usize>().ok()?, end))
        });
        match parsed {
            Some((text, times, end)) => {
                out.push_str(&text.repeat(times));
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_expand() {
        assert_eq!(expand("a{{(*3}}1{{)*3}}"), "a(((1)))");
        assert_eq!(expand("x{{ab*0}}y"), "xy");
        assert_eq!(expand("{{oops}} {{a*b}} {{"), "{{oops}} {{a*b}} {{");
        assert_eq!(expand("{{a * b*2}}"), "a * ba * b");
    }
}

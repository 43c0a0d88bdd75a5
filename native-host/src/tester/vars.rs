//! Variables: `${name}` in a step's strings, from the scenario's `variables`, earlier
//! steps' captures, or the environment.

use serde_json::Value;
use std::collections::HashMap;

/// The variables a scenario has so far, over the environment.
#[derive(Debug, Default, Clone)]
pub struct Variables {
    values: HashMap<String, Value>,
    env: HashMap<String, String>,
}

impl Variables {
    /// No variables yet, over `env`.
    pub fn new(env: impl IntoIterator<Item = (String, String)>) -> Self {
        Variables {
            values: HashMap::new(),
            env: env.into_iter().collect(),
        }
    }

    /// Sets `name`.
    pub fn set(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_owned(), value);
    }

    /// `value` with every `${…}` in its strings replaced.
    ///
    /// A string that is one `${name}` and nothing else becomes the variable's value with
    /// its type (a captured number stays a number); inside longer text, strings are
    /// inserted as they are and other values as JSON. `${name:-fallback}` uses `fallback`
    /// when `name` is not set anywhere; `$${` is a literal `${`.
    ///
    /// # Errors
    /// The first unknown variable or unclosed `${`, by name.
    pub fn substitute(&self, value: &Value) -> Result<Value, String> {
        match value {
            Value::String(text) => self.substitute_text(text),
            Value::Array(items) => items.iter().map(|v| self.substitute(v)).collect(),
            Value::Object(members) => members
                .iter()
                .map(|(k, v)| Ok((k.clone(), self.substitute(v)?)))
                .collect::<Result<serde_json::Map<_, _>, String>>()
                .map(Value::Object),
            other => Ok(other.clone()),
        }
    }

    /// [`Variables::substitute`] of a string, always as text.
    ///
    /// # Errors
    /// As [`Variables::substitute`].
    pub fn substitute_str(&self, text: &str) -> Result<String, String> {
        Ok(match self.substitute_text(text)? {
            Value::String(text) => text,
            other => other.to_string(),
        })
    }

    fn substitute_text(&self, text: &str) -> Result<Value, String> {
        if let Some(inner) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
            if !inner.contains('}') && !inner.contains("${") {
                return self.lookup(inner);
            }
        }
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at..];
            if let Some(escaped) = after.strip_prefix("$${") {
                out.push_str("${");
                rest = escaped;
            } else if let Some(open) = after.strip_prefix("${") {
                let close = open
                    .find('}')
                    .ok_or_else(|| format!("`${{` without a closing `}}` in {text:?}"))?;
                match self.lookup(&open[..close])? {
                    Value::String(value) => out.push_str(&value),
                    other => out.push_str(&other.to_string()),
                }
                rest = &open[close + 1..];
            } else {
                out.push('$');
                rest = &after[1..];
            }
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }

    fn lookup(&self, reference: &str) -> Result<Value, String> {
        let (name, fallback) = match reference.split_once(":-") {
            Some((name, fallback)) => (name.trim(), Some(fallback)),
            None => (reference.trim(), None),
        };
        if let Some(value) = self.values.get(name) {
            return Ok(value.clone());
        }
        if let Some(value) = self.env.get(name) {
            return Ok(Value::String(value.clone()));
        }
        match fallback {
            Some(fallback) => Ok(Value::String(fallback.to_owned())),
            None => Err(format!(
                "unknown variable `{name}`: define it under `variables`, capture it in an \
                 earlier step, or set it in the environment"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Variables {
        let mut vars = Variables::new([("HOME_CITY".to_owned(), "Oslo".to_owned())]);
        vars.set("id", json!(7));
        vars.set("name", json!("Ada"));
        vars
    }

    #[test]
    fn whole_references_keep_their_type_and_text_interpolates() {
        let vars = vars();
        assert_eq!(vars.substitute(&json!("${id}")).unwrap(), json!(7));
        assert_eq!(vars.substitute(&json!("id ${id}")).unwrap(), json!("id 7"));
        assert_eq!(
            vars.substitute(&json!({"a": ["${name} in ${HOME_CITY}", 1]}))
                .unwrap(),
            json!({"a": ["Ada in Oslo", 1]})
        );
        assert_eq!(
            vars.substitute(&json!("${missing:-x y}")).unwrap(),
            json!("x y")
        );
        assert_eq!(vars.substitute(&json!("${name:-x}")).unwrap(), json!("Ada"));
        assert_eq!(
            vars.substitute(&json!("cost $5, $${id}")).unwrap(),
            json!("cost $5, ${id}")
        );
        assert_eq!(vars.substitute_str("${id}").unwrap(), "7");
    }

    #[test]
    fn unknown_and_unclosed_references_are_errors() {
        let vars = vars();
        let err = vars.substitute(&json!("${nope}")).unwrap_err();
        assert!(err.contains("unknown variable `nope`"), "{err}");
        let err = vars.substitute(&json!("a ${id")).unwrap_err();
        assert!(err.contains("without a closing"), "{err}");
    }
}

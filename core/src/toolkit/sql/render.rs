//! A plain-text table of query results, for clients that read only text.

use serde_json::Value;

/// The widest a cell is shown before it is cut with `…`.
const MAX_CELL: usize = 60;

/// Renders rows as aligned columns with a header, and a note when more rows exist.
pub(super) fn table(columns: &[String], rows: &[Vec<Value>], truncated: bool) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(cell).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            cells
                .iter()
                .filter_map(|row| row.get(i))
                .map(|c| c.chars().count())
                .chain([name.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |values: &mut dyn Iterator<Item = &String>, out: &mut String| {
        let parts: Vec<String> = values
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}", w = *w))
            .collect();
        out.push_str(parts.join(" | ").trim_end());
        out.push('\n');
    };
    line(&mut columns.iter(), &mut out);
    out.push_str(
        &widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-"),
    );
    out.push('\n');
    for row in &cells {
        line(&mut row.iter(), &mut out);
    }
    let count = rows.len();
    out.push_str(&format!(
        "({count} row{})",
        if count == 1 { "" } else { "s" }
    ));
    if truncated {
        out.push_str(" More rows exist: call again with next_cursor.");
    }
    out
}

fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => "NULL".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() > MAX_CELL {
        let cut: String = text.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_aligned_rows() {
        let columns = vec!["id".to_owned(), "name".to_owned()];
        let rows = vec![vec![json!(1), json!("Ada")], vec![json!(22), Value::Null]];
        assert_eq!(table(&columns, &rows, true), "id | name\n---+-----\n1  | Ada\n22 | NULL\n(2 rows) More rows exist: call again with next_cursor.");
    }
}

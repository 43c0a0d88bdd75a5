//! Values between the toolkit and PostgreSQL.
//!
//! Parameters travel in PostgreSQL's text format, so the server reads each with the
//! input function of the type it inferred (`42` becomes an `integer`, a `numeric` or a
//! `text` as the statement needs) and nothing is spliced into SQL. Results arrive in
//! binary for the types read here (booleans, integers, floats, text, bytes, JSON); a
//! column of any other type (numeric, dates, UUIDs, arrays, enums, …) is cast to `text`
//! by the server, so every value reaches the caller in PostgreSQL's own notation.

use bytes::BytesMut;
use edgemcp::storage::SqlValue;
use std::error::Error as StdError;
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};

type BoxError = Box<dyn StdError + Sync + Send>;

/// A parameter, sent as text.
#[derive(Debug)]
pub(crate) struct TextParam<'a>(pub(crate) &'a SqlValue);

impl ToSql for TextParam<'_> {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        use std::fmt::Write;
        match self.0 {
            SqlValue::Null => return Ok(IsNull::Yes),
            SqlValue::Integer(n) => write!(out, "{n}")?,
            SqlValue::Real(f) => write!(out, "{f:?}")?,
            SqlValue::Text(text) => out.extend_from_slice(text.as_bytes()),
            SqlValue::Blob(bytes) => {
                out.extend_from_slice(b"\\x");
                for byte in bytes {
                    write!(out, "{byte:02x}")?;
                }
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn encode_format(&self, _: &Type) -> tokio_postgres::types::Format {
        tokio_postgres::types::Format::Text
    }

    to_sql_checked!();
}

/// Whether a result column of type `ty` is read in binary here; any other is cast to
/// text by the server first.
pub(crate) fn is_readable(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::BOOL
            | Type::INT2
            | Type::INT4
            | Type::INT8
            | Type::OID
            | Type::FLOAT4
            | Type::FLOAT8
            | Type::TEXT
            | Type::VARCHAR
            | Type::BPCHAR
            | Type::NAME
            | Type::BYTEA
            | Type::JSON
            | Type::JSONB
    )
}

/// The value of column `index` of `row`, whose type [`is_readable`].
pub(crate) fn read(
    row: &tokio_postgres::Row,
    index: usize,
) -> Result<SqlValue, tokio_postgres::Error> {
    let ty = row.columns().get(index).map(|c| c.type_().clone());
    let value = match ty {
        Some(Type::BOOL) => row
            .try_get::<_, Option<bool>>(index)?
            .map(|b| SqlValue::Integer(i64::from(b))),
        Some(Type::INT2) => row
            .try_get::<_, Option<i16>>(index)?
            .map(|n| SqlValue::Integer(n.into())),
        Some(Type::INT4) => row
            .try_get::<_, Option<i32>>(index)?
            .map(|n| SqlValue::Integer(n.into())),
        Some(Type::INT8) => row.try_get::<_, Option<i64>>(index)?.map(SqlValue::Integer),
        Some(Type::OID) => row
            .try_get::<_, Option<u32>>(index)?
            .map(|n| SqlValue::Integer(n.into())),
        Some(Type::FLOAT4) => row
            .try_get::<_, Option<f32>>(index)?
            .map(|f| SqlValue::Real(f.into())),
        Some(Type::FLOAT8) => row.try_get::<_, Option<f64>>(index)?.map(SqlValue::Real),
        Some(Type::BYTEA) => row
            .try_get::<_, Option<Vec<u8>>>(index)?
            .map(SqlValue::Blob),
        Some(Type::JSON | Type::JSONB) => row
            .try_get::<_, Option<JsonText>>(index)?
            .map(|j| SqlValue::Text(j.0)),
        _ => row.try_get::<_, Option<String>>(index)?.map(SqlValue::Text),
    };
    Ok(value.unwrap_or(SqlValue::Null))
}

/// A `json` or `jsonb` value as its text.
struct JsonText(String);

impl<'a> FromSql<'a> for JsonText {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        // jsonb's binary form is a version byte (1) before the text.
        let text = match (*ty == Type::JSONB, raw.split_first()) {
            (true, Some((1, rest))) => rest,
            (true, _) => return Err("an unknown jsonb format version".into()),
            (false, _) => raw,
        };
        Ok(JsonText(std::str::from_utf8(text)?.to_owned()))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::JSON | Type::JSONB)
    }
}

/// `query` with every column that is not [`is_readable`] cast to text, its columns
/// renamed by position (`c1`, `c2`, …) since their names may repeat; `None` when every
/// column is readable already.
pub(crate) fn with_text_casts(query: &str, columns: &[tokio_postgres::Column]) -> Option<String> {
    if columns.iter().all(|c| is_readable(c.type_())) {
        return None;
    }
    let names: Vec<String> = (1..=columns.len()).map(|i| format!("c{i}")).collect();
    let select: Vec<String> = columns
        .iter()
        .zip(&names)
        .map(|(column, name)| {
            if is_readable(column.type_()) {
                name.clone()
            } else {
                format!("{name}::text")
            }
        })
        .collect();
    Some(format!(
        "SELECT {} FROM (\n{query}\n) AS edgemcp_cast({})",
        select.join(", "),
        names.join(", ")
    ))
}

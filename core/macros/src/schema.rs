//! The JSON Schema of a parameter, written from its Rust type when the macro expands.
//!
//! Only types whose JSON form serde fixes are known here: numbers, `bool`, `String`,
//! `char`, `Option`, sequences, string-keyed maps and `serde_json::Value`. Integer widths
//! become `minimum` and `maximum`, the only JSON Schema 2020-12 way to say them.

use serde_json::{json, Map, Value};
use syn::{GenericArgument, PathArguments, Type};

/// A parameter's schema, and whether the tool's arguments must include it.
pub(crate) struct ParamSchema {
    pub(crate) schema: Value,
    pub(crate) required: bool,
}

/// Why a type has no schema here.
pub(crate) enum Unknown {
    /// A type this module does not know (the caller decides whether it is an argument
    /// struct).
    Type,
    /// A borrowed type, which a tool's arguments (owned, deserialized JSON) cannot be.
    Borrowed,
}

/// The schema of a parameter of type `ty`.
pub(crate) fn of_param(ty: &Type) -> Result<ParamSchema, Unknown> {
    if let Some(inner) = generic_of(ty, "Option") {
        let mut schema = of_type(inner)?;
        allow_null(&mut schema);
        return Ok(ParamSchema {
            schema,
            required: false,
        });
    }
    Ok(ParamSchema {
        schema: of_type(ty)?,
        required: true,
    })
}

fn of_type(ty: &Type) -> Result<Value, Unknown> {
    match ty {
        Type::Reference(_) => return Err(Unknown::Borrowed),
        Type::Paren(inner) => return of_type(&inner.elem),
        Type::Group(inner) => return of_type(&inner.elem),
        _ => {}
    }
    let Some(name) = last_segment(ty).map(|segment| segment.ident.to_string()) else {
        return Err(Unknown::Type);
    };
    let integer = |minimum: Option<i128>, maximum: Option<i128>| {
        let mut schema = Map::new();
        schema.insert("type".into(), json!("integer"));
        if let Some(minimum) = minimum {
            schema.insert("minimum".into(), json!(minimum as i64));
        }
        if let Some(maximum) = maximum {
            schema.insert("maximum".into(), json!(maximum as i64));
        }
        Value::Object(schema)
    };
    Ok(match name.as_str() {
        "u8" => integer(Some(0), Some(u8::MAX.into())),
        "u16" => integer(Some(0), Some(u16::MAX.into())),
        "u32" => integer(Some(0), Some(u32::MAX.into())),
        // Their upper bound is past what a JSON number states exactly (and `usize`'s
        // depends on the target); serde refuses a value that does not fit.
        "u64" | "u128" | "usize" => integer(Some(0), None),
        "i8" => integer(Some(i8::MIN.into()), Some(i8::MAX.into())),
        "i16" => integer(Some(i16::MIN.into()), Some(i16::MAX.into())),
        "i32" => integer(Some(i32::MIN.into()), Some(i32::MAX.into())),
        "i64" | "i128" | "isize" => integer(None, None),
        "f32" | "f64" => json!({"type": "number"}),
        "bool" => json!({"type": "boolean"}),
        "String" => json!({"type": "string"}),
        "char" => json!({"type": "string", "minLength": 1, "maxLength": 1}),
        "Value" => json!({}),
        "Vec" | "VecDeque" => {
            let item = generic_of(ty, &name).ok_or(Unknown::Type)?;
            json!({"type": "array", "items": of_type(item)?})
        }
        "HashSet" | "BTreeSet" => {
            let item = generic_of(ty, &name).ok_or(Unknown::Type)?;
            json!({"type": "array", "items": of_type(item)?, "uniqueItems": true})
        }
        "HashMap" | "BTreeMap" => {
            let args = generics(ty);
            let [key, value] = args.as_slice() else {
                return Err(Unknown::Type);
            };
            if last_segment(key).map(|s| s.ident.to_string()).as_deref() != Some("String") {
                return Err(Unknown::Type);
            }
            json!({"type": "object", "additionalProperties": of_type(value)?})
        }
        "Option" => {
            let inner = generic_of(ty, "Option").ok_or(Unknown::Type)?;
            let mut schema = of_type(inner)?;
            allow_null(&mut schema);
            schema
        }
        _ => return Err(Unknown::Type),
    })
}

/// Lets `schema` also take `null`, as serde's `Option` does.
fn allow_null(schema: &mut Value) {
    if let Some(Value::String(kind)) = schema.get("type").cloned() {
        schema["type"] = json!([kind, "null"]);
    }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

/// The type arguments of `ty`'s last path segment.
fn generics(ty: &Type) -> Vec<&Type> {
    let Some(segment) = last_segment(ty) else {
        return Vec::new();
    };
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return Vec::new();
    };
    args.args
        .iter()
        .filter_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect()
}

/// The one type argument of `ty` when its last segment is `name` (`Option<T>` → `T`).
pub(crate) fn generic_of<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let segment = last_segment(ty)?;
    if segment.ident != name {
        return None;
    }
    match generics(ty).as_slice() {
        [only] => Some(only),
        // `Result<T, E>` and `edgemcp::Result<T>` alike: the first is the value.
        [first, ..] if name == "Result" => Some(first),
        _ => None,
    }
}

/// Whether `ty`'s last path segment is `name`.
pub(crate) fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|segment| segment.ident == name)
}

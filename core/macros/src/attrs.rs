//! The arguments of `#[tool(...)]`, and the doc comments that become descriptions.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, ExprArray, Lit, LitBool, LitInt, LitStr, Result};

/// What `#[tool(...)]` says about one tool.
#[derive(Default)]
pub(crate) struct ToolAttrs {
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) read_only: Option<bool>,
    pub(crate) destructive: Option<bool>,
    pub(crate) idempotent: Option<bool>,
    pub(crate) open_world: Option<bool>,
    pub(crate) scopes: Vec<LitStr>,
    pub(crate) requires: Vec<LitStr>,
    pub(crate) timeout_ms: Option<LitInt>,
    pub(crate) task: Option<LitStr>,
}

const KNOWN: &str = "name, title, description, read_only, destructive, idempotent, \
                     open_world, scopes, requires, timeout_ms, task";

impl ToolAttrs {
    /// Reads `#[tool]` or `#[tool(...)]`.
    pub(crate) fn parse(attr: &Attribute) -> Result<Self> {
        let mut attrs = ToolAttrs::default();
        if matches!(attr.meta, syn::Meta::Path(_)) {
            return Ok(attrs);
        }
        attr.parse_nested_meta(|meta| attrs.parse_one(&meta))?;
        if attrs.read_only == Some(true) && attrs.destructive == Some(true) {
            return Err(syn::Error::new_spanned(
                attr,
                "a tool cannot be both `read_only` and `destructive`",
            ));
        }
        Ok(attrs)
    }

    fn parse_one(&mut self, meta: &ParseNestedMeta<'_>) -> Result<()> {
        let Some(key) = meta.path.get_ident().map(ToString::to_string) else {
            return Err(meta.error(format!("expected one of: {KNOWN}")));
        };
        match key.as_str() {
            "name" => self.name = Some(meta.value()?.parse()?),
            "title" => self.title = Some(meta.value()?.parse()?),
            "description" => self.description = Some(meta.value()?.parse()?),
            "read_only" => self.read_only = Some(flag(meta)?),
            "destructive" => self.destructive = Some(flag(meta)?),
            "idempotent" => self.idempotent = Some(flag(meta)?),
            "open_world" => self.open_world = Some(flag(meta)?),
            "scopes" => self.scopes = strings(meta)?,
            "requires" => self.requires = strings(meta)?,
            "timeout_ms" => self.timeout_ms = Some(meta.value()?.parse()?),
            "task" => {
                let task: LitStr = meta.value()?.parse()?;
                if !matches!(task.value().as_str(), "forbidden" | "optional" | "required") {
                    return Err(syn::Error::new_spanned(
                        task,
                        "`task` is one of \"forbidden\", \"optional\" or \"required\"",
                    ));
                }
                self.task = Some(task);
            }
            other => {
                return Err(meta.error(format!(
                    "unknown `#[tool]` argument `{other}`; expected one of: {KNOWN}"
                )))
            }
        }
        Ok(())
    }
}

/// `read_only` alone, or `read_only = false`.
fn flag(meta: &ParseNestedMeta<'_>) -> Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        let value: LitBool = meta.value()?.parse()?;
        Ok(value.value)
    } else {
        Ok(true)
    }
}

/// `scopes = ["mcp:read", "mcp:write"]`.
fn strings(meta: &ParseNestedMeta<'_>) -> Result<Vec<LitStr>> {
    let array: ExprArray = meta.value()?.parse()?;
    array
        .elems
        .into_iter()
        .map(|elem| match elem {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(text),
                ..
            }) => Ok(text),
            other => Err(syn::Error::new_spanned(other, "expected a string literal")),
        })
        .collect()
}

/// The text of the `///` comments among `attrs`: one leading space of each line dropped,
/// lines joined, blank ends trimmed. `None` when there is none.
pub(crate) fn doc_text(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').map(str::to_owned).unwrap_or(line))
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

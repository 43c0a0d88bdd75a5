//! `#[tools]`: MCP tools from the `#[tool]` methods of an impl block. Use it through
//! edgemcp, which re-exports it as `edgemcp::tools` (the default `macros` feature).
//!
//! The attribute implements `edgemcp::tool::ToolSet` for the impl block's type. Each
//! `#[tool]` method becomes one tool:
//!
//! - its doc comment is the description, and the doc comment of each parameter that
//!   parameter's;
//! - its parameters are the tool's arguments, and their input schema is written when the
//!   macro expands, so no schema generator runs (or is linked) when the server starts. A
//!   method may instead take one argument struct deriving `Deserialize` and
//!   `schemars::JsonSchema`;
//! - `&self` is the shared state, and a parameter of type `RequestContext` receives the
//!   call's context;
//! - it returns anything implementing `edgemcp::tool::IntoToolResult`;
//! - `#[tool(...)]` takes `name`, `title`, `description`, the annotation flags
//!   `read_only`, `destructive`, `idempotent` and `open_world`, `scopes = [...]`,
//!   `requires = [...]` (client capabilities), `timeout_ms` and `task = "optional"` or
//!   `"required"`.

mod attrs;
mod expand;
mod schema;

use proc_macro::TokenStream;

/// Makes each `#[tool]` method of an impl block a tool, and implements
/// `edgemcp::tool::ToolSet` for the block's type. See the crate documentation.
#[proc_macro_attribute]
pub fn tools(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::tools(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

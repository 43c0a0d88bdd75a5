//! The expansion of `#[tools]`: the impl block as written (less the macro's own
//! attributes), and an `edgemcp::tool::ToolSet` impl that builds one tool per `#[tool]`
//! method.

use crate::attrs::{doc_text, ToolAttrs};
use crate::schema::{self, Unknown};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use serde_json::{json, Map, Value};
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, Pat, ReturnType, Type};

pub(crate) fn tools(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new_spanned(
            attr,
            "`#[tools]` takes no arguments; put them on each `#[tool(...)]` method",
        ));
    }
    let mut block: ItemImpl = syn::parse2(item)?;
    if let Some((_, path, _)) = &block.trait_ {
        return Err(syn::Error::new_spanned(
            path,
            "`#[tools]` goes on an inherent impl block (`impl MyTools { ... }`), not a trait impl",
        ));
    }
    let mut tools = Vec::new();
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else { continue };
        let Some(index) = method.attrs.iter().position(|a| a.path().is_ident("tool")) else {
            continue;
        };
        let attr = method.attrs.remove(index);
        tools.push(tool(&ToolAttrs::parse(&attr)?, method)?);
    }
    if tools.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "`#[tools]` found no `#[tool]` method in this impl block",
        ));
    }
    let (impl_generics, _, where_clause) = block.generics.split_for_impl();
    let self_ty = &block.self_ty;
    Ok(quote! {
        #block

        impl #impl_generics ::edgemcp::tool::ToolSet for #self_ty #where_clause {
            fn tools_of(__edgemcp_state: ::std::sync::Arc<Self>) -> ::std::vec::Vec<::edgemcp::Tool> {
                ::std::vec![#(#tools),*]
            }
        }
    })
}

/// How a method's arguments come from the call's.
enum Inputs {
    /// One parameter per argument, with the schema written here.
    Params(Vec<Param>),
    /// One argument struct, whose schema schemars derives.
    Whole { name: syn::Ident, ty: Box<Type> },
}

struct Param {
    name: syn::Ident,
    key: String,
    ty: Box<Type>,
}

/// The expression that builds the tool of `method`; strips the parameters' doc comments,
/// which Rust does not allow there, from the method.
fn tool(attrs: &ToolAttrs, method: &mut ImplItemFn) -> syn::Result<TokenStream> {
    let sig = &method.sig;
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &sig.generics,
            "a `#[tool]` method cannot be generic: its arguments' schema must be known",
        ));
    }
    let method_name = sig.ident.clone();
    let tool_name = match &attrs.name {
        Some(name) => name.value(),
        None => unraw(&method_name),
    };
    let description = match (&attrs.description, doc_text(&method.attrs)) {
        (Some(text), _) => text.value(),
        (None, Some(text)) => text,
        (None, None) => {
            return Err(syn::Error::new_spanned(
                &sig.ident,
                format!(
                    "tool `{tool_name}` needs a description: write a `///` doc comment on the \
                     method (or `#[tool(description = \"...\")]`)"
                ),
            ))
        }
    };

    let mut has_self = false;
    let mut uses_cx = false;
    let mut call_args = Vec::new();
    let mut params = Vec::new();
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut unknown = Vec::new();
    for input in &mut method.sig.inputs {
        let typed = match input {
            FnArg::Receiver(receiver) => {
                if receiver.reference.is_none() || receiver.mutability.is_some() {
                    return Err(syn::Error::new_spanned(
                        receiver,
                        "a `#[tool]` method takes `&self`: calls run concurrently, so keep \
                         mutable state behind a lock",
                    ));
                }
                has_self = true;
                continue;
            }
            FnArg::Typed(typed) => typed,
        };
        let description = doc_text(&typed.attrs);
        typed.attrs.retain(|attr| !attr.path().is_ident("doc"));
        let Pat::Ident(pat) = &*typed.pat else {
            return Err(syn::Error::new_spanned(
                &typed.pat,
                "a `#[tool]` parameter needs a plain name: it is the argument's name",
            ));
        };
        let name = pat.ident.clone();
        if schema::is_named(&typed.ty, "RequestContext") {
            call_args.push(quote!(__edgemcp_cx));
            uses_cx = true;
            continue;
        }
        call_args.push(quote!(#name));
        let key = unraw(&name);
        match schema::of_param(&typed.ty) {
            Ok(param) => {
                let mut schema = param.schema;
                if let (Some(text), Value::Object(object)) = (description, &mut schema) {
                    object.insert("description".into(), Value::String(text));
                }
                properties.insert(key.clone(), schema);
                if param.required {
                    required.push(Value::String(key.clone()));
                }
            }
            Err(Unknown::Borrowed) => {
                return Err(syn::Error::new_spanned(
                    &typed.ty,
                    "a `#[tool]` parameter is an owned value deserialized from the call's \
                     arguments: use `String` rather than `&str`, `Vec<T>` rather than `&[T]`",
                ))
            }
            Err(Unknown::Type) => unknown.push(typed.ty.clone()),
        }
        params.push(Param {
            name,
            key,
            ty: typed.ty.clone(),
        });
    }
    let inputs =
        match (params.len(), unknown.len()) {
            (1, 1) => {
                let Param { name, ty, .. } = params.remove(0);
                Inputs::Whole { name, ty }
            }
            (_, 0) => Inputs::Params(params),
            _ => return Err(syn::Error::new_spanned(
                &unknown[0],
                "the macro writes no JSON Schema for this parameter type; use numbers, `bool`, \
                 `String`, `Option`, `Vec` or `serde_json::Value` parameters, or make it the \
                 method's one argument (a struct deriving `Deserialize` and `JsonSchema`)",
            )),
        };

    let generated = quote!(::edgemcp::tool::generated);
    let (input_schema, read_args) = match &inputs {
        Inputs::Params(params) => {
            let mut schema = Map::new();
            schema.insert("type".into(), json!("object"));
            schema.insert("properties".into(), Value::Object(properties));
            if !required.is_empty() {
                schema.insert("required".into(), Value::Array(required));
            }
            let text = Value::Object(schema).to_string();
            let takes = params.iter().map(|Param { name, key, ty }| {
                quote_spanned!(ty.span()=> let #name: #ty = __edgemcp_args.take(#key)?;)
            });
            let read = quote! {
                #[allow(unused_mut)]
                let mut __edgemcp_args = #generated::Arguments::new(__edgemcp_args)?;
                #(#takes)*
            };
            (quote!(#generated::schema(#text)), read)
        }
        Inputs::Whole { name, ty } => (
            quote_spanned!(ty.span()=> #generated::input_schema_of::<#ty>()),
            quote_spanned!(ty.span()=> let #name: #ty = #generated::whole(__edgemcp_args)?;),
        ),
    };
    let output_schema = match output_type(&method.sig.output) {
        Some(ty) => quote_spanned!(ty.span()=> #generated::output_schema_of::<#ty>()),
        None => quote!(::std::option::Option::None),
    };
    let receiver = has_self.then(|| quote!(&*__edgemcp_state,));
    let await_ = method.sig.asyncness.map(|_| quote!(.await));
    let call = quote_spanned! {method.sig.output.span()=>
        ::edgemcp::tool::IntoToolResult::into_tool_result(
            Self::#method_name(#receiver #(#call_args),*) #await_
        )
    };
    let cx = if uses_cx {
        format_ident!("__edgemcp_cx")
    } else {
        format_ident!("_")
    };
    let settings = settings(attrs);
    Ok(quote! {
        {
            let __edgemcp_state = ::std::sync::Arc::clone(&__edgemcp_state);
            #generated::tool(
                #tool_name,
                #description,
                #input_schema,
                #output_schema,
                move |__edgemcp_args, #cx| {
                    let __edgemcp_state = ::std::sync::Arc::clone(&__edgemcp_state);
                    async move {
                        #read_args
                        #call
                    }
                },
            )
            #settings
        }
    })
}

/// `T` of a return type `Json<T>` or `Result<Json<T>, E>`: the structured output whose
/// schema is the tool's `outputSchema`.
fn output_type(output: &ReturnType) -> Option<&Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let value = schema::generic_of(ty, "Result").unwrap_or(ty);
    schema::generic_of(value, "Json")
}

/// The builder calls for the title, annotations, scopes, capabilities, timeout and task
/// support `#[tool(...)]` gives.
fn settings(attrs: &ToolAttrs) -> TokenStream {
    let mut out = TokenStream::new();
    if let Some(title) = &attrs.title {
        out.extend(quote!(.title(#title)));
    }
    let hints = [
        ("read_only_hint", attrs.read_only),
        ("destructive_hint", attrs.destructive),
        ("idempotent_hint", attrs.idempotent),
        ("open_world_hint", attrs.open_world),
    ];
    if hints.iter().any(|(_, hint)| hint.is_some()) {
        let fields = hints.iter().filter_map(|(field, hint)| {
            let field = format_ident!("{field}");
            hint.map(|hint| quote!(#field: ::std::option::Option::Some(#hint),))
        });
        out.extend(quote! {
            .annotations(::edgemcp::protocol::ToolAnnotations {
                #(#fields)*
                ..::std::default::Default::default()
            })
        });
    }
    if !attrs.scopes.is_empty() {
        let scopes = &attrs.scopes;
        out.extend(quote!(.scopes([#(#scopes),*])));
    }
    for capability in &attrs.requires {
        out.extend(quote!(.requires_client_capability(#capability)));
    }
    if let Some(ms) = &attrs.timeout_ms {
        out.extend(quote!(.timeout(::std::time::Duration::from_millis(#ms))));
    }
    if let Some(task) = &attrs.task {
        let variant = match task.value().as_str() {
            "optional" => quote!(Optional),
            "required" => quote!(Required),
            _ => quote!(Forbidden),
        };
        out.extend(quote!(.task_support(::edgemcp::tool::TaskSupport::#variant)));
    }
    out
}

/// An identifier as the wire names it: `r#type` is `type`.
fn unraw(ident: &syn::Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").map(str::to_owned).unwrap_or(text)
}

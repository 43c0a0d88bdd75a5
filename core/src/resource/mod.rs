//! Resources: data a client can read by URI, fixed or matched by a URI template.

mod template;

pub use template::{TemplateVars, UriTemplate};

use crate::protocol::ResourceContents;
use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::{RequestContext, Result};
use serde_json::{Map, Value};
use std::future::Future;
use std::sync::Arc;

/// The object-safe reader behind resources and templates.
pub(crate) trait ReadHandler: MaybeSend + MaybeSync {
    fn read(
        &self,
        uri: String,
        vars: TemplateVars,
        cx: RequestContext,
    ) -> BoxFuture<'static, Result<Vec<ResourceContents>>>;
}

impl<F, Fut> ReadHandler for F
where
    F: Fn(String, TemplateVars, RequestContext) -> Fut + MaybeSend + MaybeSync,
    Fut: Future<Output = Result<Vec<ResourceContents>>> + MaybeSend + 'static,
{
    fn read(
        &self,
        uri: String,
        vars: TemplateVars,
        cx: RequestContext,
    ) -> BoxFuture<'static, Result<Vec<ResourceContents>>> {
        Box::pin(self(uri, vars, cx))
    }
}

/// A resource with a fixed URI.
///
/// ```
/// use edgemcp::Resource;
///
/// let readme = Resource::text("docs://readme", "readme", "text/markdown", "# Hello");
/// assert_eq!(readme.uri(), "docs://readme");
/// ```
#[derive(Clone)]
pub struct Resource {
    pub(crate) uri: String,
    pub(crate) meta: Descriptor,
    pub(crate) read: Arc<dyn ReadHandler>,
}

/// A family of resources whose URIs fit a template such as `sql://tables/{table}`.
#[derive(Clone)]
pub struct ResourceTemplate {
    pub(crate) template: UriTemplate,
    pub(crate) meta: Descriptor,
    pub(crate) read: Arc<dyn ReadHandler>,
    pub(crate) completions: Vec<(String, crate::prompt::Completer)>,
}

/// Name, title, description and MIME type, shared by resources and templates.
#[derive(Clone, Debug, Default)]
pub(crate) struct Descriptor {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) mime_type: Option<String>,
    pub(crate) size: Option<u64>,
}

impl Descriptor {
    fn write(&self, out: &mut Map<String, Value>, titles: bool) {
        out.insert("name".into(), Value::String(self.name.clone()));
        if titles {
            if let Some(title) = &self.title {
                out.insert("title".into(), Value::String(title.clone()));
            }
        }
        if let Some(description) = &self.description {
            out.insert("description".into(), Value::String(description.clone()));
        }
        if let Some(mime_type) = &self.mime_type {
            out.insert("mimeType".into(), Value::String(mime_type.clone()));
        }
        if let Some(size) = self.size {
            out.insert("size".into(), Value::from(size));
        }
    }
}

impl Resource {
    /// A fixed text resource.
    pub fn text(
        uri: impl Into<String>,
        name: impl Into<String>,
        mime_type: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        let (uri, mime_type, text) = (uri.into(), mime_type.into(), text.into());
        let contents = ResourceContents::text(uri.clone(), mime_type.clone(), text.clone());
        let mut resource = Resource::new(uri, name, move |_cx| {
            let contents = contents.clone();
            async move { Ok(vec![contents]) }
        });
        resource.meta.mime_type = Some(mime_type);
        resource.meta.size = Some(text.len() as u64);
        resource
    }

    /// A fixed binary resource, served base64-encoded.
    pub fn blob(
        uri: impl Into<String>,
        name: impl Into<String>,
        mime_type: impl Into<String>,
        bytes: &[u8],
    ) -> Self {
        let (uri, mime_type) = (uri.into(), mime_type.into());
        let contents = ResourceContents::blob(uri.clone(), mime_type.clone(), bytes);
        let mut resource = Resource::new(uri, name, move |_cx| {
            let contents = contents.clone();
            async move { Ok(vec![contents]) }
        });
        resource.meta.mime_type = Some(mime_type);
        resource.meta.size = Some(bytes.len() as u64);
        resource
    }

    /// A resource whose contents a handler produces on each read.
    pub fn new<F, Fut>(uri: impl Into<String>, name: impl Into<String>, read: F) -> Self
    where
        F: Fn(RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<Vec<ResourceContents>>> + MaybeSend + 'static,
    {
        Resource {
            uri: uri.into(),
            meta: Descriptor {
                name: name.into(),
                ..Default::default()
            },
            read: Arc::new(move |_uri: String, _vars: TemplateVars, cx: RequestContext| read(cx)),
        }
    }

    /// The resource's URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Sets a human-readable title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.meta.title = Some(title.into());
        self
    }

    /// Sets a description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.meta.description = Some(description.into());
        self
    }

    /// Sets the MIME type.
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.meta.mime_type = Some(mime_type.into());
        self
    }

    pub(crate) fn descriptor(&self, titles: bool) -> Value {
        let mut out = Map::new();
        out.insert("uri".into(), Value::String(self.uri.clone()));
        self.meta.write(&mut out, titles);
        Value::Object(out)
    }
}

impl ResourceTemplate {
    /// A template whose handler receives the variables matched from the URI.
    ///
    /// Reading a URI that fits the template but names nothing should fail with
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound); the client then gets the
    /// revision's resource-not-found error.
    ///
    /// ```
    /// use edgemcp::{ResourceTemplate, protocol::ResourceContents};
    ///
    /// let user = ResourceTemplate::new("users://{id}", "user", |uri, vars, _cx| async move {
    ///     let id = vars.get("id").unwrap_or_default().to_owned();
    ///     Ok(vec![ResourceContents::text(uri, "text/plain", format!("user {id}"))])
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    /// Fails when the template is malformed (an unclosed `{`, an empty or repeated variable,
    /// two variables with no literal between them).
    pub fn new<F, Fut>(uri_template: &str, name: impl Into<String>, read: F) -> Result<Self>
    where
        F: Fn(String, TemplateVars, RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<Vec<ResourceContents>>> + MaybeSend + 'static,
    {
        Ok(ResourceTemplate {
            template: UriTemplate::parse(uri_template)?,
            meta: Descriptor {
                name: name.into(),
                ..Default::default()
            },
            read: Arc::new(read),
            completions: Vec::new(),
        })
    }

    /// Sets a human-readable title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.meta.title = Some(title.into());
        self
    }

    /// Sets a description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.meta.description = Some(description.into());
        self
    }

    /// Sets the MIME type of the resources it yields.
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.meta.mime_type = Some(mime_type.into());
        self
    }

    /// Offers completions for a template variable through `completion/complete`.
    pub fn complete(
        mut self,
        variable: impl Into<String>,
        completer: crate::prompt::Completer,
    ) -> Self {
        self.completions.push((variable.into(), completer));
        self
    }

    pub(crate) fn descriptor(&self, titles: bool) -> Value {
        let mut out = Map::new();
        out.insert(
            "uriTemplate".into(),
            Value::String(self.template.as_str().to_owned()),
        );
        self.meta.write(&mut out, titles);
        Value::Object(out)
    }
}

impl std::fmt::Debug for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resource")
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ResourceTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceTemplate")
            .field("template", &self.template.as_str())
            .finish_non_exhaustive()
    }
}

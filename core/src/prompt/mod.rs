//! Prompts: message templates a user picks, filled in with arguments.

mod completion;

pub use completion::Completer;
pub(crate) use completion::MAX_COMPLETIONS;

use crate::protocol::{Content, Role};
use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::{RequestContext, Result};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

/// The arguments a client passed to `prompts/get`, by name.
pub type PromptArgs = BTreeMap<String, String>;

/// One message of a rendered prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptMessage {
    /// Who says it.
    pub role: Role,
    /// What is said: text, an image, or an embedded resource.
    pub content: Content,
}

impl PromptMessage {
    /// A user message with one text block.
    pub fn user(text: impl Into<String>) -> Self {
        PromptMessage {
            role: Role::User,
            content: Content::text(text),
        }
    }

    /// An assistant message with one text block.
    pub fn assistant(text: impl Into<String>) -> Self {
        PromptMessage {
            role: Role::Assistant,
            content: Content::text(text),
        }
    }
}

/// One argument a prompt takes.
#[derive(Clone)]
pub struct PromptArgument {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) required: bool,
    pub(crate) completer: Option<Completer>,
}

impl PromptArgument {
    /// A required argument.
    pub fn required(name: impl Into<String>, description: impl Into<String>) -> Self {
        PromptArgument {
            name: name.into(),
            description: Some(description.into()),
            required: true,
            completer: None,
        }
    }

    /// An optional argument.
    pub fn optional(name: impl Into<String>, description: impl Into<String>) -> Self {
        PromptArgument {
            required: false,
            ..PromptArgument::required(name, description)
        }
    }

    /// Offers completions for this argument through `completion/complete`.
    pub fn complete(mut self, completer: Completer) -> Self {
        self.completer = Some(completer);
        self
    }
}

/// What a prompt renderer produced: messages, or (2026-07-28) a request for input first.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptReply {
    /// The rendered messages.
    Messages(Vec<PromptMessage>),
    /// Input the client must give first; the retry that answers reaches the renderer
    /// with [`RequestContext::input_response`] and
    /// [`RequestContext::request_state`]. See [`InputRequired`](crate::tool::InputRequired).
    InputRequired(crate::tool::InputRequired),
}

/// The object-safe renderer behind every prompt.
pub(crate) trait PromptHandler: MaybeSend + MaybeSync {
    fn render(
        &self,
        args: PromptArgs,
        cx: RequestContext,
    ) -> BoxFuture<'static, Result<PromptReply>>;
}

/// A renderer that always produces messages.
struct Messages<F>(F);

impl<F, Fut> PromptHandler for Messages<F>
where
    F: Fn(PromptArgs, RequestContext) -> Fut + MaybeSend + MaybeSync,
    Fut: Future<Output = Result<Vec<PromptMessage>>> + MaybeSend + 'static,
{
    fn render(
        &self,
        args: PromptArgs,
        cx: RequestContext,
    ) -> BoxFuture<'static, Result<PromptReply>> {
        let rendered = (self.0)(args, cx);
        Box::pin(async move { rendered.await.map(PromptReply::Messages) })
    }
}

/// A renderer that may ask for input first.
struct Asking<F>(F);

impl<F, Fut> PromptHandler for Asking<F>
where
    F: Fn(PromptArgs, RequestContext) -> Fut + MaybeSend + MaybeSync,
    Fut: Future<Output = Result<PromptReply>> + MaybeSend + 'static,
{
    fn render(
        &self,
        args: PromptArgs,
        cx: RequestContext,
    ) -> BoxFuture<'static, Result<PromptReply>> {
        Box::pin((self.0)(args, cx))
    }
}

/// A prompt: its name, arguments and renderer.
///
/// Required arguments are checked before the renderer runs; a missing one is a `-32602`
/// error that names it.
///
/// ```
/// use edgemcp::{Prompt, PromptArgument, PromptMessage};
///
/// let review = Prompt::new("review", "Asks for a code review.", |args, _cx| async move {
///     let code = args.get("code").cloned().unwrap_or_default();
///     Ok(vec![PromptMessage::user(format!("Please review:\n{code}"))])
/// })
/// .argument(PromptArgument::required("code", "The code to review."));
/// ```
#[derive(Clone)]
pub struct Prompt {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) arguments: Vec<PromptArgument>,
    pub(crate) handler: Arc<dyn PromptHandler>,
    /// Set for a workflow's prompt, which the dispatcher runs instead of `handler`.
    pub(crate) workflow: Option<Arc<crate::workflow::Workflow>>,
}

impl Prompt {
    /// A prompt rendered by `handler`.
    pub fn new<F, Fut>(name: impl Into<String>, description: impl Into<String>, handler: F) -> Self
    where
        F: Fn(PromptArgs, RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<Vec<PromptMessage>>> + MaybeSend + 'static,
    {
        Prompt {
            name: name.into(),
            title: None,
            description: Some(description.into()),
            arguments: Vec::new(),
            handler: Arc::new(Messages(handler)),
            workflow: None,
        }
    }

    /// A prompt whose renderer may ask the client for input before it renders
    /// (2026-07-28 multi-round requests); on earlier revisions a request for input is an
    /// error that says so.
    ///
    /// ```
    /// use edgemcp::prompt::PromptReply;
    /// use edgemcp::tool::InputRequired;
    /// use edgemcp::{Prompt, PromptMessage};
    ///
    /// let brief = Prompt::asking("brief", "Writes a brief for a topic.", |_args, cx| async move {
    ///     match cx.input_response("topic").and_then(|a| a["content"]["topic"].as_str()) {
    ///         Some(topic) => Ok(PromptReply::Messages(vec![PromptMessage::user(format!("Brief on {topic}"))])),
    ///         None => Ok(PromptReply::InputRequired(InputRequired::new().elicit(
    ///             "topic", "Which topic?", serde_json::json!({"type": "object", "properties": {"topic": {"type": "string"}}}),
    ///         ))),
    ///     }
    /// });
    /// assert_eq!(brief.name(), "brief");
    /// ```
    pub fn asking<F, Fut>(
        name: impl Into<String>,
        description: impl Into<String>,
        handler: F,
    ) -> Self
    where
        F: Fn(PromptArgs, RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<PromptReply>> + MaybeSend + 'static,
    {
        Prompt {
            name: name.into(),
            title: None,
            description: Some(description.into()),
            arguments: Vec::new(),
            handler: Arc::new(Asking(handler)),
            workflow: None,
        }
    }

    /// The prompt's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets a human-readable title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Adds an argument.
    pub fn argument(mut self, argument: PromptArgument) -> Self {
        self.arguments.push(argument);
        self
    }

    pub(crate) fn descriptor(&self, titles: bool) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), Value::String(self.name.clone()));
        if titles {
            if let Some(title) = &self.title {
                out.insert("title".into(), Value::String(title.clone()));
            }
        }
        if let Some(description) = &self.description {
            out.insert("description".into(), Value::String(description.clone()));
        }
        if !self.arguments.is_empty() {
            let args = self
                .arguments
                .iter()
                .map(|a| {
                    let mut arg = Map::new();
                    arg.insert("name".into(), Value::String(a.name.clone()));
                    if let Some(description) = &a.description {
                        arg.insert("description".into(), Value::String(description.clone()));
                    }
                    arg.insert("required".into(), Value::Bool(a.required));
                    Value::Object(arg)
                })
                .collect();
            out.insert("arguments".into(), Value::Array(args));
        }
        Value::Object(out)
    }
}

/// The prompt a workflow is offered as: its name, title, description and arguments. A
/// server runs its steps at `prompts/get`; see [`crate::workflow`].
impl From<crate::workflow::Workflow> for Prompt {
    fn from(workflow: crate::workflow::Workflow) -> Self {
        Prompt {
            name: workflow.name.clone(),
            title: workflow.title.clone(),
            description: Some(workflow.description.clone()),
            arguments: workflow.arguments.clone(),
            handler: Arc::new(Messages(|_, _| async {
                Err(crate::Error::internal(
                    "a workflow is run by the dispatcher, not rendered",
                ))
            })),
            workflow: Some(Arc::new(workflow)),
        }
    }
}

impl std::fmt::Debug for Prompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prompt")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

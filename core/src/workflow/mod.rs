//! Workflows: prompts whose `prompts/get` runs a chain of tool calls on the server, each
//! step's output feeding the next, so the assistant receives the gathered facts in one
//! round trip instead of driving every call itself.
//!
//! A workflow is registered with [`ServerBuilder::workflow`](crate::ServerBuilder::workflow)
//! and checked when the server is built: every tool must exist, every required argument
//! must be given, a step may only read steps before it, and what it reads must exist in
//! the producing tool's `outputSchema` with a type the consuming tool accepts. At
//! `prompts/get`, each step is an ordinary `tools/call` with the caller's identity, so a
//! workflow never lets anyone run a tool they could not call themselves.
//!
//! ```
//! use edgemcp::workflow::{from, Step, Workflow};
//! use edgemcp::PromptArgument;
//!
//! let inspect = Workflow::new("inspect_table", "Describes a table and shows a few of its rows.")
//!     .argument(PromptArgument::required("table", "The table to inspect."))
//!     .step(Step::call("columns", "sql_describe_table").arg("table", from::argument("table")))
//!     .step(
//!         Step::call("sample", "sql_query")
//!             .arg("query", from::template("SELECT * FROM {table} LIMIT 5").identifier("table", from::argument("table")))
//!     )
//!     .instruction("Summarise what the table holds, from its columns and sample rows.");
//! assert_eq!(inspect.name(), "inspect_table");
//! ```

mod validate;

pub(crate) use validate::validate;

use crate::PromptArgument;
use serde_json::Value;

/// The most elements one `for_each` step runs over; the rest are left out and the
/// messages say so.
pub const MAX_EACH: usize = 50;

/// How many bytes of results a workflow's messages hold by default before the chain stops
/// (see [`Workflow::max_bytes`]): enough for a database of a few dozen tables, small
/// enough that one prompt cannot fill a model's context.
pub const DEFAULT_MAX_BYTES: usize = 256 * 1024;

/// A named chain of tool calls, offered as a prompt.
#[derive(Clone)]
pub struct Workflow {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) description: String,
    pub(crate) arguments: Vec<PromptArgument>,
    pub(crate) steps: Vec<Step>,
    pub(crate) instruction: Option<String>,
    pub(crate) max_bytes: usize,
}

impl std::fmt::Debug for Workflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workflow")
            .field("name", &self.name)
            .field("steps", &self.steps)
            .finish_non_exhaustive()
    }
}

impl Workflow {
    /// A workflow with no steps yet.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Workflow {
            name: name.into(),
            title: None,
            description: description.into(),
            arguments: Vec::new(),
            steps: Vec::new(),
            instruction: None,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    /// The workflow's (and its prompt's) name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A human-readable title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// An argument of the prompt, which steps read with [`from::argument`].
    pub fn argument(mut self, argument: PromptArgument) -> Self {
        self.arguments.push(argument);
        self
    }

    /// Adds a step; steps run in the order they are added.
    pub fn step(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// The most bytes of step results the messages may hold (default
    /// [`DEFAULT_MAX_BYTES`]); a result that would pass it stops the chain there, with a
    /// message that says so.
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The message that closes the prompt: what the assistant should do with the facts.
    pub fn instruction(mut self, text: impl Into<String>) -> Self {
        self.instruction = Some(text.into());
        self
    }
}

/// One step: a call of one tool (or one per element of an earlier step's list), or a
/// call handed to the model to make.
#[derive(Debug, Clone)]
pub struct Step {
    pub(crate) name: String,
    pub(crate) tool: String,
    pub(crate) args: Vec<(String, Source)>,
    pub(crate) each: Option<Source>,
    pub(crate) handoff: Option<String>,
}

impl Step {
    /// A step named `name` (how later steps refer to it) that calls `tool`.
    pub fn call(name: impl Into<String>, tool: impl Into<String>) -> Self {
        Step {
            name: name.into(),
            tool: tool.into(),
            args: Vec::new(),
            each: None,
            handoff: None,
        }
    }

    /// A step the server does not run: the prompt tells the assistant to call `tool`
    /// with the arguments as far as they are known, for `why` (a call that needs
    /// judgement, or the user's consent). Later steps cannot read it.
    pub fn handoff(
        name: impl Into<String>,
        tool: impl Into<String>,
        why: impl Into<String>,
    ) -> Self {
        Step {
            handoff: Some(why.into()),
            ..Step::call(name, tool)
        }
    }

    /// Sets the tool argument `name` from `source`.
    pub fn arg(mut self, name: impl Into<String>, source: impl Into<Source>) -> Self {
        self.args.push((name.into(), source.into()));
        self
    }

    /// Calls the tool once per element of the list `list` (an earlier step's output, at
    /// most [`MAX_EACH`] elements); arguments read the element with [`from::item`].
    pub fn for_each(mut self, list: Source) -> Self {
        self.each = Some(list);
        self
    }
}

/// Where a step's argument comes from. Made with the functions of [`from`].
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A prompt argument (a string).
    Argument(String),
    /// An optional prompt argument, or a default when it is not given.
    ArgumentOr(String, Value),
    /// A fixed value.
    Constant(Value),
    /// A field of an earlier step's `structuredContent`: the step, and the dotted path.
    Output(String, Vec<String>),
    /// A field of the element a `for_each` step is on (empty: the element itself).
    Item(Vec<String>),
    /// Text with `{name}` placeholders filled from other sources.
    Template(Template),
}

/// Text with `{name}` placeholders, each filled from a source, as text or as a quoted SQL
/// identifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub(crate) text: String,
    pub(crate) fills: Vec<(String, Source, Fill)>,
}

/// How a placeholder's value is written into a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// As it is (numbers and booleans as JSON).
    Text,
    /// As a double-quoted SQL identifier (inner quotes doubled), so a table name cannot
    /// end the identifier and add SQL of its own.
    Identifier,
}

impl Template {
    /// Fills `{name}` with `source`, as text.
    pub fn text(mut self, name: impl Into<String>, source: impl Into<Source>) -> Self {
        self.fills.push((name.into(), source.into(), Fill::Text));
        self
    }

    /// Fills `{name}` with `source`, as a quoted SQL identifier.
    pub fn identifier(mut self, name: impl Into<String>, source: impl Into<Source>) -> Self {
        self.fills
            .push((name.into(), source.into(), Fill::Identifier));
        self
    }
}

impl Template {
    /// The names of the `{name}` placeholders in the text, in order.
    pub(crate) fn placeholders(&self) -> Vec<&str> {
        let mut found = Vec::new();
        let mut rest = self.text.as_str();
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { break };
            found.push(&after[..close]);
            rest = &after[close + 1..];
        }
        found
    }
}

impl From<Template> for Source {
    fn from(template: Template) -> Self {
        Source::Template(template)
    }
}

/// The sources of a step's arguments.
pub mod from {
    use super::{Source, Template};
    use serde_json::Value;

    /// The prompt argument `name`.
    pub fn argument(name: impl Into<String>) -> Source {
        Source::Argument(name.into())
    }

    /// The optional prompt argument `name`, or `default` when it is not given.
    pub fn argument_or(name: impl Into<String>, default: impl Into<Value>) -> Source {
        Source::ArgumentOr(name.into(), default.into())
    }

    /// A fixed value.
    pub fn constant(value: impl Into<Value>) -> Source {
        Source::Constant(value.into())
    }

    /// The field at `path` (dotted: `tables`, `object.size`) of step `step`'s
    /// `structuredContent`.
    pub fn output(step: impl Into<String>, path: &str) -> Source {
        Source::Output(step.into(), split(path))
    }

    /// The field at `path` of the element a `for_each` step is on; `""` for the element.
    pub fn item(path: &str) -> Source {
        Source::Item(split(path))
    }

    /// Text with `{name}` placeholders; fill them with [`Template::text`] and
    /// [`Template::identifier`].
    pub fn template(text: impl Into<String>) -> Template {
        Template {
            text: text.into(),
            fills: Vec::new(),
        }
    }

    fn split(path: &str) -> Vec<String> {
        path.split('.')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

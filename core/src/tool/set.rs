use super::Tool;
use crate::runtime::{MaybeSend, MaybeSync};
use std::sync::Arc;

/// A value whose methods are tools: what [`#[tools]`](crate::tools) implements for the
/// type of an impl block. Every tool holds the same `Arc` of the value, so state such as
/// a database handle is shared, not cloned per tool or per call.
///
/// ```
/// use edgemcp::tool::ToolSet;
/// use edgemcp::Server;
///
/// struct Greeter { greeting: String }
///
/// #[edgemcp::tools]
/// impl Greeter {
///     /// Greets someone by name.
///     #[tool(read_only)]
///     fn greet(&self, name: String) -> String {
///         format!("{}, {name}!", self.greeting)
///     }
/// }
///
/// let tools = Greeter { greeting: "Hello".into() }.into_tools();
/// assert_eq!(tools[0].name(), "greet");
/// let server = Server::builder("greeter", "1.0.0").tools(tools);
/// # let _ = server;
/// ```
pub trait ToolSet: Sized + MaybeSend + MaybeSync + 'static {
    /// The tools, each holding `state`.
    fn tools_of(state: Arc<Self>) -> Vec<Tool>;

    /// The tools of `self`.
    fn into_tools(self) -> Vec<Tool> {
        Self::tools_of(Arc::new(self))
    }
}

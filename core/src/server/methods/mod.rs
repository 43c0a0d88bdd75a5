//! One module per family of methods; the router in [`dispatch`](super::dispatch) sends
//! each request to its handler here.

mod completion;
mod lifecycle;
mod prompts;
mod resources;
pub(crate) mod tools;

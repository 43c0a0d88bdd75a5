//! JavaScript bindings for edgemcp.
//!
//! Not built yet: the wasm-bindgen `McpServer` class arrives with the bindings. Until
//! then this crate only proves the core links into a `cdylib`.

pub use edgemcp;

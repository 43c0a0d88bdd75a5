//! KV, D1 and R2 behind the core's storage traits.
//!
//! Each type wraps the binding object from `env`; platform errors become
//! [`ErrorKind::Storage`](edgemcp::ErrorKind::Storage) errors marked temporary, with the
//! platform's message, at this boundary.

mod d1;
mod kv;
mod r2;

pub use d1::D1;
pub use kv::Kv;
pub use r2::R2;

/// A storage error carrying the platform's message.
fn platform_error(what: &str, err: impl std::fmt::Display) -> edgemcp::Error {
    edgemcp::Error::storage(format!("{what} failed: {err}")).set_temporary()
}

//! The `edgemcp` binary.
//!
//! Not built yet: `serve`, `lambda` and `stdio` arrive with the native host. Until then
//! the binary says so and exits with status 2, so nobody mistakes it for a server.

fn main() {
    eprintln!(
        "edgemcp {}: the native host is not built yet; run `cargo run -p example-loopback` for a local server.",
        env!("CARGO_PKG_VERSION")
    );
    std::process::exit(2);
}

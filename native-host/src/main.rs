//! The `edgemcp` binary: `serve`, `stdio` (and, under AWS Lambda, `lambda`).

fn main() {
    eprintln!("edgemcp {}: under construction", env!("CARGO_PKG_VERSION"));
    std::process::exit(2);
}

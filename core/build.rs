//! Embeds `src/toolkit/schemas.json` without its whitespace: the file stays readable in
//! the repository, and the Worker does not carry its indentation.

use std::path::PathBuf;

fn main() {
    let source = "src/toolkit/schemas.json";
    println!("cargo:rerun-if-changed={source}");
    let text = match std::fs::read_to_string(source) {
        Ok(text) => text,
        Err(err) => panic!("cannot read {source}: {err}"),
    };
    let out = match std::env::var_os("OUT_DIR") {
        Some(dir) => PathBuf::from(dir).join("schemas.min.json"),
        None => panic!("cargo sets OUT_DIR for build scripts"),
    };
    if let Err(err) = std::fs::write(&out, minify(&text)) {
        panic!("cannot write {}: {err}", out.display());
    }
}

/// JSON text without the whitespace between tokens; strings are kept as they are.
fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

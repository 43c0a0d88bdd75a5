//! The conformance fixture server, natively: `conformance-fixture` serves it on
//! `127.0.0.1:$PORT/mcp` (default 3001) until SIGTERM or SIGINT.

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3001);
    let server = example_conformance::fixture_server(edgemcp_native::runtime::runtime()?, |b| {
        b.tasks(edgemcp::storage::MemoryTasks::new())
    })?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!(
        "conformance fixture on http://{}/mcp",
        listener.local_addr()?
    );
    edgemcp_native::serve::run(server, listener).await?;
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn main() {}

//! `edgemcp serve` under pressure: a burst far above its in-flight cap gets 200s or 503s
//! that say when to retry, none lost, with `/health` answering throughout; a request whose
//! client disconnects is dropped before its side effect.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use edgemcp::{Server, Tool, ToolResult};
use edgemcp_native::serve::{self, Capacity, ServeOptions};
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CAP: usize = 4;
const BURST: usize = 10 * CAP;

/// One HTTP/1.1 request on its own connection; the status line's code, the headers and
/// the body. Bounded in time, so a lost request fails the test instead of hanging it.
async fn send(address: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let exchange = async {
        let mut stream = TcpStream::connect(address).await.unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\
             content-type: application/json\r\naccept: application/json, text/event-stream\r\n\
             mcp-protocol-version: 2025-11-25\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0);
        (status, response)
    };
    tokio::time::timeout(Duration::from_secs(20), exchange)
        .await
        .expect("every request is answered")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_at_ten_times_the_cap_gets_200s_and_503s_and_health_keeps_answering() {
    let slow = Tool::untyped(
        "slow",
        "Takes 200 ms",
        json!({"type": "object"}),
        |_, cx| async move {
            cx.runtime().sleep(Duration::from_millis(200)).await;
            Ok(ToolResult::text("done"))
        },
    );
    let server = Server::builder("shed", "1.0.0")
        .tool(slow)
        .build(edgemcp_native::runtime::runtime().unwrap())
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let options = ServeOptions {
        capacity: Capacity {
            max_in_flight: CAP,
            max_connections: 10 * BURST,
        },
        ..Default::default()
    };
    let serving = tokio::spawn(serve::run_with(server, listener, options));

    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "slow", "arguments": {}}})
    .to_string();
    let burst: Vec<_> = (0..BURST)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move { send(address, "POST", "/mcp", &call).await })
        })
        .collect();
    // Probes while the burst runs.
    let mut health = Vec::new();
    for _ in 0..5 {
        health.push(send(address, "GET", "/health", "").await.0);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }

    let (mut ok, mut shed) = (0, 0);
    for request in burst {
        let (status, response) = request.await.unwrap();
        match status {
            200 => {
                assert!(response.contains("\"text\":\"done\""), "{response}");
                ok += 1;
            }
            503 => {
                assert!(
                    response.to_ascii_lowercase().contains("retry-after: 1"),
                    "{response}"
                );
                assert!(response.contains("retry in a second"), "{response}");
                shed += 1;
            }
            other => panic!("status {other}: {response}"),
        }
    }
    assert_eq!(ok + shed, BURST, "none lost");
    assert!(ok >= CAP, "the cap's worth of requests were served: {ok}");
    assert!(
        shed > 0,
        "a burst of {BURST} over a cap of {CAP} sheds some"
    );
    assert!(
        health.iter().all(|s| *s == 200),
        "/health answered: {health:?}"
    );

    // Once the burst is over, the server takes requests again.
    let (status, _) = send(address, "POST", "/mcp", &call).await;
    assert_eq!(status, 200);
    serving.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_client_disconnects_is_dropped() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let writes = Arc::new(AtomicUsize::new(0));
    let counted = writes.clone();
    let slow = Tool::untyped(
        "slow_write",
        "Waits, then writes",
        json!({"type": "object"}),
        move |_, cx| {
            let counted = counted.clone();
            async move {
                cx.runtime().sleep(Duration::from_millis(400)).await;
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(ToolResult::text("written"))
            }
        },
    );
    let server = Server::builder("disconnect", "1.0.0")
        .tool(slow)
        .build(edgemcp_native::runtime::runtime().unwrap())
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let serving = tokio::spawn(serve::run_with(server, listener, ServeOptions::default()));
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "slow_write", "arguments": {}}})
    .to_string();
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         accept: application/json\r\nmcp-protocol-version: 2025-11-25\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(stream); // the client goes away before the answer
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        writes.load(Ordering::SeqCst),
        0,
        "the dropped request never wrote"
    );
    // A client that stays gets its answer.
    let (status, _) = send(address, "POST", "/mcp", &body).await;
    assert_eq!(status, 200);
    assert_eq!(writes.load(Ordering::SeqCst), 1);
    serving.abort();
}

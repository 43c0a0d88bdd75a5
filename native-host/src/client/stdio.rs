//! A server run as a child process, spoken to in newline-delimited JSON-RPC over its
//! stdin and stdout.

use edgemcp::client::{ClientError, ClientTransport, Outgoing};
use edgemcp::runtime::BoxFuture;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin};
use tokio::sync::oneshot;

/// How many of the child's last stderr lines an error shows.
const STDERR_LINES: usize = 20;
/// How long an error waits for an exiting child's last stderr lines.
const STDERR_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<Value>>>>;
type SharedStdin = Arc<tokio::sync::Mutex<ChildStdin>>;

/// Runs a server command and carries messages over its stdio. Requests may overlap: a
/// reader task hands each response to the request with its id. The child is killed when
/// the transport is dropped.
pub struct StdioTransport {
    stdin: SharedStdin,
    waiters: Waiters,
    /// Why the reader stopped, once it has: the child exited or wrote something unreadable.
    closed: Arc<Mutex<Option<String>>>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// Turns true when the child's stderr has ended, so an error can wait for its last
    /// words instead of racing them.
    stderr_ended: tokio::sync::watch::Receiver<bool>,
    _child: Child,
}

impl StdioTransport {
    /// Starts `program` with `args`, in this process's environment.
    ///
    /// # Errors
    /// [`ClientError::Transport`] when the program cannot be started.
    pub fn spawn(program: &str, args: &[String]) -> Result<Self, ClientError> {
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ClientError::Transport(format!("cannot start {program:?}: {e}")))?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(ClientError::Transport(format!(
                "{program:?} started without its pipes"
            )));
        };
        let (ended, stderr_ended) = tokio::sync::watch::channel(false);
        let transport = StdioTransport {
            stdin: Arc::new(tokio::sync::Mutex::new(stdin)),
            waiters: Arc::default(),
            closed: Arc::default(),
            stderr: Arc::default(),
            stderr_ended,
            _child: child,
        };
        let tail = transport.stderr.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(mut tail) = tail.lock() {
                    if tail.len() == STDERR_LINES {
                        tail.pop_front();
                    }
                    tail.push_back(line);
                }
            }
            let _ = ended.send(true);
        });
        tokio::spawn(read_stdout(
            stdout,
            transport.waiters.clone(),
            transport.closed.clone(),
            transport.stdin.clone(),
        ));
        Ok(transport)
    }

    /// The closing reason, with the child's last stderr lines (waiting a moment for a
    /// child that is exiting to finish writing them).
    async fn closed_error(&self, reason: &str) -> ClientError {
        let mut ended = self.stderr_ended.clone();
        let _ = tokio::time::timeout(STDERR_GRACE, ended.wait_for(|ended| *ended)).await;
        let tail: Vec<String> = self
            .stderr
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        if tail.is_empty() {
            ClientError::Transport(reason.to_owned())
        } else {
            ClientError::Transport(format!(
                "{reason}; its last lines on stderr:\n{}",
                tail.join("\n")
            ))
        }
    }

    async fn write(&self, message: &Value) -> Result<(), ClientError> {
        match write_line(&self.stdin, message).await {
            Ok(()) => Ok(()),
            Err(e) => Err(self
                .closed_error(&format!("cannot write to the server ({e}): has it exited?"))
                .await),
        }
    }
}

impl ClientTransport for StdioTransport {
    fn send<'a>(
        &'a self,
        outgoing: Outgoing<'a>,
    ) -> BoxFuture<'a, Result<Option<Value>, ClientError>> {
        Box::pin(async move {
            if let Some(reason) = self.closed.lock().ok().and_then(|c| c.clone()) {
                return Err(self.closed_error(&reason).await);
            }
            if !outgoing.expects_response {
                self.write(outgoing.message).await?;
                return Ok(None);
            }
            let id = outgoing
                .message
                .get("id")
                .map(Value::to_string)
                .unwrap_or_default();
            let (sender, receiver) = oneshot::channel();
            if let Ok(mut waiters) = self.waiters.lock() {
                waiters.insert(id.clone(), sender);
            }
            if let Err(err) = self.write(outgoing.message).await {
                if let Ok(mut waiters) = self.waiters.lock() {
                    waiters.remove(&id);
                }
                return Err(err);
            }
            match receiver.await {
                Ok(response) => Ok(Some(response)),
                // The reader dropped every waiter: the child is gone.
                Err(_) => {
                    let reason = self
                        .closed
                        .lock()
                        .ok()
                        .and_then(|c| c.clone())
                        .unwrap_or_else(|| "the server stopped answering".to_owned());
                    Err(self.closed_error(&reason).await)
                }
            }
        })
    }
}

async fn write_line(stdin: &SharedStdin, message: &Value) -> std::io::Result<()> {
    let mut line = message.to_string();
    line.push('\n');
    let mut stdin = stdin.lock().await;
    stdin.write_all(line.as_bytes()).await?;
    stdin.flush().await
}

/// Reads the child's stdout: hands responses to their waiters, answers the server's own
/// requests (`ping` with an empty result, anything else with -32601) and skips its
/// notifications. At the end of the output, records why and drops every waiter.
async fn read_stdout(
    stdout: tokio::process::ChildStdout,
    waiters: Waiters,
    closed: Arc<Mutex<Option<String>>>,
    stdin: SharedStdin,
) {
    let mut lines = BufReader::new(stdout).lines();
    let reason = loop {
        let line = match lines.next_line().await {
            Ok(Some(line)) => line,
            Ok(None) => break "the server process closed its stdout (it has exited)".to_owned(),
            Err(e) => break format!("cannot read the server's stdout: {e}"),
        };
        if line.trim().is_empty() {
            continue;
        }
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            break format!(
                "the server wrote a line to stdout that is not JSON (logs belong on stderr): {}",
                line.chars().take(200).collect::<String>()
            );
        };
        let id = message.get("id").filter(|id| !id.is_null());
        match (message.get("method").and_then(Value::as_str), id) {
            (Some(method), Some(id)) => {
                let reply = if method == "ping" {
                    json!({"jsonrpc": "2.0", "id": id, "result": {}})
                } else {
                    json!({"jsonrpc": "2.0", "id": id, "error": {
                        "code": edgemcp::jsonrpc::METHOD_NOT_FOUND,
                        "message": format!("This client does not answer {method}."),
                    }})
                };
                // A failed write shows up as the end of stdout soon after.
                let _ = write_line(&stdin, &reply).await;
            }
            (Some(_), None) => {}
            (None, Some(id)) => {
                let waiter = waiters
                    .lock()
                    .ok()
                    .and_then(|mut w| w.remove(&id.to_string()));
                if let Some(waiter) = waiter {
                    let _ = waiter.send(message);
                }
            }
            // An error answer to a message whose id the server could not read belongs to
            // no waiter; one waiting request gets it rather than waiting forever.
            (None, None) => {
                let first = waiters.lock().ok().and_then(|mut w| {
                    let key = w.keys().next().cloned()?;
                    w.remove(&key)
                });
                if let Some(waiter) = first {
                    let _ = waiter.send(message);
                }
            }
        }
    };
    if let Ok(mut closed) = closed.lock() {
        *closed = Some(reason);
    }
    if let Ok(mut waiters) = waiters.lock() {
        waiters.clear();
    }
}

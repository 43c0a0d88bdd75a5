//! Reading a `text/event-stream` body: the JSON-RPC messages its events carry.

/// The `data` of each event in `body`, in order.
///
/// Lines are split on `\n`, `\r\n` or `\r`; an event ends at a blank line (or the end of
/// the body); its `data:` lines are joined with newlines, as the EventSource rules say.
/// Events with no data (keep-alive comments, bare `id:` lines for resumption) are left out.
///
/// ```
/// use edgemcp::client::sse::data_events;
///
/// let body = ": keep-alive\n\nid: 1\ndata: {\"a\":\ndata: 1}\n\nevent: message\r\ndata: 2\r\n\r\n";
/// assert_eq!(data_events(body), vec!["{\"a\":\n1}", "2"]);
/// ```
pub fn data_events(body: &str) -> Vec<String> {
    let mut events = Vec::new();
    let mut data: Option<String> = None;
    let normalised = body.replace("\r\n", "\n").replace('\r', "\n");
    for line in normalised.split('\n') {
        if line.is_empty() {
            events.extend(data.take());
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        if field == "data" {
            match &mut data {
                Some(text) => {
                    text.push('\n');
                    text.push_str(value);
                }
                None => data = Some(value.to_owned()),
            }
        }
    }
    events.extend(data);
    events
}

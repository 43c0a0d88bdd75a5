//! Method names, as the wire spells them.

/// Opens a session and negotiates the revision (2025 revisions).
pub const INITIALIZE: &str = "initialize";
/// Asks a stateless server what it supports (2026-07-28).
pub const SERVER_DISCOVER: &str = "server/discover";
/// Liveness check (2025 revisions).
pub const PING: &str = "ping";
/// Lists tools.
pub const TOOLS_LIST: &str = "tools/list";
/// Calls a tool.
pub const TOOLS_CALL: &str = "tools/call";
/// Lists resources.
pub const RESOURCES_LIST: &str = "resources/list";
/// Lists resource templates.
pub const RESOURCES_TEMPLATES_LIST: &str = "resources/templates/list";
/// Reads a resource.
pub const RESOURCES_READ: &str = "resources/read";
/// Subscribes to resource updates (2025 revisions).
pub const RESOURCES_SUBSCRIBE: &str = "resources/subscribe";
/// Unsubscribes from resource updates (2025 revisions).
pub const RESOURCES_UNSUBSCRIBE: &str = "resources/unsubscribe";
/// Lists prompts.
pub const PROMPTS_LIST: &str = "prompts/list";
/// Renders a prompt.
pub const PROMPTS_GET: &str = "prompts/get";
/// Completes a prompt argument or template variable.
pub const COMPLETION_COMPLETE: &str = "completion/complete";
/// Sets the log level for the session (2025 revisions).
pub const LOGGING_SET_LEVEL: &str = "logging/setLevel";

/// Reads a task's status (and, on 2026-07-28, its result).
pub const TASKS_GET: &str = "tasks/get";
/// Waits for a task's result (2025-11-25).
pub const TASKS_RESULT: &str = "tasks/result";
/// Lists the caller's tasks (2025-11-25).
pub const TASKS_LIST: &str = "tasks/list";
/// Cancels a task.
pub const TASKS_CANCEL: &str = "tasks/cancel";
/// Answers a task's input requests (2026-07-28).
pub const TASKS_UPDATE: &str = "tasks/update";

/// The client finished initializing (2025 revisions).
pub const NOTIFICATION_INITIALIZED: &str = "notifications/initialized";
/// The client cancels a request.
pub const NOTIFICATION_CANCELLED: &str = "notifications/cancelled";
/// Progress of a running request.
pub const NOTIFICATION_PROGRESS: &str = "notifications/progress";
/// A log message.
pub const NOTIFICATION_MESSAGE: &str = "notifications/message";
/// A task changed status (2025-11-25).
pub const NOTIFICATION_TASK_STATUS: &str = "notifications/tasks/status";

/// Every method a client may send that this server knows, for bounded metric labels.
pub const ALL: [&str; 22] = [
    INITIALIZE,
    SERVER_DISCOVER,
    PING,
    TOOLS_LIST,
    TOOLS_CALL,
    RESOURCES_LIST,
    RESOURCES_TEMPLATES_LIST,
    RESOURCES_READ,
    RESOURCES_SUBSCRIBE,
    RESOURCES_UNSUBSCRIBE,
    PROMPTS_LIST,
    PROMPTS_GET,
    COMPLETION_COMPLETE,
    LOGGING_SET_LEVEL,
    TASKS_GET,
    TASKS_RESULT,
    TASKS_LIST,
    TASKS_CANCEL,
    TASKS_UPDATE,
    NOTIFICATION_INITIALIZED,
    NOTIFICATION_CANCELLED,
    NOTIFICATION_PROGRESS,
];

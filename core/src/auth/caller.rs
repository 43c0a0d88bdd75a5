//! Who sends a message, as the transport that carried it knows, and how a server with
//! access control admits or refuses it.

use super::{Auth, Identity, TokenRejected};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Who sends a message, as the transport that carried it knows.
///
/// Every entry point of [`Server`](crate::Server) takes one, so access control holds on
/// every transport, not only on HTTP. When the server has [`Auth`]:
///
/// - [`Caller::anonymous`] is refused with the error an HTTP request without a token gets;
/// - [`Caller::bearer`] is verified as an `Authorization: Bearer` header would be;
/// - [`Caller::verified`] is an identity the transport checked itself (mutual TLS, a
///   gateway in front); its scopes still decide what it may see and call;
/// - [`Caller::trusted`] is served with no access control at all, for a transport whose
///   peer is trusted by construction, such as stdio serving the user who started it.
///
/// Without `Auth` every caller is served, and a verified identity's scopes still apply.
///
/// ```
/// use edgemcp::auth::Caller;
///
/// // A message channel that received a token next to the message.
/// let caller = Caller::bearer("eyJhbGciOi...");
/// // Debug output never shows the token.
/// assert_eq!(format!("{caller:?}"), "Caller::Bearer(<redacted>)");
/// ```
#[derive(Clone)]
pub struct Caller(pub(crate) CallerKind);

#[derive(Clone)]
pub(crate) enum CallerKind {
    Anonymous,
    Bearer(String),
    Verified(Arc<Identity>),
    Trusted,
}

impl Caller {
    /// A caller the transport knows nothing about.
    pub fn anonymous() -> Self {
        Caller(CallerKind::Anonymous)
    }

    /// A caller that presented `token`, to be verified by the server's [`Auth`].
    pub fn bearer(token: impl Into<String>) -> Self {
        Caller(CallerKind::Bearer(token.into()))
    }

    /// A caller whose identity the transport has already verified.
    pub fn verified(identity: Identity) -> Self {
        Caller(CallerKind::Verified(Arc::new(identity)))
    }

    /// A peer the transport trusts without any check: access control is not applied.
    ///
    /// Use it only where nobody but the operator can reach the transport (stdio, a
    /// process-local channel); every use is a place where auth is knowingly off.
    pub fn trusted() -> Self {
        Caller(CallerKind::Trusted)
    }
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            CallerKind::Anonymous => f.write_str("Caller::Anonymous"),
            CallerKind::Bearer(_) => f.write_str("Caller::Bearer(<redacted>)"),
            CallerKind::Verified(identity) => write!(f, "Caller::Verified({})", identity.subject),
            CallerKind::Trusted => f.write_str("Caller::Trusted"),
        }
    }
}

/// The caller a request runs as once admitted: `None` when access control does not
/// apply (no [`Auth`], or a trusted transport), the verified identity otherwise.
pub(crate) type Admitted = Option<Arc<Identity>>;

/// Why a caller was refused before anything ran. Each refusal reads the same on every
/// transport; HTTP adds the status and the `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No credentials at all.
    Missing,
    /// An `Authorization` header that is not `Bearer <token>`.
    NotBearer,
    /// A token in the URL, where it ends up in logs.
    TokenInQuery,
    /// A token the verifier refused.
    Rejected(TokenRejected),
}

impl Refusal {
    /// The HTTP status: 400 for a token in the URL, 401 otherwise.
    pub(crate) fn http_status(&self) -> u16 {
        match self {
            Refusal::TokenInQuery => 400,
            _ => 401,
        }
    }

    /// What the client is told to do.
    pub(crate) fn message(&self) -> String {
        match self {
            Refusal::Missing => "This server needs `Authorization: Bearer <token>`; its metadata names where to get one.".to_owned(),
            Refusal::NotBearer => "The Authorization header must be `Bearer <token>`.".to_owned(),
            Refusal::TokenInQuery => "Tokens are not accepted in the query string; send `Authorization: Bearer <token>`.".to_owned(),
            Refusal::Rejected(rejected) => format!("The token was refused: {}.", rejected.reason()),
        }
    }

    /// The RFC 6750 `error` and `error_description` of the challenge, if any.
    pub(crate) fn challenge_error(&self) -> Option<(&'static str, &str)> {
        match self {
            Refusal::Missing => None,
            Refusal::NotBearer => Some((
                "invalid_token",
                "the Authorization header must be `Bearer <token>`",
            )),
            Refusal::TokenInQuery => Some((
                "invalid_request",
                "send the token in the Authorization header, never in the URL",
            )),
            Refusal::Rejected(rejected) => Some(("invalid_token", rejected.reason())),
        }
    }
}

/// Admits `caller` to a server with access control `auth`, or says why not.
async fn admit(auth: Option<&Auth>, caller: Caller) -> Result<Admitted, Refusal> {
    match (auth, caller.0) {
        (_, CallerKind::Verified(identity)) => Ok(Some(identity)),
        (None, _) | (Some(_), CallerKind::Trusted) => Ok(None),
        (Some(_), CallerKind::Anonymous) => Err(Refusal::Missing),
        (Some(auth), CallerKind::Bearer(token)) => match auth.verifier().verify(&token).await {
            Ok(identity) => Ok(Some(Arc::new(identity))),
            Err(rejected) => Err(Refusal::Rejected(rejected)),
        },
    }
}

/// A request's credentials and, once the [`Authenticate`](crate::middleware) layer has
/// looked at them, its admission. The messages of one request (a batch) share it, so the
/// request log and the batch's answer can read the decision after the chain ran.
pub(crate) struct Admission {
    state: Mutex<AdmissionState>,
}

enum AdmissionState {
    Pending(Caller),
    Decided(Result<Admitted, Refusal>),
}

impl Admission {
    /// Credentials still to be checked.
    pub(crate) fn new(caller: Caller) -> Arc<Self> {
        Arc::new(Admission {
            state: Mutex::new(AdmissionState::Pending(caller)),
        })
    }

    /// Credentials the transport already found unusable (a token in the URL, an
    /// `Authorization` header that is not `Bearer`).
    pub(crate) fn refused(refusal: Refusal) -> Arc<Self> {
        Arc::new(Admission {
            state: Mutex::new(AdmissionState::Decided(Err(refusal))),
        })
    }

    fn state(&self) -> MutexGuard<'_, AdmissionState> {
        // The state is replaced whole, so a panic elsewhere cannot leave it half-written.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Admits the caller to a server with access control `auth`, the first time; later
    /// messages of the request get the same answer. (Messages of a batch that start
    /// together may each verify the token; they reach the same decision.)
    pub(crate) async fn decide(&self, auth: Option<&Auth>) -> Result<Admitted, Refusal> {
        let caller = match &*self.state() {
            AdmissionState::Decided(decided) => return decided.clone(),
            AdmissionState::Pending(caller) => caller.clone(),
        };
        let decided = admit(auth, caller).await;
        *self.state() = AdmissionState::Decided(decided.clone());
        decided
    }

    /// The decision, once made.
    pub(crate) fn decided(&self) -> Option<Result<Admitted, Refusal>> {
        match &*self.state() {
            AdmissionState::Decided(decided) => Some(decided.clone()),
            AdmissionState::Pending(_) => None,
        }
    }
}

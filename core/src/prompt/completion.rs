use crate::runtime::{MaybeSend, MaybeSync};
use std::sync::Arc;

/// The most values one `completion/complete` answer may carry.
pub(crate) const MAX_COMPLETIONS: usize = 100;

trait CompleteFn: MaybeSend + MaybeSync {
    fn complete(&self, partial: &str) -> Vec<String>;
}

impl<F> CompleteFn for F
where
    F: Fn(&str) -> Vec<String> + MaybeSend + MaybeSync,
{
    fn complete(&self, partial: &str) -> Vec<String> {
        self(partial)
    }
}

/// Suggests values for a prompt argument or template variable from what the user typed.
///
/// ```
/// use edgemcp::prompt::Completer;
///
/// let languages = Completer::values(["rust", "ruby", "python"]);
/// assert_eq!(languages.complete("ru"), vec!["rust", "ruby"]);
/// ```
#[derive(Clone)]
pub struct Completer(Arc<dyn CompleteFn>);

impl Completer {
    /// Completes from a fixed list: the values that start with the typed text, ignoring case.
    pub fn values<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        Completer::from_fn(move |partial: &str| {
            let partial = partial.to_lowercase();
            values
                .iter()
                .filter(|v| v.to_lowercase().starts_with(&partial))
                .cloned()
                .collect()
        })
    }

    /// Completes with a function of the typed text.
    pub fn from_fn<F>(f: F) -> Self
    where
        F: Fn(&str) -> Vec<String> + MaybeSend + MaybeSync + 'static,
    {
        Completer(Arc::new(f))
    }

    /// The suggestions for `partial`.
    pub fn complete(&self, partial: &str) -> Vec<String> {
        self.0.complete(partial)
    }
}

impl std::fmt::Debug for Completer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Completer")
    }
}

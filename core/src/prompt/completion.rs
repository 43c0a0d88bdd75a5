use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::Result;
use std::future::Future;
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

/// A completer that waits on something: a store, a service.
trait CompleteLater: MaybeSend + MaybeSync {
    fn complete(&self, partial: String) -> BoxFuture<'static, Result<Vec<String>>>;
}

impl<F, Fut> CompleteLater for F
where
    F: Fn(String) -> Fut + MaybeSend + MaybeSync,
    Fut: Future<Output = Result<Vec<String>>> + MaybeSend + 'static,
{
    fn complete(&self, partial: String) -> BoxFuture<'static, Result<Vec<String>>> {
        Box::pin(self(partial))
    }
}

#[derive(Clone)]
enum Kind {
    Now(Arc<dyn CompleteFn>),
    Later(Arc<dyn CompleteLater>),
}

/// Suggests values for a prompt argument or template variable from what the user typed.
///
/// A completer that waits (on a store, say) is made with [`Completer::from_async`]; the
/// server bounds it by the tool time limit and the request's deadline, like a tool.
///
/// ```
/// use edgemcp::prompt::Completer;
///
/// let languages = Completer::values(["rust", "ruby", "python"]);
/// let found = futures_executor::block_on(languages.complete("ru"))?;
/// assert_eq!(found, vec!["rust", "ruby"]);
/// # Ok::<(), edgemcp::Error>(())
/// ```
#[derive(Clone)]
pub struct Completer(Kind);

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
        Completer(Kind::Now(Arc::new(f)))
    }

    /// Completes with an async function of the typed text: values read from a store.
    ///
    /// ```
    /// use edgemcp::prompt::Completer;
    ///
    /// let tables = Completer::from_async(|partial: String| async move {
    ///     // A real completer would ask its database here.
    ///     Ok(["orders", "order_items"].iter().filter(|t| t.starts_with(&partial)).map(|t| t.to_string()).collect())
    /// });
    /// assert_eq!(futures_executor::block_on(tables.complete("order_"))?, vec!["order_items"]);
    /// # Ok::<(), edgemcp::Error>(())
    /// ```
    pub fn from_async<F, Fut>(f: F) -> Self
    where
        F: Fn(String) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<Vec<String>>> + MaybeSend + 'static,
    {
        Completer(Kind::Later(Arc::new(f)))
    }

    /// The suggestions for `partial`.
    ///
    /// # Errors
    /// An async completer's error.
    pub async fn complete(&self, partial: &str) -> Result<Vec<String>> {
        match &self.0 {
            Kind::Now(f) => Ok(f.complete(partial)),
            Kind::Later(f) => f.complete(partial.to_owned()).await,
        }
    }
}

impl std::fmt::Debug for Completer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Completer")
    }
}

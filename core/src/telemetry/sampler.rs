//! Which traces are recorded: OpenTelemetry's samplers, decided from the trace id alone
//! so every service in a trace decides alike.

use crate::{Error, Result};

/// Which traces are recorded (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`).
///
/// ```
/// use edgemcp::telemetry::Sampler;
///
/// let half = Sampler::parent_based(Sampler::ratio(0.5));
/// // A caller's decision is kept; a new trace is decided by its id.
/// assert!(half.samples(Some(true), "4bf92f3577b34da6a3ce929d0e0e4736"));
/// assert!(!half.samples(Some(false), "4bf92f3577b34da6a3ce929d0e0e4736"));
/// assert!(Sampler::ratio(1.0).samples(None, "ffffffffffffffffffffffffffffffff"));
/// assert!(!Sampler::ratio(0.0).samples(None, "00000000000000000000000000000001"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Sampler {
    /// Every trace.
    AlwaysOn,
    /// No trace.
    AlwaysOff,
    /// This fraction of traces (0 to 1), by trace id.
    Ratio(f64),
    /// The caller's decision when there is one (its `traceparent`'s sampled flag), else
    /// the inner sampler's.
    ParentBased(Box<Sampler>),
}

impl Default for Sampler {
    /// OpenTelemetry's default: `parentbased_always_on`.
    fn default() -> Self {
        Sampler::parent_based(Sampler::AlwaysOn)
    }
}

impl Sampler {
    /// `fraction` of traces (clamped to 0–1).
    pub fn ratio(fraction: f64) -> Self {
        Sampler::Ratio(if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        })
    }

    /// The caller's decision when there is one, else `root`'s.
    pub fn parent_based(root: Sampler) -> Self {
        Sampler::ParentBased(Box::new(root))
    }

    /// Whether the trace `trace_id` (32 hex digits) is recorded; `parent` is the caller's
    /// sampled flag, when the request came with one.
    pub fn samples(&self, parent: Option<bool>, trace_id: &str) -> bool {
        match self {
            Sampler::AlwaysOn => true,
            Sampler::AlwaysOff => false,
            Sampler::Ratio(fraction) => {
                // The trace id's last 56 bits are its random part (W3C Trace Context
                // level 2); compare them against the fraction of their range.
                let tail = trace_id
                    .get(trace_id.len().saturating_sub(14)..)
                    .unwrap_or("");
                let Ok(value) = u64::from_str_radix(tail, 16) else {
                    return false;
                };
                let threshold = (fraction * (1u64 << 56) as f64) as u64;
                value < threshold || *fraction >= 1.0
            }
            Sampler::ParentBased(root) => match parent {
                Some(sampled) => sampled,
                None => root.samples(None, trace_id),
            },
        }
    }

    /// The sampler `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` name; the default
    /// when unset.
    ///
    /// # Errors
    /// A configuration error for a sampler it does not know or a ratio that is not a
    /// number from 0 to 1.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let ratio = || -> Result<Sampler> {
            match get("OTEL_TRACES_SAMPLER_ARG") {
                None => Ok(Sampler::ratio(1.0)),
                Some(text) => text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .map(Sampler::ratio)
                    .ok_or_else(|| {
                        Error::config(format!(
                            "OTEL_TRACES_SAMPLER_ARG must be the fraction of traces to record, \
                             from 0 to 1 (such as 0.25), not {text:?}."
                        ))
                    }),
            }
        };
        let Some(name) = get("OTEL_TRACES_SAMPLER") else {
            return Ok(Sampler::default());
        };
        Ok(match name.trim() {
            "always_on" => Sampler::AlwaysOn,
            "always_off" => Sampler::AlwaysOff,
            "traceidratio" => ratio()?,
            "parentbased_always_on" => Sampler::parent_based(Sampler::AlwaysOn),
            "parentbased_always_off" => Sampler::parent_based(Sampler::AlwaysOff),
            "parentbased_traceidratio" => Sampler::parent_based(ratio()?),
            other => {
                return Err(Error::config(format!(
                    "OTEL_TRACES_SAMPLER must be always_on, always_off, traceidratio, \
                     parentbased_always_on, parentbased_always_off or \
                     parentbased_traceidratio, not {other:?}."
                )))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_records_about_that_fraction_of_random_traces() {
        let sampler = Sampler::ratio(0.25);
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut recorded = 0;
        for _ in 0..20_000 {
            // xorshift: good enough to spread trace ids.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let id = format!("{:016x}{:016x}", state.rotate_left(17), state);
            recorded += usize::from(sampler.samples(None, &id));
        }
        assert!((4_500..5_500).contains(&recorded), "{recorded} of 20000");
    }

    #[test]
    fn the_variables_name_the_sampler_or_say_what_is_wrong() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(Sampler::from_vars(vars(&[])).unwrap(), Sampler::default());
        assert_eq!(
            Sampler::from_vars(vars(&[
                ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", "0.1")
            ]))
            .unwrap(),
            Sampler::parent_based(Sampler::ratio(0.1))
        );
        for (pairs, says) in [
            (
                &[("OTEL_TRACES_SAMPLER", "sometimes")][..],
                "OTEL_TRACES_SAMPLER",
            ),
            (
                &[
                    ("OTEL_TRACES_SAMPLER", "traceidratio"),
                    ("OTEL_TRACES_SAMPLER_ARG", "2"),
                ][..],
                "from 0 to 1",
            ),
        ] {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let err = Sampler::from_vars(|name| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            })
            .unwrap_err();
            assert!(err.message().contains(says), "{}", err.message());
        }
    }
}

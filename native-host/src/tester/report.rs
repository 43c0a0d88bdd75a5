//! What a run tells people and CI systems: a progress line per step, a summary, JUnit
//! XML and JSON.

use super::runner::{show, ScenarioResult, Status, StepResult};
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// Hears about a run as it goes.
pub trait Reporter {
    /// A scenario begins.
    fn scenario_started(&mut self, name: &str, file: &Path);
    /// A step ended.
    fn step_finished(&mut self, step: &StepResult);
    /// A scenario ended.
    fn scenario_finished(&mut self, scenario: &ScenarioResult);
}

/// Writes progress for people: a line per scenario and per step, failures indented.
pub struct Console<W> {
    out: W,
}

impl<W: Write> Console<W> {
    /// Progress on `out`.
    pub fn new(out: W) -> Self {
        Console { out }
    }
}

// Progress lines are best effort: a closed terminal must not stop the run.
impl<W: Write> Reporter for Console<W> {
    fn scenario_started(&mut self, name: &str, file: &Path) {
        let _ = writeln!(self.out, "{name} ({})", file.display());
    }

    fn step_finished(&mut self, step: &StepResult) {
        let mark = match step.status {
            Status::Passed => "ok  ",
            Status::Failed => "FAIL",
            Status::Errored => "ERR ",
            Status::Skipped => "skip",
        };
        let _ = writeln!(self.out, "  {mark} {} ({})", step.name, show(step.duration));
        if step.status != Status::Skipped {
            for message in &step.messages {
                for line in message.lines() {
                    let _ = writeln!(self.out, "         {line}");
                }
            }
        }
        let _ = self.out.flush();
    }

    fn scenario_finished(&mut self, _scenario: &ScenarioResult) {}
}

/// Counts of a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// Steps run or skipped.
    pub steps: usize,
    /// Passed.
    pub passed: usize,
    /// Failed an assertion.
    pub failed: usize,
    /// Got no answer.
    pub errored: usize,
    /// Not run.
    pub skipped: usize,
}

impl Totals {
    /// The counts of `results`.
    pub fn of<'a>(results: impl IntoIterator<Item = &'a StepResult>) -> Totals {
        let mut totals = Totals::default();
        for step in results {
            totals.steps += 1;
            match step.status {
                Status::Passed => totals.passed += 1,
                Status::Failed => totals.failed += 1,
                Status::Errored => totals.errored += 1,
                Status::Skipped => totals.skipped += 1,
            }
        }
        totals
    }
}

/// The closing line: `2 scenarios, 14 steps: 13 passed, 1 failed (0.4 s)`.
pub fn summary(results: &[ScenarioResult], took: Duration) -> String {
    let totals = Totals::of(results.iter().flat_map(|s| &s.steps));
    let mut parts = vec![format!("{} passed", totals.passed)];
    for (n, word) in [
        (totals.failed, "failed"),
        (totals.errored, "errored"),
        (totals.skipped, "skipped"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    format!(
        "{} scenario{}, {} step{}: {} ({:.1} s)",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        totals.steps,
        if totals.steps == 1 { "" } else { "s" },
        parts.join(", "),
        took.as_secs_f64()
    )
}

/// The run as JUnit XML: one `<testsuite>` per scenario, one `<testcase>` per step, with
/// `<failure>` for assertions, `<error>` for steps that got no answer, `<skipped/>`.
pub fn junit(results: &[ScenarioResult], took: Duration) -> String {
    let all = Totals::of(results.iter().flat_map(|s| &s.steps));
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"edgemcp test\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        all.steps,
        all.failed,
        all.errored,
        all.skipped,
        took.as_secs_f64()
    ));
    for scenario in results {
        let t = Totals::of(&scenario.steps);
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" file=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
            escape(&scenario.name),
            escape(&scenario.file.display().to_string()),
            t.steps,
            t.failed,
            t.errored,
            t.skipped,
            scenario.duration.as_secs_f64()
        ));
        for step in &scenario.steps {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
                escape(&step.name),
                escape(&scenario.name),
                step.duration.as_secs_f64()
            );
            let detail = step.messages.join("\n");
            let first = step
                .messages
                .first()
                .map(String::as_str)
                .unwrap_or_default();
            let first = first.lines().next().unwrap_or_default();
            match step.status {
                Status::Passed => xml.push_str(&format!("{open}/>\n")),
                Status::Failed => xml.push_str(&format!(
                    "{open}>\n      <failure message=\"{}\" type=\"assertion\">{}</failure>\n    </testcase>\n",
                    escape(first),
                    escape(&detail)
                )),
                Status::Errored => xml.push_str(&format!(
                    "{open}>\n      <error message=\"{}\" type=\"transport\">{}</error>\n    </testcase>\n",
                    escape(first),
                    escape(&detail)
                )),
                Status::Skipped => xml.push_str(&format!(
                    "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    escape(first)
                )),
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// The run as JSON, for scripts.
pub fn json(results: &[ScenarioResult], took: Duration) -> Value {
    let status = |s: Status| match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Errored => "errored",
        Status::Skipped => "skipped",
    };
    let totals = Totals::of(results.iter().flat_map(|s| &s.steps));
    json!({
        "passed": results.iter().all(ScenarioResult::passed),
        "duration_ms": took.as_millis() as u64,
        "totals": {
            "steps": totals.steps,
            "passed": totals.passed,
            "failed": totals.failed,
            "errored": totals.errored,
            "skipped": totals.skipped,
        },
        "scenarios": results.iter().map(|scenario| json!({
            "name": scenario.name,
            "file": scenario.file.display().to_string(),
            "passed": scenario.passed(),
            "duration_ms": scenario.duration.as_millis() as u64,
            "steps": scenario.steps.iter().map(|step| json!({
                "name": step.name,
                "status": status(step.status),
                "duration_ms": step.duration.as_millis() as u64,
                "messages": step.messages,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Text made safe for an XML attribute or element: markup escaped, and characters XML 1.0
/// cannot hold (most control characters) replaced.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

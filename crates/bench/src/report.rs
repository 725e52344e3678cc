//! Result rows, the printed table and the JSON file.

use serde::Serialize;

/// What a row must reach to pass; the JSON report writes it as `{"kind": ..., "bound": ...}`.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "kind", content = "bound", rename_all = "snake_case")]
pub enum Target {
    /// value / baseline must be at least this.
    RatioAtLeast(f64),
    /// value / baseline must be at most this.
    RatioAtMost(f64),
    /// The value itself must be at most this.
    ValueAtMost(f64),
    /// The value itself must be at least this.
    ValueAtLeast(f64),
    /// The value itself must equal this (to two decimals).
    ValueEquals(f64),
    /// Informational.
    None,
}

/// One measured figure with its same-run baseline and target: a line of the table and of the
/// JSON report. Built with [`Row::new`], then [`Row::baseline`] before [`Row::target`].
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The scenario that measured it (a name of [`SCENARIOS`](crate::SCENARIOS)).
    pub scenario: String,
    /// What was measured, e.g. "Store::ingest_pipelined, batch verification, batches of 128".
    pub figure: String,
    /// The unit of `value` and `baseline`, e.g. "entries/s", "ms", "MiB".
    pub unit: String,
    /// The measurement.
    pub value: f64,
    /// What the baseline is, e.g. "verify_strict, 1 core"; `None` without a baseline.
    pub baseline_name: Option<String>,
    /// The baseline measured in the same run, in `unit`.
    pub baseline: Option<f64>,
    /// `value / baseline`; `None` without a baseline or when it is 0.
    pub ratio: Option<f64>,
    /// What the row must reach ([`Target::None`]: informational).
    pub target: Target,
    /// Whether it reached the target; `None` when informational or a ratio target lacks a ratio.
    pub pass: Option<bool>,
    /// Sizes and conditions, shown in brackets after the figure; empty for none.
    pub note: String,
}

impl Row {
    /// A row without baseline, target or note.
    pub fn new(scenario: &str, figure: &str, unit: &str, value: f64) -> Row {
        Row {
            scenario: scenario.into(),
            figure: figure.into(),
            unit: unit.into(),
            value,
            baseline_name: None,
            baseline: None,
            ratio: None,
            target: Target::None,
            pass: None,
            note: String::new(),
        }
    }

    /// Sets the same-run baseline and the ratio; call before [`Row::target`], which judges the
    /// ratio.
    pub fn baseline(mut self, name: &str, value: f64) -> Row {
        self.baseline_name = Some(name.into());
        self.baseline = Some(value);
        self.ratio = (value != 0.0).then(|| self.value / value);
        self
    }

    /// Sets the target and judges the row against it (`pass`).
    pub fn target(mut self, target: Target) -> Row {
        self.target = target;
        self.pass = match target {
            Target::RatioAtLeast(t) => self.ratio.map(|r| r >= t),
            Target::RatioAtMost(t) => self.ratio.map(|r| r <= t),
            Target::ValueAtMost(t) => Some(self.value <= t),
            Target::ValueAtLeast(t) => Some(self.value >= t),
            Target::ValueEquals(t) => Some((self.value - t).abs() < 0.005),
            Target::None => None,
        };
        self
    }

    /// Sets the note (sizes, conditions).
    pub fn note(mut self, note: impl Into<String>) -> Row {
        self.note = note.into();
        self
    }
}

fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 100_000.0 {
        format!("{v:.0}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn target_text(t: Target) -> String {
    match t {
        Target::RatioAtLeast(x) => format!(">= {x}x"),
        Target::RatioAtMost(x) => format!("<= {x}x"),
        Target::ValueAtMost(x) => format!("<= {x}"),
        Target::ValueAtLeast(x) => format!(">= {x}"),
        Target::ValueEquals(x) => format!("= {x:.2}"),
        Target::None => "-".into(),
    }
}

/// A markdown table (readable in a terminal too).
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| scenario | figure | value | baseline (same run) | ratio | target | result |\n|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let baseline = match (&r.baseline_name, r.baseline) {
            (Some(n), Some(b)) => format!("{} {} ({n})", num(b), r.unit),
            _ => "-".into(),
        };
        let ratio = r.ratio.map_or("-".into(), |x| format!("{x:.2}x"));
        let result = match r.pass {
            Some(true) => "pass",
            Some(false) => "MISS",
            None => "info",
        };
        let mut figure = r.figure.clone();
        if !r.note.is_empty() {
            figure = format!("{figure} [{}]", r.note);
        }
        out.push_str(&format!(
            "| {} | {} | {} {} | {} | {} | {} | {} |\n",
            r.scenario,
            figure,
            num(r.value),
            r.unit,
            baseline,
            ratio,
            target_text(r.target),
            result
        ));
    }
    out
}

/// Percentile (0..=100) of already-collected samples.
pub fn percentile(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[rank.min(samples.len() - 1)]
}

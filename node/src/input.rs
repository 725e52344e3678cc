//! Reading coordinators' input files (TOML or JSON) into payloads, with one-line errors.

use anyhow::{anyhow, Result};
use serde::de::DeserializeOwned;
use std::path::Path;

/// Collapses a multi-line parser message into one line.
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with('|') && !l.chars().all(|c| c == '^' || c == ' ')
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses a `.json` file as JSON and anything else as TOML.
pub fn read_document<T: DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!("cannot read {what} file {}: {e}", path.display()))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        serde_json::from_str(&text)
            .map_err(|e| anyhow!("{}: not a valid {what} (JSON): {e}", path.display()))
    } else {
        toml::from_str(&text).map_err(|e| {
            anyhow!(
                "{}: not a valid {what} (TOML): {}",
                path.display(),
                one_line(&e.to_string())
            )
        })
    }
}

//! Reading coordinators' input files (TOML or JSON) into payloads, with one-line errors.

use anyhow::{anyhow, Result};
use serde::de::DeserializeOwned;
use std::io::Read;
use std::path::Path;

/// The largest input document the CLI reads: 4 MiB, many times the largest valid one (a payload
/// is at most 256 KiB encoded). A larger file, or an endless one (`/dev/zero`), is refused
/// after reading just past the limit, so memory stays small.
pub(crate) const MAX_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a text file of at most `limit` bytes.
pub(crate) fn read_text_limited(path: &Path, what: &str, limit: u64) -> Result<String> {
    let file = std::fs::File::open(path)
        .map_err(|e| anyhow!("cannot read {what} file {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow!("cannot read {what} file {}: {e}", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(anyhow!(
            "{what} file {} is larger than the limit of {} MiB ({limit} bytes); a valid {what} is far smaller: check that this is the right file",
            path.display(),
            limit / (1024 * 1024)
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{what} file {}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads an input text file of at most [`MAX_INPUT_BYTES`].
pub(crate) fn read_text(path: &Path, what: &str) -> Result<String> {
    read_text_limited(path, what, MAX_INPUT_BYTES)
}

/// Collapses a multi-line parser message into one line.
pub(crate) fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with('|') && !l.chars().all(|c| c == '^' || c == ' ')
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses a `.json` file as JSON and anything else as TOML.
pub(crate) fn read_document<T: DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let text = read_text(path, what)?;
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

//! The roster file: the committee's copy of the roster history, one signed change per line as hex
//! (canonical bytes), `#` lines are comments. Easy to mail, diff and check into version control.

use anyhow::{bail, Context, Result};
use coalition_record::SignedRosterChange;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn default_path(charter: &Path) -> PathBuf {
    charter
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("roster.txt")
}

pub fn read(path: &Path) -> Result<Vec<SignedRosterChange>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read roster file {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bytes = hex::decode(line)
            .map_err(|e| anyhow::anyhow!("{} line {}: not hex ({e})", path.display(), n + 1))?;
        let change = SignedRosterChange::decode(&bytes)
            .map_err(|e| anyhow::anyhow!("{} line {}: {e}", path.display(), n + 1))?;
        out.push(change);
    }
    Ok(out)
}

pub fn append(path: &Path, change: &SignedRosterChange, comment: &str) -> Result<()> {
    let existing = read(path)?;
    if let Some(last) = existing.last() {
        if last.change.seq + 1 != change.change.seq {
            bail!(
                "{} ends at roster version {}, this change is version {}",
                path.display(),
                last.change.seq,
                change.change.seq
            );
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot write roster file {}", path.display()))?;
    if existing.is_empty() {
        writeln!(
            file,
            "# Coalition roster history: one committee-signed change per line (hex). Append only."
        )?;
    }
    writeln!(file, "# v{}: {comment}", change.change.seq)?;
    writeln!(file, "{}", hex::encode(change.to_bytes()))?;
    file.sync_all()?;
    Ok(())
}

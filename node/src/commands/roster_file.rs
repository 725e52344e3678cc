//! The roster file: the committee's copy of the roster history, one signed change per line as hex
//! (canonical bytes), `#` lines are comments. Easy to mail, diff and check into version control.

use anyhow::{bail, Context, Result};
use coalition_record::SignedRosterChange;
use std::io::Write;
use std::path::{Path, PathBuf};

pub(crate) fn default_path(charter: &Path) -> PathBuf {
    charter
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("roster.txt")
}

pub(crate) fn read(path: &Path) -> Result<Vec<SignedRosterChange>> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    // The roster history grows with every change; its limit is wider than a single document's.
    let text = crate::input::read_text_limited(path, "roster", 16 * crate::input::MAX_INPUT_BYTES)?;
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

pub(crate) fn append(path: &Path, change: &SignedRosterChange, comment: &str) -> Result<()> {
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

/// Reads a proposal file: `#` comment lines and one hex-encoded signed change (possibly with no
/// signatures yet).
pub(crate) fn read_proposal(path: &Path) -> Result<SignedRosterChange> {
    let text = crate::input::read_text(path, "proposal")?;
    let mut found = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if found.is_some() {
            bail!(
                "{} line {}: a proposal holds exactly one change",
                path.display(),
                n + 1
            );
        }
        let bytes = hex::decode(line)
            .map_err(|e| anyhow::anyhow!("{} line {}: not hex ({e})", path.display(), n + 1))?;
        let change = SignedRosterChange::decode(&bytes)
            .map_err(|e| anyhow::anyhow!("{} line {}: {e}", path.display(), n + 1))?;
        found = Some(change);
    }
    found.with_context(|| format!("{} holds no roster change", path.display()))
}

/// Writes a proposal file atomically (temp file, then rename). With `create_new`, refuses to
/// replace an existing file.
pub(crate) fn write_proposal(
    path: &Path,
    change: &SignedRosterChange,
    comment: &str,
    create_new: bool,
) -> Result<()> {
    if create_new && path.exists() {
        bail!("{} already exists; choose another --out", path.display());
    }
    let mut text = String::from(
        "# Coalition roster change proposal: sign with `coalition roster sign`, then `coalition roster publish`.\n",
    );
    for line in comment.lines() {
        text.push_str(&format!("# {line}\n"));
    }
    text.push_str(&hex::encode(change.to_bytes()));
    text.push('\n');
    let tmp = path.with_extension("tmp-write");
    {
        let mut file = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot write proposal {}", path.display()))?;
    Ok(())
}

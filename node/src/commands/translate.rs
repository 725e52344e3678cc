//! `coalition translate` and `coalition endorse`: translations cities sign for each other
//! (PROTOCOL.md §8.10).

use super::print_json;
use super::publish::{publish_one, publish_quietly};
use crate::cli::{EndorseArgs, TranslateArgs};
use crate::datadir::DataDir;
use crate::input::read_document;
use anyhow::{Context, Result};
use coalition_record::translation::{Translation, TranslationEndorsement};
use coalition_record::{EntryId, Payload};
use serde::Deserialize;
use serde_json::json;
use std::process::ExitCode;

/// The translation file: a translation without the version, which the command names.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TranslationFile {
    from_lang: String,
    lang: String,
    title: String,
    summary: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    rationale: String,
    #[serde(default)]
    approach: String,
    #[serde(default)]
    results: String,
    #[serde(default)]
    transferability: String,
}

/// An entry id from a full id or a unique prefix of the entries this node holds.
fn resolve(dir: &DataDir, id: &str) -> Result<EntryId> {
    let store = dir.open_store_read_only()?;
    let entry = store.entry_by_prefix(id)?.with_context(|| {
        format!(
            "no entry {id} here (give the full id or a unique prefix of at least 8 hex characters)"
        )
    })?;
    Ok(entry.id())
}

pub(super) fn translate(args: TranslateArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let source = resolve(&dir, &args.id)?;
    let f: TranslationFile = read_document(&args.file, "translation")?;
    let payload = Payload::Translation(Translation {
        source,
        from_lang: f.from_lang,
        lang: f.lang,
        title: f.title,
        summary: f.summary,
        body: f.body,
        rationale: f.rationale,
        approach: f.approach,
        results: f.results,
        transferability: f.transferability,
    });
    payload
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let what = format!("translation of {}", source.short());
    if args.json.json {
        let (id, existing, via) = publish_quietly(&dir, &payload, &what)?;
        print_json(
            &json!({ "id": id, "source": source.to_hex(), "existing": existing, "via": via }),
        )?;
    } else {
        publish_one(&dir, &payload, &what)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn endorse(args: EndorseArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let translation = resolve(&dir, &args.id)?;
    let payload = Payload::TranslationEndorsement(TranslationEndorsement { translation });
    let what = format!("endorsement of translation {}", translation.short());
    let (id, existing) = publish_one(&dir, &payload, &what)?;
    if args.json.json {
        print_json(
            &json!({ "id": id, "translation": translation.to_hex(), "existing": existing }),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

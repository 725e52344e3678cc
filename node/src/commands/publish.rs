//! `coalition publish`, `retract` and `revise`: sign this city's records into its log. With no node
//! running they go straight to the store (and are gossiped at the next start); with a node running
//! they are handed to it, so it gossips them at once.

use super::handoff::{post_json, NotDone};
use super::{now_ms, print_json};
use crate::cli::{PublishCommand, RetractArgs, ReviseArgs};
use crate::config::Config;
use crate::datadir::DataDir;
use crate::input::read_document;
use anyhow::{bail, Context, Result};
use coalition_record::payload::{PracticeRevision, Retraction};
use coalition_record::{ActivityReport, ActivityUpdate, Payload, Practice};
use coalition_store::Store;
use serde_json::json;
use std::process::ExitCode;

pub(super) fn publish(command: PublishCommand) -> Result<ExitCode> {
    let (args, kind) = match command {
        PublishCommand::Practice(a) => (a, "practice"),
        PublishCommand::Update(a) => (a, "update"),
        PublishCommand::Report(a) => (a, "report"),
        PublishCommand::Adoption(a) => (a, "adoption"),
        PublishCommand::Question(a) => (a, "question"),
        PublishCommand::Answer(a) => (a, "answer"),
        #[cfg(feature = "future-kind")]
        PublishCommand::Note(a) => (a, "note"),
    };
    let dir = DataDir::new(&args.data_dir.data_dir);
    let config = dir.config()?;
    // Every file is read and validated before anything is signed: a bad file changes nothing.
    let mut payloads = Vec::new();
    for file in &args.files {
        let payload = read_payload(file, kind, &config)?;
        payload
            .validate()
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        payloads.push((file.clone(), payload));
    }
    let sink = Sink::open(&dir, &config)?;
    let names: Vec<String> = payloads
        .iter()
        .map(|(f, _)| f.display().to_string())
        .collect();
    let what = if names.len() == 1 {
        names[0].clone()
    } else {
        format!("the {} files", names.len())
    };
    let payloads: Vec<Payload> = payloads.into_iter().map(|(_, p)| p).collect();
    // All files in one write: every one is stored, or none.
    let answers = sink.append_all(&payloads).map_err(|e| explain(e, &what))?;
    for (name, answer) in names.iter().zip(&answers) {
        report(&args.json, name, answer, &sink);
    }
    Ok(ExitCode::SUCCESS)
}

/// Says honestly what a failed publish means: refused (nothing stored) or no answer (unknown).
fn explain(error: anyhow::Error, what: &str) -> anyhow::Error {
    let store_error = error.downcast_ref::<coalition_store::StoreError>();
    let uncertain = matches!(
        store_error,
        Some(coalition_store::StoreError::WriteUncertain(_))
    );
    let definite = error.downcast_ref::<NotDone>().is_some() || store_error.is_some();
    if uncertain {
        // The error itself says it may be stored and to publish again.
        error.context(what.to_string())
    } else if definite {
        error.context(format!("{what}: nothing was published"))
    } else {
        error.context(format!(
            "the running node did not answer for {what}: it may or may not have been stored; publish again: publishing is idempotent (a document already stored is answered with its existing entry)"
        ))
    }
}

/// One document's answer: its entry id, and whether it was already published.
struct Answer {
    id: String,
    existing: bool,
}

fn report(json_arg: &crate::cli::JsonArg, what: &str, answer: &Answer, sink: &Sink) {
    let id = &answer.id;
    if json_arg.json {
        // Best effort: the record is stored whether or not anyone still reads the answer, and the
        // remaining files must still be published.
        sayln!(
            "{}",
            json!({ "id": id, "source": what, "via": sink.via(), "existing": answer.existing })
        );
    } else if answer.existing {
        sayln!("{id}  already published as {id} ({what}); nothing new was signed");
    } else {
        sayln!("{id}  stored ({what}, {})", sink.via());
    }
}

fn read_payload(file: &std::path::Path, kind: &str, config: &Config) -> Result<Payload> {
    Ok(match kind {
        "practice" => {
            let mut p: Practice = read_document(file, "practice")?;
            fill_place(&mut p.city, &mut p.country, config);
            Payload::Practice(p)
        }
        "update" => {
            Payload::ActivityUpdate(read_document::<ActivityUpdate>(file, "activity update")?)
        }
        "adoption" => Payload::PracticeAdoption(read_document(file, "adoption")?),
        "question" => Payload::Question(read_document(file, "question")?),
        "answer" => Payload::Answer(read_document(file, "answer")?),
        #[cfg(feature = "future-kind")]
        "note" => Payload::TestNote(read_document(file, "note")?),
        _ => {
            let mut r: ActivityReport = read_document(file, "activity report")?;
            fill_place(&mut r.city, &mut r.country, config);
            Payload::ActivityReport(r)
        }
    })
}

fn fill_place(city: &mut String, country: &mut String, config: &Config) {
    if city.trim().is_empty() {
        *city = config.city.clone();
    }
    if country.trim().is_empty() {
        *country = config.country.clone();
    }
}

/// Where signed entries go: the store directly, or the running node.
enum Sink {
    Store(Box<Store>, coalition_record::SecretKey),
    Node { api: String, token: String },
}

impl Sink {
    fn open(dir: &DataDir, config: &Config) -> Result<Sink> {
        match dir.open_store_for_write()? {
            Some(store) => Ok(Sink::Store(Box::new(store), dir.city_key()?)),
            None => Ok(Sink::Node {
                api: dir.running_api_addr(config),
                token: dir.api_token()?,
            }),
        }
    }

    fn via(&self) -> &'static str {
        match self {
            Sink::Store(..) => "store; gossiped when the node next runs",
            Sink::Node { .. } => "handed to the running node",
        }
    }

    /// Publishes durably (idempotent) and returns the entry id (hex).
    fn append(&self, payload: &Payload) -> Result<String> {
        let mut answers = self.append_all(std::slice::from_ref(payload))?;
        let answer = answers.pop().context("the publish returned no entry")?;
        Ok(answer.id)
    }

    /// Publishes all `payloads` in one durable write (all or nothing), idempotently.
    fn append_all(&self, payloads: &[Payload]) -> Result<Vec<Answer>> {
        match self {
            Sink::Store(store, key) => Ok(store
                .publish_local(key, payloads, now_ms())?
                .into_iter()
                .map(|a| Answer {
                    id: a.entry.id().to_hex(),
                    existing: a.existing,
                })
                .collect()),
            Sink::Node { api, token } if payloads.len() > 1 => {
                let documents = payloads
                    .iter()
                    .map(|p| {
                        let (kind, document) = match p {
                            Payload::Practice(p) => ("practice", serde_json::to_value(p)?),
                            Payload::ActivityReport(r) => ("report", serde_json::to_value(r)?),
                            Payload::ActivityUpdate(u) => ("update", serde_json::to_value(u)?),
                            _ => {
                                bail!("only practices, reports and updates are published together")
                            }
                        };
                        Ok(json!({ "kind": kind, "document": document }))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let answer = post_json(
                    api,
                    "/api/v1/batch",
                    token,
                    &json!({ "documents": documents }),
                )?;
                let entries = answer
                    .get("entries")
                    .and_then(|v| v.as_array())
                    .context("the running node did not return the entries")?;
                entries.iter().map(answer_of).collect()
            }
            Sink::Node { api, token } => {
                let payload = payloads.first().context("nothing to publish")?;
                let (path, body) = match payload {
                    Payload::Practice(p) => ("/api/v1/practices", serde_json::to_value(p)?),
                    Payload::ActivityReport(r) => ("/api/v1/reports", serde_json::to_value(r)?),
                    Payload::ActivityUpdate(u) => ("/api/v1/updates", serde_json::to_value(u)?),
                    Payload::Retraction(r) => ("/api/v1/retractions", serde_json::to_value(r)?),
                    Payload::PracticeRevision(r) => ("/api/v1/revisions", serde_json::to_value(r)?),
                    Payload::PracticeAdoption(a) => ("/api/v1/adoptions", serde_json::to_value(a)?),
                    Payload::Question(q) => ("/api/v1/questions", serde_json::to_value(q)?),
                    Payload::Answer(a) => ("/api/v1/answers", serde_json::to_value(a)?),
                    Payload::ReportingCycle(c) => ("/api/v1/cycles", serde_json::to_value(c)?),
                    Payload::ReportFeedback(f) => ("/api/v1/feedback", serde_json::to_value(f)?),
                    Payload::Erasure(_) => bail!("erasures are published with `coalition erase`"),
                    Payload::ErasureOrder(o) => ("/api/v1/erasure-orders", serde_json::to_value(o)?),
                    Payload::Translation(t) => ("/api/v1/translations", serde_json::to_value(t)?),
                    Payload::TranslationEndorsement(e) => {
                        ("/api/v1/endorsements", serde_json::to_value(e)?)
                    }
                    other => bail!(
                        "a running node takes no {} entries over its API: stop it and publish again",
                        other.kind().name()
                    ),
                };
                let answer = post_json(api, path, token, &body)?;
                Ok(vec![answer_of(&answer)?])
            }
        }
    }
}

/// Erases the payload of this city's entry `target` (the store, or the running node, builds
/// what is signed: see `Store::erasure_payloads_for`). Returns each entry's answer and the way
/// it went.
pub(super) fn publish_erasure(
    dir: &DataDir,
    target: &coalition_record::EntryId,
    reason: &str,
) -> Result<(Vec<(String, &'static str)>, &'static str)> {
    let config = dir.config()?;
    let sink = Sink::open(dir, &config)?;
    let what = format!("erasure of {}", target.short());
    let answers: Vec<(String, &'static str)> = match &sink {
        Sink::Store(store, key) => {
            let payloads = store.erasure_payloads_for(&key.public(), target, reason)?;
            store
                .publish_local(key, &payloads, now_ms())
                .map_err(|e| explain(e.into(), &what))?
                .into_iter()
                .map(|a| {
                    let kind = a
                        .entry
                        .payload
                        .as_ref()
                        .map_or("entry", |(_, p)| p.kind().name());
                    (a.entry.id().to_hex(), kind)
                })
                .collect()
        }
        Sink::Node { api, token } => {
            let answer = post_json(
                api,
                "/api/v1/erasures",
                token,
                &json!({ "target": target.to_hex(), "reason": reason }),
            )
            .map_err(|e| explain(e, &what))?;
            answer
                .get("entries")
                .and_then(|v| v.as_array())
                .context("the running node did not return the entries")?
                .iter()
                .map(|e| {
                    let id = answer_of(e)?.id;
                    let kind = match e.get("kind").and_then(|k| k.as_str()) {
                        Some("practice_revision") => "practice_revision",
                        _ => "erasure",
                    };
                    Ok((id, kind))
                })
                .collect::<Result<_>>()?
        }
    };
    Ok((answers, sink.via()))
}

/// Publishes one payload as this city (to the store, or handed to the running node) and says
/// so: the entry id, and whether it was already published. For commands outside `publish`.
pub(super) fn publish_one(dir: &DataDir, payload: &Payload, what: &str) -> Result<(String, bool)> {
    let (id, existing, via) = publish_quietly(dir, payload, what)?;
    if existing {
        outln!("{id}  already published ({what}); nothing new was signed");
    } else {
        outln!("{id}  stored ({what}, {via})");
    }
    Ok((id, existing))
}

/// [`publish_one`] without the line: the entry id, whether it was already published, and the
/// way it went (for `--json` answers).
pub(super) fn publish_quietly(
    dir: &DataDir,
    payload: &Payload,
    what: &str,
) -> Result<(String, bool, &'static str)> {
    let config = dir.config()?;
    let sink = Sink::open(dir, &config)?;
    let answer = sink
        .append_all(std::slice::from_ref(payload))
        .map_err(|e| explain(e, what))?
        .pop()
        .context("the publish returned no entry")?;
    Ok((answer.id, answer.existing, sink.via()))
}

fn answer_of(value: &serde_json::Value) -> Result<Answer> {
    Ok(Answer {
        id: value
            .get("id")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .context("the running node did not return the entry id")?,
        existing: value
            .get("existing")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
    })
}

/// Resolves an id or unique prefix to one of this city's entries.
fn own_entry(dir: &DataDir, id: &str) -> Result<coalition_store::StoredEntry> {
    let key = dir.city_key()?;
    let store = dir.open_store_read_only()?;
    let entry = store.entry_by_prefix(id)?.with_context(|| {
        format!(
            "no entry {id} here (give the full id or a unique prefix of at least 8 hex characters)"
        )
    })?;
    if entry.entry.header.author != key.public() {
        bail!("entry {id} was published by another city; a city can only retract or revise its own entries");
    }
    Ok(entry)
}

pub(super) fn retract(args: RetractArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let config = dir.config()?;
    let target = own_entry(&dir, &args.id)?;
    let payload = Payload::Retraction(Retraction {
        target: target.id(),
        reason: args.reason.clone(),
    });
    payload.validate()?;
    let sink = Sink::open(&dir, &config)?;
    let id = sink.append(&payload)?;
    if args.json.json {
        print_json(&json!({ "id": id, "retracts": target.id().to_hex() }))?;
    } else {
        outln!(
            "{id}  stored (retraction of {}, {})",
            target.id().short(),
            sink.via()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn revise(args: ReviseArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let config = dir.config()?;
    let target = own_entry(&dir, &args.id)?;
    if target.payload().and_then(|p| p.practice()).is_none() {
        bail!(
            "entry {} is not a practice; only practices can be revised",
            args.id
        );
    }
    let Payload::Practice(practice) = read_payload(&args.file, "practice", &config)? else {
        bail!("{} is not a practice", args.file.display());
    };
    let payload = Payload::PracticeRevision(PracticeRevision {
        supersedes: target.id(),
        practice,
    });
    payload
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let sink = Sink::open(&dir, &config)?;
    let id = sink.append(&payload)?;
    if args.json.json {
        print_json(&json!({ "id": id, "supersedes": target.id().to_hex() }))?;
    } else {
        outln!(
            "{id}  stored (revision of {}, {})",
            target.id().short(),
            sink.via()
        );
    }
    Ok(ExitCode::SUCCESS)
}

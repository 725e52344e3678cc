//! `coalition cycle` (the Steering Committee opens and amends reporting cycles: propose, sign,
//! publish, as roster changes), `coalition report template` (a city's TOML to fill in for a
//! cycle) and `coalition feedback` (signed feedback on a city's report).

use super::publish::publish_one;
use super::{now_ms, print_json};
use crate::cli::{CycleCommand, FeedbackArgs, ReportCommand};
use crate::cli_reporting::{PublishProposalArgs, SignProposalArgs};
use crate::datadir::{load_charter, read_secret_key, DataDir};
use crate::input::read_document;
use anyhow::{bail, Context, Result};
use coalition_record::cycle::{find_cycle, CycleCommitment, CycleDecision};
use coalition_record::{Charter, Hash32, LangText, Payload, PublicKey, RecordError};
use coalition_record::{ReportFeedback, SignedCycleDecision};
use serde::Deserialize;
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The committee's cycle file: a decision without the fields the command fills in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CycleFile {
    period: String,
    title: LangText,
    opens: String,
    deadline: String,
    commitments: Vec<CycleCommitment>,
    #[serde(default)]
    reviewers: Vec<PublicKey>,
}

pub(super) fn run(command: CycleCommand) -> Result<ExitCode> {
    match command {
        CycleCommand::Propose {
            file,
            out,
            amends,
            charter,
            data_dir,
        } => propose(&file, &out, amends.as_deref(), charter, &data_dir.data_dir),
        CycleCommand::Sign(a) => sign_proposal::<SignedCycleDecision>(&a),
        CycleCommand::Publish(PublishProposalArgs { proposal, data_dir }) => {
            let dir = DataDir::new(&data_dir.data_dir);
            let charter = load_charter(&dir.charter_path())?;
            let signed: SignedCycleDecision = read_proposal(&proposal, "a cycle")?;
            check_threshold(signed.verify(&charter), &proposal, "coalition cycle sign")?;
            let what = format!("reporting cycle {}", signed.decision.period);
            publish_one(&dir, &Payload::ReportingCycle(signed.clone()), &what)?;
            outln!("cycle          {} (reports name this id)", signed.id());
            Ok(ExitCode::SUCCESS)
        }
        CycleCommand::List { data_dir, json } => list(&data_dir.data_dir, json.json),
    }
}

pub(super) fn charter_for(given: Option<PathBuf>, data_dir: &Path) -> Result<Charter> {
    match given {
        Some(path) => load_charter(&path),
        None => load_charter(&DataDir::new(data_dir).charter_path()).context(
            "no charter: give --charter FILE (the coalition's charter.toml) or --data-dir DIR",
        ),
    }
}

/// Reads a committee proposal (JSON) written by `propose` and signed in place by `sign`.
pub(super) fn read_proposal<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the proposal {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not {what} proposal (JSON)", path.display()))
}

/// Writes a proposal atomically (a temporary file renamed over it).
pub(super) fn write_proposal<T: serde::Serialize>(path: &Path, signed: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(signed)? + "\n";
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// The committee threshold of a proposal, worded as what to do next.
pub(super) fn check_threshold(
    verified: Result<(), RecordError>,
    path: &Path,
    sign_command: &str,
) -> Result<()> {
    match verified {
        Ok(()) => Ok(()),
        Err(RecordError::BelowThreshold { valid, threshold }) => bail!(
            "{} holds {valid} of {threshold} valid committee signatures: more committee members must `{sign_command}` it",
            path.display()
        ),
        Err(e) => bail!("{}: {e}", path.display()),
    }
}

fn propose(
    file: &Path,
    out: &Path,
    amends: Option<&str>,
    charter: Option<PathBuf>,
    data_dir: &Path,
) -> Result<ExitCode> {
    let charter = charter_for(charter, data_dir)?;
    let f: CycleFile = read_document(file, "reporting cycle")?;
    let amends = match amends {
        Some(text) => Some(
            Hash32::from_hex(text.trim())
                .map_err(|_| anyhow::anyhow!("--amends {text:?} is not a decision id (64 hex)"))?,
        ),
        None => None,
    };
    let decision = CycleDecision {
        network_id: charter.network_id(),
        period: f.period,
        title: f.title,
        opens: f.opens,
        deadline: f.deadline,
        commitments: f.commitments,
        reviewers: f.reviewers,
        amends,
        decided_ms: now_ms(),
    };
    let signed = SignedCycleDecision::unsigned(decision);
    Payload::ReportingCycle(signed.clone())
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    write_proposal(out, &signed)?;
    outln!(
        "proposed the reporting cycle {} (deadline {}){}",
        signed.decision.period,
        signed.decision.deadline,
        if amends.is_some() {
            ", amending an earlier decision"
        } else {
            ""
        }
    );
    outln!("decision id    {}", signed.id());
    outln!("written to     {}", out.display());
    outln!(
        "needs          {} of {} committee signatures",
        charter.threshold,
        charter.committee.len()
    );
    outln!(
        "next: each signer runs `coalition cycle sign {} --committee-key KEY`",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A committee proposal signed member by member: a reporting cycle or an erasure order.
pub(super) trait CommitteeProposal: serde::Serialize + serde::de::DeserializeOwned {
    /// "a cycle", "an erasure order": for messages.
    const WHAT: &'static str;
    /// The command that publishes it.
    const PUBLISH: &'static str;
    fn network_id(&self) -> Hash32;
    fn add_signature(&mut self, key: &coalition_record::SecretKey);
    fn valid_signers(&self, charter: &Charter) -> usize;
}

impl CommitteeProposal for SignedCycleDecision {
    const WHAT: &'static str = "a cycle";
    const PUBLISH: &'static str = "coalition cycle publish";
    fn network_id(&self) -> Hash32 {
        self.decision.network_id
    }
    fn add_signature(&mut self, key: &coalition_record::SecretKey) {
        self.sign_with(key);
    }
    fn valid_signers(&self, charter: &Charter) -> usize {
        self.valid_committee_signers(charter)
    }
}

/// `sign` of a committee proposal: checks the key is the charter's committee's, adds its
/// signature in place and says what is next.
pub(super) fn sign_proposal<T: CommitteeProposal>(a: &SignProposalArgs) -> Result<ExitCode> {
    let charter = charter_for(a.charter.clone(), &a.data_dir.data_dir)?;
    let mut signed: T = read_proposal(&a.proposal, T::WHAT)?;
    let key = super::roster::committee_signer(
        &charter,
        &a.proposal,
        &signed.network_id(),
        &a.committee_key,
    )?;
    signed.add_signature(&key);
    write_proposal(&a.proposal, &signed)?;
    say_signed(
        &key,
        signed.valid_signers(&charter),
        &charter,
        &format!("{} {}", T::PUBLISH, a.proposal.display()),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// What `sign` of a committee proposal reports: the signer, the count, and the next step.
fn say_signed(
    key: &coalition_record::SecretKey,
    valid: usize,
    charter: &Charter,
    publish: &str,
) -> Result<()> {
    outln!("signed by      {}", key.public());
    outln!("signatures     {valid} of {} needed", charter.threshold);
    if valid >= usize::from(charter.threshold) {
        outln!("next: `{publish} --data-dir DIR` on any member city's node");
    }
    Ok(())
}

fn list(data_dir: &Path, as_json: bool) -> Result<ExitCode> {
    let dir = DataDir::new(data_dir);
    let store = dir.open_store_read_only()?;
    let audit = coalition_audit::audit_cycles(&store, now_ms())?;
    if as_json {
        print_json(&serde_json::to_value(&audit.cycles)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if audit.cycles.is_empty() {
        outln!("no reporting cycle yet: the Steering Committee opens one with `coalition cycle propose`");
    }
    for c in &audit.cycles {
        outln!(
            "{}  {}  deadline {}{}  on time {}, late {}, missing {}, due {}  {}",
            c.period,
            c.id.short(),
            c.deadline,
            c.original_deadline
                .as_ref()
                .map(|d| format!(" (extended from {d})"))
                .unwrap_or_default(),
            c.on_time,
            c.late,
            c.missing,
            c.due,
            c.title
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// TOML string literal.
fn toml_str(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

pub(super) fn report(command: ReportCommand) -> Result<ExitCode> {
    let ReportCommand::Template {
        cycle,
        out,
        data_dir,
    } = command;
    let dir = DataDir::new(&data_dir.data_dir);
    let store = dir.open_store_read_only()?;
    let cycles = store.cycles()?;
    let Some(found) = find_cycle(&cycles, &cycle) else {
        bail!("no reporting cycle {cycle:?} on this node: `coalition cycle list` shows the cycles it holds (by period or id)");
    };
    let t = &found.terms;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Report for the reporting cycle {} ({}), deadline {}.\n# Fill in, then: coalition publish report {}\n",
        t.period,
        t.title.get("en").or_else(|| t.title.values().next()).cloned().unwrap_or_default(),
        t.deadline,
        out.as_deref().map_or("FILE".into(), |p| p.display().to_string())
    );
    let _ = writeln!(s, "period = {}", toml_str(&t.period));
    let _ = writeln!(s, "cycle = {}", toml_str(&found.id.to_hex()));
    let _ = writeln!(s, "narrative = {{ en = \"\" }}");
    for asked in &t.commitments {
        let _ = writeln!(s, "\n[[commitments]]\ncommitment = {}", asked.commitment);
        for (lang, q) in &asked.questions {
            let _ = writeln!(s, "# question ({lang}): {}", q.replace('\n', " "));
        }
        let _ = writeln!(
            s,
            "# status: not_started, planned, in_progress or done\nstatus = \"in_progress\"\nnarrative = {{ en = \"\" }}{}",
            if asked.narrative_required {
                "  # required"
            } else {
                ""
            }
        );
        for spec in &asked.indicators {
            let _ = writeln!(
                s,
                "\n[[commitments.indicators]]\n# {}\nname = {}\nunit = {}\nvalue = 0.0",
                if spec.required {
                    "required"
                } else {
                    "optional: delete this block if you have no figure"
                },
                toml_str(&spec.name),
                toml_str(&spec.unit)
            );
        }
    }
    match &out {
        Some(path) => {
            if path.exists() {
                bail!("{} exists; give another --out or remove it", path.display());
            }
            std::fs::write(path, &s).with_context(|| format!("cannot write {}", path.display()))?;
            outln!(
                "template for the cycle {} written to {}; fill it in, then `coalition publish report {}`",
                t.period,
                path.display(),
                path.display()
            );
        }
        None => out!("{s}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn feedback(args: FeedbackArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let key = read_secret_key(&args.signing_key)?;
    let report = {
        let store = dir.open_store_read_only()?;
        store
            .entry_by_prefix(&args.report)?
            .with_context(|| format!("no entry {} on this node (give the report's id or a unique prefix of at least 8 hex characters)", args.report))?
            .id()
    };
    let mut text = LangText::new();
    text.insert(args.lang.clone(), args.text.trim().to_string());
    let feedback = ReportFeedback::sign(&key, report, text);
    let (id, _) = publish_one(
        &dir,
        &Payload::ReportFeedback(feedback),
        &format!("feedback on report {}", report.short()),
    )?;
    if args.json.json {
        print_json(&json!({ "id": id, "report": report, "signer": key.public() }))?;
    }
    Ok(ExitCode::SUCCESS)
}

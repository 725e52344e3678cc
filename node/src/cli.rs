//! Command-line arguments (clap derive).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "coalition",
    version,
    about = "A city node of a coalition of cities against racism: sign, share and audit good practices and reports.",
    after_help = "Start with `coalition demo` for a local demo coalition, or see README.md."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

pub(crate) use crate::cli_args::{DataDirArg, JsonArg};
pub(crate) use crate::cli_erasure::{EraseArgs, ErasureOrderCommand, ErasuresArgs};
pub(crate) use crate::cli_reporting::{CycleCommand, FeedbackArgs, ReportCommand};
pub(crate) use crate::cli_translation::{EndorseArgs, TranslateArgs};

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Create a coalition charter (Steering Committee).
    #[command(subcommand)]
    Charter(CharterCommand),
    /// Admit, suspend and list member cities (Steering Committee).
    #[command(subcommand)]
    Roster(RosterCommand),
    /// Set up a city node: city key, config.toml and store.
    Init(InitArgs),
    /// Write this candidate city's membership application, signed with its city key, for the
    /// Steering Committee (`roster propose admit --application FILE`).
    Apply(ApplyArgs),
    /// Sign and publish a practice, activity update or activity report.
    #[command(subcommand)]
    Publish(PublishCommand),
    /// Retract one of this city's entries.
    Retract(RetractArgs),
    /// Publish a new version of one of this city's practices.
    Revise(ReviseArgs),
    /// Show one entry by id (or a unique id prefix of at least 8 hex characters).
    Show(ShowArgs),
    /// List a city's log (default: this node's city).
    Log(LogArgs),
    /// Find practices, updates and reports.
    ///
    /// Filters take several values by repeating the flag (`--country DE --country AT`): any
    /// value of one filter may match, and every filter given must match. The flags are named as
    /// the parameters of `GET /api/v1/practices` and mean the same: --lang is the reader's
    /// language (ranking and display), --language filters by the language entries are written in.
    Search(SearchArgs),
    /// Re-verify every entry and chain in the store.
    Verify(VerifyArgs),
    /// One screen for the operator: city, node, peers, reachability, sizes, disk and warnings
    /// with what to do (exit 1 when there is a warning).
    Status(StatusArgs),
    /// Rebuild the search index from the store (stop the node first).
    Reindex(VerifyArgs),
    /// Write a consistent backup of the store (RocksDB checkpoint) with the high-water mark.
    Backup(BackupArgs),
    /// Replace the store with a backup (stop the node first), or set up a new data directory from
    /// one (`--city-key`); keeps what this city has signed.
    Restore(RestoreArgs),
    /// Upgrade the store to this build's schema (stop the node first): backup, resumable, verified.
    Migrate(MigrateArgs),
    /// Run the node: gossip, sync, the web page and the local API. Stop with Ctrl-C or SIGTERM.
    Run(RunArgs),
    /// Start a local demo coalition of fictional cities with sample data and the web page.
    Demo(DemoArgs),
    /// Reporting cycles: the Steering Committee opens (or amends) one with propose, sign and
    /// publish; `list` shows each cycle with who filed on time.
    #[command(subcommand)]
    Cycle(CycleCommand),
    /// Activity reports for a cycle: `report template CYCLE` writes the TOML to fill in.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Sign feedback on a city's report with a committee (or reviewer) key and publish it.
    Feedback(FeedbackArgs),
    /// Find personal data (an e-mail address, phone number or name) in the entries this node
    /// holds: what a data subject's access request needs.
    #[command(subcommand, name = "personal-data")]
    PersonalData(PersonalDataCommand),
    /// Translate another city's practice into one language, signed by this city (the practice
    /// page and search then show it, marked with this city as translator).
    Translate(TranslateArgs),
    /// Endorse a translation of one of this city's practices.
    Endorse(EndorseArgs),
    /// Erase the personal data of one of this city's entries on every node: publishes an
    /// erasure (and, for a practice, a version without the contact person first), and each node
    /// deletes the payload and confirms with a receipt.
    Erase(EraseArgs),
    /// The Steering Committee orders any city's payload erased: propose, sign, publish.
    #[command(subcommand, name = "erasure-order")]
    ErasureOrder(ErasureOrderCommand),
    /// Each erasure this node holds, with the member nodes that confirmed it and those that
    /// have not yet.
    Erasures(ErasuresArgs),
    /// Audit the coalition (Steering Committee): reports filed, log integrity, forks, gaps.
    Audit(AuditArgs),
    /// Write a self-contained bundle (charter, roster, logs, fork proofs) that verifies offline.
    Export(ExportArgs),
    /// Verify an exported bundle with no data directory; exit 0 only when all of it holds.
    VerifyBundle(VerifyBundleArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum CharterCommand {
    /// Create a charter and committee key(s) in a new directory.
    New {
        /// The coalition's name.
        #[arg(long)]
        name: String,
        /// Directory to write charter.toml, committee-N.key and roster.txt into.
        #[arg(long)]
        out: PathBuf,
        /// Number of committee keys to create.
        #[arg(long, default_value_t = 1)]
        committee: u8,
        /// Distinct committee signatures a roster change needs.
        #[arg(long, default_value_t = 1)]
        threshold: u8,
    },
    /// Show a charter and its network id.
    Show {
        charter: PathBuf,
        #[command(flatten)]
        json: JsonArg,
    },
}

#[derive(Args, Debug)]
pub(crate) struct RosterFileArgs {
    /// The coalition's charter.toml.
    #[arg(long)]
    pub charter: PathBuf,
    /// The roster history file (default: roster.txt beside the charter).
    #[arg(long)]
    pub roster: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum RosterCommand {
    /// Admit a city: sign the change and append it to the roster file.
    Admit {
        #[command(flatten)]
        files: RosterFileArgs,
        /// A committee secret key file.
        #[arg(long)]
        committee_key: PathBuf,
        /// The city's public key (printed by `coalition init`).
        #[arg(long)]
        city_key: String,
        /// The city's name.
        #[arg(long)]
        city: String,
        /// ISO 3166-1 alpha-2 country code, e.g. FR.
        #[arg(long)]
        country: String,
    },
    /// Suspend a city: its entries after its current last seq are refused.
    Suspend {
        #[command(flatten)]
        files: RosterFileArgs,
        #[arg(long)]
        committee_key: PathBuf,
        /// City name or public key.
        #[arg(long)]
        city: String,
        /// The city's last valid seq (default: as seen in --data-dir, else 0).
        #[arg(long)]
        last_seq: Option<u64>,
        #[arg(long)]
        reason: String,
    },
    /// Write an unsigned roster change (the next version) to a proposal file, for committee
    /// members to sign one by one (`roster sign`) and then `roster publish`.
    #[command(subcommand)]
    Propose(ProposeCommand),
    /// Add one committee signature to a proposal file, in place. Signing twice with one key
    /// counts once.
    Sign {
        /// The proposal file written by `roster propose`.
        proposal: PathBuf,
        /// A committee secret key file.
        #[arg(long)]
        committee_key: PathBuf,
        /// The charter (default: charter.toml beside the committee key, else beside the proposal).
        #[arg(long)]
        charter: Option<PathBuf>,
    },
    /// Check that a proposal holds the threshold of valid committee signatures, then append it to
    /// the roster file and/or apply it to a stopped node's store.
    Publish {
        /// The signed proposal file.
        proposal: PathBuf,
        /// The roster history file to append it to.
        #[arg(long)]
        roster: Option<PathBuf>,
        /// A stopped node whose store should apply it.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The charter (default: charter.toml beside the roster file, else beside the proposal).
        #[arg(long)]
        charter: Option<PathBuf>,
    },
    /// Show the member cities.
    Show {
        /// Read the roster from a node's store …
        #[arg(long, env = "COALITION_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// … or from a charter and roster file.
        #[arg(long)]
        charter: Option<PathBuf>,
        #[arg(long)]
        roster: Option<PathBuf>,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Apply the roster file's newer changes to this node's store.
    Apply {
        #[command(flatten)]
        data_dir: DataDirArg,
        /// Roster file (default: roster.txt beside the node's charter source).
        #[arg(long)]
        roster: PathBuf,
    },
}

/// Where a proposal is written and which roster it extends.
#[derive(Args, Debug)]
pub(crate) struct ProposeArgs {
    #[command(flatten)]
    pub files: RosterFileArgs,
    /// The proposal file to write (refuses to overwrite).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    /// The office that answers for the city in the coalition (name, e-mail or address).
    #[arg(long)]
    pub contact_office: String,
    /// A text file: the city's letter of commitment to the Ten-Point Plan of Action.
    #[arg(long)]
    pub letter: PathBuf,
    /// The letter's language (BCP 47).
    #[arg(long, default_value = "en")]
    pub letter_lang: String,
    /// Where to write the signed application (refuses to overwrite).
    #[arg(long, default_value = "application.toml")]
    pub out: PathBuf,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ProposeCommand {
    /// Propose admitting a city: from its signed application (--application), or by hand.
    Admit {
        #[command(flatten)]
        args: ProposeArgs,
        /// The city's signed membership application (`coalition apply`): key, name and country
        /// are taken from it, after its signature is checked.
        #[arg(long, conflicts_with_all = ["city_key", "city", "country"])]
        application: Option<PathBuf>,
        /// The city's public key (printed by `coalition init`).
        #[arg(long, required_unless_present = "application")]
        city_key: Option<String>,
        /// The city's name.
        #[arg(long, required_unless_present = "application")]
        city: Option<String>,
        /// ISO 3166-1 alpha-2 country code, e.g. FR.
        #[arg(long, required_unless_present = "application")]
        country: Option<String>,
    },
    /// Propose suspending a city: its entries after --last-seq are refused.
    Suspend {
        #[command(flatten)]
        args: ProposeArgs,
        /// City name or public key.
        #[arg(long)]
        city: String,
        /// The city's last valid seq.
        #[arg(long)]
        last_seq: u64,
        #[arg(long)]
        reason: String,
    },
    /// Propose readmitting a suspended city.
    Readmit {
        #[command(flatten)]
        args: ProposeArgs,
        /// City name or public key.
        #[arg(long)]
        city: String,
    },
    /// Propose revoking a city's key: its entries after --cutoff-seq are refused for good.
    Revoke {
        #[command(flatten)]
        args: ProposeArgs,
        /// City name or public key.
        #[arg(long)]
        city: String,
        /// The last seq that stays valid.
        #[arg(long)]
        cutoff_seq: u64,
        #[arg(long)]
        reason: String,
    },
    /// Propose replacing a city's key with a new one.
    Rotate {
        #[command(flatten)]
        args: ProposeArgs,
        /// City name or current public key.
        #[arg(long)]
        city: String,
        /// The new public key.
        #[arg(long)]
        new_key: String,
        /// The old key's last valid seq.
        #[arg(long)]
        last_seq: u64,
    },
}

#[derive(Args, Debug)]
pub(crate) struct InitArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    /// The coalition's charter.toml.
    #[arg(long)]
    pub charter: PathBuf,
    /// This city's name (with --observer: the observer's name, e.g. "National equality body").
    #[arg(long, required_unless_present = "observer")]
    pub city: Option<String>,
    /// This city's ISO 3166-1 alpha-2 country code (optional with --observer).
    #[arg(long, required_unless_present = "observer")]
    pub country: Option<String>,
    /// A read-only observer node: syncs, searches and audits everything, makes no city key and
    /// publishes nothing (an equality body, UNESCO, a researcher).
    #[arg(long)]
    pub observer: bool,
    /// Roster file to import (default: roster.txt beside the charter, if present).
    #[arg(long)]
    pub roster: Option<PathBuf>,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Subcommand, Debug)]
pub(crate) enum PublishCommand {
    /// Publish good-practice records (TOML or JSON files; see docs/examples/practice.toml).
    Practice(PublishArgs),
    /// Publish activity updates (see docs/examples/update.toml).
    Update(PublishArgs),
    /// Publish activity reports (see docs/examples/report.toml).
    Report(PublishArgs),
    /// Record that this city took up another city's practice (see docs/examples/adoption.toml).
    Adoption(PublishArgs),
    /// Ask the authoring city a question about its practice (see docs/examples/question.toml).
    Question(PublishArgs),
    /// Answer a question about one of this city's practices (see docs/examples/answer.toml).
    Answer(PublishArgs),
    /// Test builds only: publish notes of the test-only kind 0xF000 (`text = { en = "…" }`).
    #[cfg(feature = "future-kind")]
    Note(PublishArgs),
}

#[derive(Args, Debug)]
pub(crate) struct PublishArgs {
    /// Input files, TOML (.toml) or JSON (.json). Each is validated before anything is signed.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Args, Debug)]
pub(crate) struct RetractArgs {
    /// Entry id (or unique prefix) of this city's entry to retract.
    pub id: String,
    /// Why, in one sentence; shown beside the retracted entry.
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Args, Debug)]
pub(crate) struct ReviseArgs {
    /// Entry id (or unique prefix) of the practice to replace.
    pub id: String,
    /// The new version (TOML or JSON practice file).
    pub file: PathBuf,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Args, Debug)]
pub(crate) struct ShowArgs {
    pub id: String,
    /// Language to show texts in (all languages are shown in --json).
    #[arg(long)]
    pub lang: Option<String>,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Args, Debug)]
pub(crate) struct LogArgs {
    /// City name or public key (default: this node's city).
    pub city: Option<String>,
    /// First seq to list.
    #[arg(long, default_value_t = 1)]
    pub from: u64,
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KindArg {
    Practice,
    Revision,
    Update,
    Report,
    Retraction,
}

/// Arguments of `coalition search` (the filters' meaning is in the command's help).
#[derive(Args, Debug)]
pub(crate) struct SearchArgs {
    /// Words to look for (full text); leave out to list by filters only.
    pub words: Vec<String>,
    /// Ten-Point-Plan commitment, 1 to 10; repeat for several (any may match).
    #[arg(long)]
    pub commitment: Vec<u8>,
    /// City name or public key; repeat for several (any may match).
    #[arg(long)]
    pub city: Vec<String>,
    /// ISO 3166-1 alpha-2 country code; repeat for several (any may match).
    #[arg(long)]
    pub country: Vec<String>,
    /// Your own language (BCP 47, e.g. fr), as the API's `lang`: its texts rank first and titles
    /// are shown in it. It filters nothing: to keep only entries written in a language, use
    /// --language.
    #[arg(long)]
    pub lang: Option<String>,
    /// Only entries written (at least partly) in this language (BCP 47, e.g. fr), as the API's
    /// `language`; repeat for several (any may match).
    #[arg(long)]
    pub language: Vec<String>,
    /// Kind of entry; repeat for several (any may match).
    #[arg(long, value_enum)]
    pub kind: Vec<KindArg>,
    /// Practices addressing this ground of discrimination (a code of docs/grounds.toml, e.g.
    /// religion_or_belief); repeat for several (any may match).
    #[arg(long)]
    pub ground: Vec<String>,
    /// Practices with a partner of this type (a code of docs/partner-types.toml, e.g.
    /// equality_body); repeat for several (any may match).
    #[arg(long)]
    pub partner_type: Vec<String>,
    /// Practices active in this year (their period overlaps it; no end date means ongoing),
    /// updates and reports of that year; repeat for several (any may match).
    #[arg(long)]
    pub year: Vec<i32>,
    /// Year the practice started, the update's date or the report's period; repeat for several
    /// (any may match).
    #[arg(long)]
    pub started: Vec<i32>,
    /// Published on or after this date (YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,
    /// Published before this date (YYYY-MM-DD).
    #[arg(long)]
    pub until: Option<String>,
    /// Include retracted and superseded entries.
    #[arg(long)]
    pub all: bool,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Args, Debug)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Args, Debug)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Args, Debug)]
pub(crate) struct RestoreArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    /// Backup directory written by `coalition backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// The city's key file, kept apart from the backup. Needed to restore into a new data
    /// directory (a new machine): the directory is then set up from the backup (charter, roster,
    /// config.toml) with this key, a new api.token and a new node.key.
    #[arg(long)]
    pub city_key: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct MigrateArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    /// Where to write the backup of the old store (default: store-v<N>-backup in the data
    /// directory). Must not exist, unless resuming a migration that wrote it.
    #[arg(long)]
    pub backup: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct BackupArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    /// New directory to write the backup into.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    /// Listen address for other nodes (repeatable); default from config.toml
    /// (/ip4/0.0.0.0/tcp/7701 and /ip4/0.0.0.0/udp/7701/quic-v1).
    #[arg(long)]
    pub listen: Vec<String>,
    /// A node to connect to at start (repeatable), added to config.toml's bootstrap list.
    #[arg(long)]
    pub bootstrap: Vec<String>,
    /// Address of the local web page and API; default from config.toml (127.0.0.1:7700).
    #[arg(long)]
    pub api: Option<String>,
    /// Log format: text or json; default from config.toml.
    #[arg(long, value_enum)]
    pub log_format: Option<crate::config::LogFormat>,
    /// Find peers on the local network by mDNS.
    #[arg(long)]
    pub mdns: bool,
    /// Allow peers on loopback and private addresses (several nodes on one machine).
    #[arg(long)]
    pub local: bool,
    /// A relay to be reachable through behind NAT (repeatable), added to config.toml's relays.
    #[arg(long)]
    pub relay: Vec<String>,
    /// Serve as a relay and AutoNAT server for nodes behind NAT.
    #[arg(long)]
    pub relay_server: bool,
}

#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Number of cities (2 to 10).
    #[arg(long, default_value_t = 5)]
    pub cities: usize,
    /// Where the demo's nodes keep their data; recreated at each start.
    #[arg(long, default_value = "demo-data")]
    pub data_dir: PathBuf,
    /// First API port: city i serves its web page on 127.0.0.1:(port + i).
    #[arg(long, default_value_t = 7700)]
    pub port: u16,
    /// Stop by itself after this many seconds (0: run until Ctrl-C).
    #[arg(long, default_value_t = 0)]
    pub seconds: u64,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuditFormat {
    Md,
    Html,
    Json,
    /// The indicator values of reports filed for cycles, one row per city, period and indicator.
    IndicatorsCsv,
    /// Per reporting cycle and city: on time, late, missing or due.
    TimelinessCsv,
}

#[derive(Args, Debug)]
pub(crate) struct AuditArgs {
    /// Reporting period to check compliance for: YYYY, YYYY-H1 or YYYY-H2 (default: the latest
    /// year any report names).
    #[arg(long)]
    pub period: Option<String>,
    #[arg(long, value_enum, default_value = "md")]
    pub format: AuditFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Sign the report with this committee secret key file.
    #[arg(long)]
    pub sign_with: Option<PathBuf>,
    /// Language of the HTML page: en, fr, de, es, it, nl, sv or pt (as `?ui=` on /audit).
    #[arg(long, default_value = "en")]
    pub ui: String,
    /// A peer-announced frontier, CITY=SEQ (city name or key); reported as a gap when this node
    /// holds less. May be repeated.
    #[arg(long = "peer-frontier", value_name = "CITY=SEQ")]
    pub peer_frontiers: Vec<String>,
    #[command(flatten)]
    pub data_dir: DataDirArg,
}

#[derive(Args, Debug)]
pub(crate) struct ExportArgs {
    /// The bundle file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Only this city's log (name or public key); the roster is always complete.
    #[arg(long)]
    pub city: Option<String>,
    /// Only entries from this date on (YYYY-MM-DD, by entry timestamp).
    #[arg(long)]
    pub since: Option<String>,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Args, Debug)]
pub(crate) struct VerifyBundleArgs {
    /// The bundle file written by `coalition export`.
    pub file: PathBuf,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Subcommand, Debug)]
pub(crate) enum PersonalDataCommand {
    /// Every entry whose payload holds the e-mail address, phone number or name (give one).
    Find {
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        data_dir: DataDirArg,
        #[command(flatten)]
        json: JsonArg,
    },
}

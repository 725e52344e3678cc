//! Arguments of the reporting-cycle commands: `coalition cycle`, `report` and `feedback`.

use crate::cli_args::{DataDirArg, JsonArg};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub(crate) enum CycleCommand {
    /// Write a proposal for a reporting cycle from a TOML file (see docs/examples/cycle.toml).
    Propose {
        /// The cycle: period, title, opens, deadline, commitments with questions and indicators.
        file: PathBuf,
        /// The proposal file to write (signed next by each committee member).
        #[arg(long)]
        out: PathBuf,
        /// The decision id this one replaces (to extend a deadline or change the questions).
        #[arg(long)]
        amends: Option<String>,
        /// The coalition's charter (default: the data directory's).
        #[arg(long)]
        charter: Option<PathBuf>,
        #[command(flatten)]
        data_dir: DataDirArg,
    },
    /// Add a committee member's signature to a proposal, in place.
    Sign(SignProposalArgs),
    /// Publish a proposal holding the threshold of signatures through this city's node.
    Publish(PublishProposalArgs),
    /// The cycles this node holds, with who filed on time, late or not at all.
    List {
        #[command(flatten)]
        data_dir: DataDirArg,
        #[command(flatten)]
        json: JsonArg,
    },
}

/// Signing a committee proposal (a reporting cycle, an erasure order) in place.
#[derive(Args, Debug)]
pub(crate) struct SignProposalArgs {
    pub proposal: PathBuf,
    /// A committee member's secret key file.
    #[arg(long)]
    pub committee_key: PathBuf,
    /// The coalition's charter (default: the data directory's).
    #[arg(long)]
    pub charter: Option<PathBuf>,
    #[command(flatten)]
    pub data_dir: DataDirArg,
}

/// Publishing a committee proposal that holds the threshold of signatures.
#[derive(Args, Debug)]
pub(crate) struct PublishProposalArgs {
    pub proposal: PathBuf,
    #[command(flatten)]
    pub data_dir: DataDirArg,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ReportCommand {
    /// Write the TOML report for a cycle (by period or id) with its questions and indicators.
    Template {
        /// The cycle: its period (`2026`, `2026-H1`) or its id.
        cycle: String,
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        data_dir: DataDirArg,
    },
}

#[derive(Args, Debug)]
pub(crate) struct FeedbackArgs {
    /// The report's entry id (or a unique prefix).
    pub report: String,
    /// The feedback, in one language.
    #[arg(long)]
    pub text: String,
    /// The language of --text (BCP 47).
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// The committee member's (or the cycle's reviewer's) secret key file.
    #[arg(long)]
    pub signing_key: PathBuf,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

//! Arguments of the erasure commands: `coalition erase` (a city erases personal data from one of
//! its entries), `coalition erasure-order` (the Steering Committee orders any city's payload
//! erased: propose, sign, publish) and `coalition erasures` (each erasure with its receipts).

use crate::cli_args::{DataDirArg, JsonArg};
use crate::cli_reporting::{PublishProposalArgs, SignProposalArgs};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub(crate) struct EraseArgs {
    /// Entry id (or unique prefix) of this city's entry whose payload is erased.
    pub id: String,
    /// Why, in plain words and without personal data (every node keeps it): "the contact person
    /// left", "request of the data subject".
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ErasureOrderCommand {
    /// Write a proposal to erase the payload of any city's entry (for a data subject whose city
    /// does not act); committee members then sign it.
    Propose {
        /// The entry id whose payload is erased.
        #[arg(long)]
        target: String,
        /// Why, without personal data.
        #[arg(long)]
        reason: String,
        /// The proposal file to write.
        #[arg(long)]
        out: PathBuf,
        /// The coalition's charter (default: the data directory's).
        #[arg(long)]
        charter: Option<PathBuf>,
        #[command(flatten)]
        data_dir: DataDirArg,
    },
    /// Add a committee member's signature to a proposal, in place.
    Sign(SignProposalArgs),
    /// Publish an order holding the threshold of signatures through this city's node.
    Publish(PublishProposalArgs),
}

#[derive(Args, Debug)]
pub(crate) struct ErasuresArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

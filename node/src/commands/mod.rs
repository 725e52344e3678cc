//! One module per group of commands; `run` dispatches.

pub(crate) mod apply;
mod audit;
mod charter;
mod cycle;
pub(crate) mod demo;
mod erase;
mod handoff;
pub(crate) mod init;
mod migrate;
mod personal;
mod publish;
mod read;
mod restore;
mod roster;
pub(crate) mod roster_file;
pub(crate) mod run_node;
mod status;
mod translate;
mod verify;

use crate::cli::{Cli, Command};
use anyhow::Result;
use std::process::ExitCode;

pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Charter(c) => charter::run(c),
        Command::Roster(c) => roster::run(c),
        Command::Init(a) => init::run(a),
        Command::Apply(a) => apply::run(a),
        Command::Publish(c) => publish::publish(c),
        Command::Retract(a) => publish::retract(a),
        Command::Revise(a) => publish::revise(a),
        Command::Show(a) => read::show(a),
        Command::Log(a) => read::log(a),
        Command::Search(a) => read::search(a),
        Command::Verify(a) => verify::verify(a),
        Command::Status(a) => status::status(a),
        Command::Reindex(a) => read::reindex(a),
        Command::Backup(a) => verify::backup(a),
        Command::Restore(a) => restore::restore(a),
        Command::Migrate(a) => migrate::migrate(a),
        Command::Run(a) => run_node::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Cycle(c) => cycle::run(c),
        Command::Report(c) => cycle::report(c),
        Command::Feedback(a) => cycle::feedback(a),
        Command::PersonalData(c) => personal::run(c),
        Command::Translate(a) => translate::translate(a),
        Command::Endorse(a) => translate::endorse(a),
        Command::Erase(a) => erase::erase(a),
        Command::ErasureOrder(c) => erase::order(c),
        Command::Erasures(a) => erase::list(a),
        Command::Audit(a) => audit::audit(a),
        Command::Export(a) => audit::export(a),
        Command::VerifyBundle(a) => audit::verify_bundle(a),
    }
}

/// Milliseconds since the Unix epoch, now.
pub(crate) use coalition_record::calendar::now_ms;

pub(crate) fn print_json(value: &serde_json::Value) -> Result<()> {
    outln!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
    Ok(())
}

//! The `coalition` binary's code: one binary for city IT (init, run, backup), coordinators
//! (publish, search, show) and the Steering Committee (charter, roster, verify). A library so
//! that the test-only `coalition-future` binary (built with a payload kind today's nodes do not
//! know, for the mixed-version test) is the same program.

#![warn(missing_docs, unreachable_pub)]

// First, so that its macros (`outln!`, `out!`) are in scope in every module below.
#[macro_use]
mod out;
mod cli;
mod cli_args;
mod cli_erasure;
mod cli_reporting;
mod cli_translation;
mod commands;
mod config;
mod datadir;
mod demo_cycles;
mod demo_data;
mod erasure_duty;
mod input;
mod node;
mod output;
mod personal_data;
mod search_index;
mod status_report;

use clap::Parser;
use std::process::ExitCode;

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        // The reader of our output went away (`coalition log | head -1`): a normal end.
        Err(error) if out::is_stdout_closed(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // One clear line: the error and its causes, outermost first.
            let mut line = format!("error: {error}");
            for cause in error.chain().skip(1) {
                line.push_str(&format!(": {cause}"));
            }
            eprintln!("{line}");
            ExitCode::from(2)
        }
    }
}

//! Arguments of `coalition translate` (this city translates another city's practice into one
//! language) and `coalition endorse` (this city vouches for a translation of its own practice).

use crate::cli_args::{DataDirArg, JsonArg};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub(crate) struct TranslateArgs {
    /// Entry id (or unique prefix) of the practice version translated.
    pub id: String,
    /// The translation (TOML or JSON): from_lang, lang, title, summary, and any of body,
    /// rationale, approach, results, transferability.
    pub file: PathBuf,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Args, Debug)]
pub(crate) struct EndorseArgs {
    /// Entry id (or unique prefix) of a translation of one of this city's practices.
    pub id: String,
    #[command(flatten)]
    pub data_dir: DataDirArg,
    #[command(flatten)]
    pub json: JsonArg,
}

//! Arguments shared by many commands: the data directory and `--json`.

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub(crate) struct DataDirArg {
    /// The node's data directory (config.toml, keys, store).
    #[arg(long, env = "COALITION_DATA_DIR", default_value = "coalition-data")]
    pub data_dir: PathBuf,
}

#[derive(Args, Debug, Clone, Copy)]
pub(crate) struct JsonArg {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

//! Network errors, in words an operator can act on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("network configuration: {0}")]
    Config(String),
    #[error("transport key file {path}: {detail}")]
    KeyFile { path: PathBuf, detail: String },
    #[error("building the libp2p transport: {0}")]
    Transport(String),
    #[error("cannot listen on {addr}: {detail}")]
    Listen { addr: String, detail: String },
    #[error("cannot dial {addr}: {detail}")]
    Dial { addr: String, detail: String },
    #[error("publishing: {0}")]
    Publish(String),
    #[error("the network task has stopped")]
    Closed,
    #[error(transparent)]
    Store(#[from] coalition_store::StoreError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

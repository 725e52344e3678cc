//! Network errors, in words an operator can act on.

use std::path::PathBuf;

/// Why starting the network, or a [`NetHandle`](crate::NetHandle) call, failed.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// A `NetConfig` value out of range, or gossipsub or Kademlia refused the settings built from
    /// it.
    #[error("network configuration: {0}")]
    Config(String),
    /// The transport key file could not be read, parsed or created.
    #[error("transport key file {path}: {detail}")]
    KeyFile {
        /// The file named in the configuration.
        path: PathBuf,
        /// What went wrong, for the operator.
        detail: String,
    },
    /// The transports (TCP, QUIC, DNS, WebSocket, relay client) or the behaviours could not be
    /// built.
    #[error("building the libp2p transport: {0}")]
    Transport(String),
    /// A listen address was refused, its listener failed or closed, or not every address was
    /// bound within 10 s.
    #[error("cannot listen on {addr}: {detail}")]
    Listen {
        /// The address (or which listeners) concerned.
        addr: String,
        /// What went wrong.
        detail: String,
    },
    /// libp2p refused to dial the address (a failed connection attempt is not reported here).
    #[error("cannot dial {addr}: {detail}")]
    Dial {
        /// The address dialled.
        addr: String,
        /// libp2p's reason.
        detail: String,
    },
    /// The message is over `max_gossip_message`, or gossipsub refused it for a reason other than
    /// no peers, a duplicate or full queues (those are a [`Delivery`](crate::Delivery)).
    #[error("publishing: {0}")]
    Publish(String),
    /// The network task has stopped (shut down or panicked): the handle is dead.
    #[error("the network task has stopped")]
    Closed,
    /// A store call failed.
    #[error(transparent)]
    Store(#[from] coalition_store::StoreError),
    /// An I/O error outside the key file.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

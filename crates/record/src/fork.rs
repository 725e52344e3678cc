//! Fork proofs: two validly signed entries by one city at one seq, the evidence that the city
//! equivocated (PROTOCOL.md §14.2, gossip variant `02`). Pure: the store keeps them, gossip
//! carries them, bundles export them, and all of them check them here.

use crate::{PublicKey, RecordError, SignedEntry};
use serde::{Deserialize, Serialize};

/// Two validly signed entries by one city at one seq: proof that the city equivocated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForkProof {
    /// One entry's bytes, as signed (in a proof this node made, the one it held first).
    #[serde(with = "crate::codec::byte_vec")]
    pub first: Vec<u8>,
    /// The other entry's bytes: same author and seq, another id.
    #[serde(with = "crate::codec::byte_vec")]
    pub second: Vec<u8>,
}

impl ForkProof {
    /// Checks the proof stands on its own: both entries decode, verify, share author and seq,
    /// and differ. Returns the equivocating city and the seq.
    pub fn verify(&self) -> Result<(PublicKey, u64), RecordError> {
        let a = SignedEntry::decode(&self.first)?;
        let b = SignedEntry::decode(&self.second)?;
        a.verify_signature()?;
        b.verify_signature()?;
        if a.header.author != b.header.author || a.header.seq != b.header.seq || a.id() == b.id() {
            return Err(RecordError::Malformed {
                what: "fork proof",
                detail: "the two entries must share author and seq and differ".into(),
            });
        }
        Ok((a.header.author, a.header.seq))
    }
}

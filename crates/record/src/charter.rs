//! The charter: a coalition's genesis document. Its canonical bytes hash to the network id.

use crate::bytes::{Hash32, PublicKey};
use crate::codec;
use crate::error::RecordError;
use crate::limits::MAX_COMMITTEE;
use crate::FORMAT_VERSION;
use serde::{Deserialize, Serialize};

/// Protocol version spoken by this build; named in the charter.
pub const PROTOCOL_VERSION: u16 = 1;

/// A coalition's charter (PROTOCOL.md §3): its name, its Steering Committee and the number of
/// committee signatures a decision needs. Not signed: it is the trust root, and its canonical
/// bytes hash to the [`NetworkId`](crate::NetworkId).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Charter {
    /// Format version: [`FORMAT_VERSION`] (1); another is refused (`format_version`).
    pub version: u8,
    /// The coalition's name, for people.
    pub name: String,
    /// The Steering Committee's public keys, in the order the charter lists them.
    pub committee: Vec<PublicKey>,
    /// Distinct committee signatures a roster change needs.
    pub threshold: u8,
    /// The protocol version the coalition speaks: [`PROTOCOL_VERSION`].
    pub protocol_version: u16,
    /// When the charter was written (ms since the Unix epoch), so two charters with the same
    /// name and committee still have different network ids.
    pub created_ms: i64,
}

impl Charter {
    /// A charter of this build's format and protocol version, validated (see [`Charter::validate`]).
    pub fn new(
        name: &str,
        committee: Vec<PublicKey>,
        threshold: u8,
        created_ms: i64,
    ) -> Result<Self, RecordError> {
        let charter = Charter {
            version: FORMAT_VERSION,
            name: name.to_string(),
            committee,
            threshold,
            protocol_version: PROTOCOL_VERSION,
            created_ms,
        };
        charter.validate()?;
        Ok(charter)
    }

    /// The charter rules of PROTOCOL.md §3: version 1; a name of 1 to 200 bytes, not blank; 1 to
    /// 64 distinct committee keys, each a valid ed25519 key; a threshold from 1 to the committee
    /// size; this build's protocol version. A failure is the rule `charter` (`format_version` for
    /// the version).
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.version != FORMAT_VERSION {
            return Err(RecordError::UnsupportedVersion {
                what: "charter",
                found: self.version,
                expected: FORMAT_VERSION,
            });
        }
        if self.name.trim().is_empty() || self.name.len() > 200 {
            return Err(RecordError::Charter(
                "name must be 1 to 200 bytes of text".into(),
            ));
        }
        if self.committee.is_empty() || self.committee.len() > MAX_COMMITTEE {
            return Err(RecordError::Charter(format!(
                "committee must have 1 to {MAX_COMMITTEE} keys, it has {}",
                self.committee.len()
            )));
        }
        let mut sorted = self.committee.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != self.committee.len() {
            return Err(RecordError::Charter(
                "committee lists the same key twice".into(),
            ));
        }
        if let Some(bad) = self.committee.iter().find(|k| k.verifying_key().is_none()) {
            return Err(RecordError::Charter(format!(
                "committee key {bad} is not a valid ed25519 public key"
            )));
        }
        if self.threshold == 0 || usize::from(self.threshold) > self.committee.len() {
            return Err(RecordError::Charter(format!(
                "threshold must be between 1 and the committee size {}, it is {}",
                self.committee.len(),
                self.threshold
            )));
        }
        if self.protocol_version != PROTOCOL_VERSION {
            return Err(RecordError::Charter(format!(
                "protocol version {} is not spoken by this build (it speaks {PROTOCOL_VERSION})",
                self.protocol_version
            )));
        }
        Ok(())
    }

    /// The charter's canonical postcard encoding: the bytes the network id hashes.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// The network id: BLAKE3 of [`Charter::canonical_bytes`].
    pub fn network_id(&self) -> Hash32 {
        Hash32::of(&self.canonical_bytes())
    }

    /// Whether `key` is one of the Steering Committee's keys.
    pub fn is_committee(&self, key: &PublicKey) -> bool {
        self.committee.contains(key)
    }
}

//! Erasure orders and receipts (PROTOCOL.md §8.9): the Steering Committee's threshold-signed
//! order to erase any city's payload (kind 13), for a data subject whose own city does not act,
//! and the receipt each node signs once it has deleted an erased payload (kind 12), so that the
//! city and the committee can show which copies are gone.
//!
//! A city erases its own payloads with an [`crate::payload::Erasure`] (kind 6). An order travels
//! in the log of whichever member city publishes it: its authority is the committee signatures
//! it carries, checked against the charter by every node, as for reporting cycles.

use crate::bytes::Hash32;
use crate::charter::Charter;
use crate::codec;
use crate::error::RecordError;
use crate::keys::SecretKey;
use crate::roster::CommitteeSignature;
use serde::{Deserialize, Serialize};

/// Domain separation: committee signatures over an erasure order are over this tag and its bytes.
pub const ERASURE_ORDER_SIGNING_TAG: &[u8] = b"coalition/erasure-order/v1";

/// The committee's order to erase the payload of one entry, whichever city signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErasureOrder {
    /// The coalition the order is for.
    pub network_id: Hash32,
    /// The entry whose payload is erased (its header, signature and chain stay).
    pub target: Hash32,
    /// Why, in plain words (no personal data: it is kept by every node).
    pub reason: String,
    /// When the committee decided (ms since the Unix epoch; informational).
    pub decided_ms: i64,
}

/// An order with the committee signatures gathered for it: the payload of kind 13.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedErasureOrder {
    /// The order, as signed.
    pub order: ErasureOrder,
    /// Committee signatures over [`ErasureOrder::signing_message`]; at least the charter's
    /// threshold of distinct committee keys must verify.
    #[serde(default)]
    pub signatures: Vec<CommitteeSignature>,
}

/// A node's statement that it deleted an erased payload from its store and index (kind 12), in
/// its own city's log. The entry's timestamp is when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErasureReceipt {
    /// The entry id of the erasure (kind 6) or order (kind 13) applied.
    pub erasure: Hash32,
}

impl ErasureOrder {
    /// What committee members sign: [`ERASURE_ORDER_SIGNING_TAG`] followed by the order's
    /// postcard bytes.
    pub fn signing_message(&self) -> Vec<u8> {
        let mut message = ERASURE_ORDER_SIGNING_TAG.to_vec();
        message.extend(codec::encode(self));
        message
    }
}

impl SignedErasureOrder {
    /// The order with no signature yet.
    pub fn unsigned(order: ErasureOrder) -> Self {
        SignedErasureOrder {
            order,
            signatures: Vec::new(),
        }
    }

    /// Adds (or replaces) `key`'s signature.
    pub fn sign_with(&mut self, key: &SecretKey) {
        crate::roster::add_committee_signature(
            &mut self.signatures,
            key,
            &self.order.signing_message(),
        );
    }

    /// Valid signatures by distinct committee keys.
    pub fn valid_committee_signers(&self, charter: &Charter) -> usize {
        crate::roster::count_committee_signers(
            charter,
            &self.order.signing_message(),
            &self.signatures,
        )
    }

    /// The rule "committee threshold" for an order: this coalition's, signed by at least
    /// `threshold` committee members.
    pub fn verify(&self, charter: &Charter) -> Result<(), RecordError> {
        crate::roster::check_committee_threshold(
            charter,
            self.order.network_id,
            &self.order.signing_message(),
            &self.signatures,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_needs_the_threshold_of_distinct_committee_signatures() {
        // Three committee keys, threshold 2.
        let (charter, keys) = crate::cycle::tests::charter_and_keys();
        let mut order = SignedErasureOrder::unsigned(ErasureOrder {
            network_id: charter.network_id(),
            target: Hash32([7; 32]),
            reason: "a data subject's request".into(),
            decided_ms: 1_700_000_000_000,
        });
        order.sign_with(&keys[0]);
        order.sign_with(&keys[0]);
        let refused = order.verify(&charter).expect_err("one signer is below 2");
        assert!(
            matches!(
                refused,
                RecordError::BelowThreshold {
                    valid: 1,
                    threshold: 2
                }
            ),
            "{refused}"
        );
        order.sign_with(&keys[1]);
        order.verify(&charter).expect("two of three");
        // An outsider's signature does not count, and a changed order loses its signatures.
        let mut changed = order.clone();
        changed.order.target = Hash32([8; 32]);
        assert!(changed.verify(&charter).is_err());
        let mut other = SignedErasureOrder::unsigned(order.order.clone());
        other.sign_with(&SecretKey::generate());
        other.sign_with(&keys[2]);
        assert!(other.verify(&charter).is_err());
    }
}

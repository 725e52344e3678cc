//! Signed log entries: the header a city signs, the entry (header and signature), the salted
//! payload it commits to, and the wire form that carries both.

use crate::bytes::{Hash32, PublicKey, SignatureBytes};
use crate::codec;
use crate::error::RecordError;
use crate::keys::SecretKey;
use crate::limits::{MAX_ENTRY_BYTES, MAX_PAYLOAD_BYTES, MAX_WIRE_ENTRY_BYTES};
use crate::payload::Payload;
use crate::FORMAT_VERSION;
use serde::{Deserialize, Serialize};

/// Domain separation: a city signs this tag followed by the header's canonical bytes.
pub const ENTRY_SIGNING_TAG: &[u8] = b"coalition/entry/v1";
/// Length of a payload's salt in bytes (PROTOCOL.md §6).
pub const SALT_LEN: usize = 16;
const SIGNATURE_LEN: usize = 64;

pub use crate::bytes::EntryId;

/// What a city signs for one entry of its log (PROTOCOL.md §5): its place in the log and a
/// commitment to the payload, which can be erased while the header still verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryHeader {
    /// Format version: [`FORMAT_VERSION`] (1); another is refused (`format_version`).
    pub version: u8,
    /// The coalition the entry belongs to; another coalition's is refused (`network_id`).
    pub network_id: Hash32,
    /// The city key that signs the entry; it must be on the roster (the author rule, §4).
    pub author: PublicKey,
    /// Position in the author's log: 1, 2, 3…; 0 is refused (`chain_shape`).
    pub seq: u64,
    /// The id of the author's entry at `seq - 1`; `None` exactly when `seq` is 1.
    pub prev: Option<EntryId>,
    /// Informational only: never used for ordering.
    pub timestamp_ms: i64,
    /// The payload's kind code (PROTOCOL.md §8; [`PayloadKind::code`](crate::PayloadKind::code));
    /// 0 is refused, a code this node does not know is kept (§8.7).
    pub kind: u16,
    /// BLAKE3(salt || payload bytes).
    pub payload_commitment: Hash32,
    /// Length of the payload bytes (without the salt).
    pub payload_len: u32,
}

impl EntryHeader {
    /// What the author signs: [`ENTRY_SIGNING_TAG`] followed by the header's canonical bytes.
    pub fn signing_message(header_bytes: &[u8]) -> Vec<u8> {
        let mut message = Vec::with_capacity(ENTRY_SIGNING_TAG.len() + header_bytes.len());
        message.extend_from_slice(ENTRY_SIGNING_TAG);
        message.extend_from_slice(header_bytes);
        message
    }
}

/// A decoded entry with the exact bytes it came from. Holding one says nothing about validity
/// beyond canonical decoding; see [`VerifiedEntry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEntry {
    /// The decoded header.
    pub header: EntryHeader,
    /// The author's ed25519 signature over [`EntryHeader::signing_message`] of the header bytes;
    /// not checked by decoding (see [`SignedEntry::verify_signature`]).
    pub signature: SignatureBytes,
    bytes: Vec<u8>,
    id: EntryId,
}

impl SignedEntry {
    /// Rules, in order: size limit, decode, canonical encoding, format version, kind (not 0).
    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        Self::decode_checked(bytes, true)
    }

    /// Decodes an entry this node checked before it stored it (see [`codec::decode_stored`]):
    /// the same rules but the re-encoding check of canonical form, which would double the cost
    /// of reading a city's log. `verify` re-checks stored bytes in full.
    pub fn decode_stored(bytes: &[u8]) -> Result<Self, RecordError> {
        Self::decode_checked(bytes, false)
    }

    fn decode_checked(bytes: &[u8], canonical: bool) -> Result<Self, RecordError> {
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(RecordError::TooLarge {
                what: "entry",
                size: bytes.len(),
                limit: MAX_ENTRY_BYTES,
            });
        }
        if bytes.len() <= SIGNATURE_LEN {
            return Err(RecordError::Malformed {
                what: "entry",
                detail: format!(
                    "{} bytes is too short for a header and signature",
                    bytes.len()
                ),
            });
        }
        let (header_bytes, signature) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
        let header: EntryHeader = if canonical {
            codec::decode_canonical("entry header", header_bytes, MAX_ENTRY_BYTES)?
        } else {
            codec::decode_stored("entry header", header_bytes)?
        };
        if header.version != FORMAT_VERSION {
            return Err(RecordError::UnsupportedVersion {
                what: "entry",
                found: header.version,
                expected: FORMAT_VERSION,
            });
        }
        // Any other kind code is accepted: a newer version's kind is stored and forwarded (§8.7).
        if header.kind == 0 {
            return Err(RecordError::UnknownKind { kind: header.kind });
        }
        let mut sig = [0u8; SIGNATURE_LEN];
        sig.copy_from_slice(signature);
        Ok(SignedEntry {
            header,
            signature: SignatureBytes(sig),
            bytes: bytes.to_vec(),
            id: Hash32::of(bytes),
        })
    }

    /// Signs a new entry carrying `payload`, with a fresh random salt.
    pub fn create(
        key: &SecretKey,
        network_id: Hash32,
        seq: u64,
        prev: Option<EntryId>,
        timestamp_ms: i64,
        payload: &Payload,
    ) -> (SignedEntry, PayloadBlob) {
        Self::create_with_salt(
            key,
            network_id,
            seq,
            prev,
            timestamp_ms,
            payload,
            rand::random(),
        )
    }

    /// As [`SignedEntry::create`] with a given salt (test vectors, reproducible fixtures).
    pub fn create_with_salt(
        key: &SecretKey,
        network_id: Hash32,
        seq: u64,
        prev: Option<EntryId>,
        timestamp_ms: i64,
        payload: &Payload,
        salt: [u8; SALT_LEN],
    ) -> (SignedEntry, PayloadBlob) {
        let blob = PayloadBlob {
            salt,
            bytes: payload.to_bytes(),
        };
        let header = EntryHeader {
            version: FORMAT_VERSION,
            network_id,
            author: key.public(),
            seq,
            prev,
            timestamp_ms,
            kind: payload.kind().code(),
            payload_commitment: blob.commitment(),
            payload_len: u32::try_from(blob.bytes.len()).unwrap_or(u32::MAX),
        };
        let header_bytes = codec::encode(&header);
        let signature = key.sign(&EntryHeader::signing_message(&header_bytes));
        let mut bytes = header_bytes;
        bytes.extend_from_slice(&signature.0);
        let id = Hash32::of(&bytes);
        (
            SignedEntry {
                header,
                signature,
                bytes,
                id,
            },
            blob,
        )
    }

    /// The entry id: BLAKE3 of the entry bytes (header and signature).
    pub fn id(&self) -> EntryId {
        self.id
    }

    /// The entry bytes: the header bytes followed by the 64-byte signature.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The header's canonical bytes: the entry bytes without the signature.
    pub fn header_bytes(&self) -> &[u8] {
        &self.bytes[..self.bytes.len() - SIGNATURE_LEN]
    }

    /// The rule "network id": the header names this coalition (`WrongNetwork` otherwise).
    pub fn check_network(&self, network_id: &Hash32) -> Result<(), RecordError> {
        if &self.header.network_id != network_id {
            return Err(RecordError::WrongNetwork {
                expected: *network_id,
                found: self.header.network_id,
            });
        }
        Ok(())
    }

    /// The rule "signature": strict ed25519 verification by the header's author.
    pub fn verify_signature(&self) -> Result<(), RecordError> {
        let message = EntryHeader::signing_message(self.header_bytes());
        if self.header.author.verify(&message, &self.signature) {
            Ok(())
        } else {
            Err(RecordError::BadSignature {
                author: self.header.author,
            })
        }
    }
}

/// A payload's bytes and the salt that blinds its commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadBlob {
    /// Random per entry; blinds the commitment, so the header reveals nothing of an erased
    /// payload.
    pub salt: [u8; SALT_LEN],
    /// The payload bytes (PROTOCOL.md §8), at most [`MAX_PAYLOAD_BYTES`].
    #[serde(with = "crate::codec::byte_vec")]
    pub bytes: Vec<u8>,
}

impl PayloadBlob {
    /// The payload commitment: BLAKE3 of the salt followed by the payload bytes (no lengths).
    pub fn commitment(&self) -> Hash32 {
        Hash32::of_parts(&[&self.salt, &self.bytes])
    }

    /// Rules, in order: size limit, payload length, payload commitment, decode, canonical
    /// encoding, payload kind, payload schema.
    pub fn check_against(&self, header: &EntryHeader) -> Result<Payload, RecordError> {
        if self.bytes.len() > MAX_PAYLOAD_BYTES {
            return Err(RecordError::TooLarge {
                what: "payload",
                size: self.bytes.len(),
                limit: MAX_PAYLOAD_BYTES,
            });
        }
        if usize::try_from(header.payload_len).ok() != Some(self.bytes.len()) {
            return Err(RecordError::PayloadLengthMismatch {
                declared: header.payload_len,
                actual: self.bytes.len(),
            });
        }
        if self.commitment() != header.payload_commitment {
            return Err(RecordError::CommitmentMismatch);
        }
        let payload = Payload::decode(&self.bytes)?;
        if payload.kind().code() != header.kind {
            return Err(RecordError::KindMismatch {
                declared: header.kind,
                actual: payload.kind().code(),
            });
        }
        payload.validate()?;
        Ok(payload)
    }
}

/// What travels in gossip and sync and what the store keeps: the entry's bytes and, unless it was
/// erased, its salted payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireEntry {
    /// The entry bytes (PROTOCOL.md §5), as a byte string.
    #[serde(with = "crate::codec::byte_vec")]
    pub entry: Vec<u8>,
    /// The salted payload; `None` once the payload was erased.
    pub payload: Option<PayloadBlob>,
}

impl WireEntry {
    /// The wire form of `entry` with `payload`, or without one when erased.
    pub fn new(entry: &SignedEntry, payload: Option<PayloadBlob>) -> Self {
        WireEntry {
            entry: entry.bytes().to_vec(),
            payload,
        }
    }

    /// The canonical bytes, as gossip and sync carry them.
    pub fn to_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes canonical bytes of at most [`MAX_WIRE_ENTRY_BYTES`]. The entry inside is not
    /// decoded here (see [`SignedEntry::decode`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        codec::decode_canonical("wire entry", bytes, MAX_WIRE_ENTRY_BYTES)
    }
}

/// An entry that passed every stateless rule (network, signature, payload) and the roster rule at
/// the time it was checked. Made by [`VerifiedEntry::verify`] or
/// [`VerifiedEntry::with_verified_signature`].
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEntry {
    /// The entry, its signature verified.
    pub entry: SignedEntry,
    /// The payload as it came and as decoded, checked against the header; `None` when the
    /// payload was erased (or not sent).
    pub payload: Option<(PayloadBlob, Payload)>,
}

impl VerifiedEntry {
    /// Runs the signature and payload rules on an entry whose cheap rules (decode, network,
    /// roster, chain) the caller has already applied.
    pub fn verify(entry: SignedEntry, blob: Option<PayloadBlob>) -> Result<Self, RecordError> {
        entry.verify_signature()?;
        Self::with_verified_signature(entry, blob)
    }

    /// For entries whose signature was checked in a batch by the caller.
    pub fn with_verified_signature(
        entry: SignedEntry,
        blob: Option<PayloadBlob>,
    ) -> Result<Self, RecordError> {
        let payload = match blob {
            Some(blob) => {
                let payload = blob.check_against(&entry.header)?;
                Some((blob, payload))
            }
            None => None,
        };
        Ok(VerifiedEntry { entry, payload })
    }

    /// The entry id.
    pub fn id(&self) -> EntryId {
        self.entry.id()
    }

    /// The wire form: the entry bytes and the payload blob, if held.
    pub fn to_wire(&self) -> WireEntry {
        WireEntry::new(&self.entry, self.payload.as_ref().map(|(b, _)| b.clone()))
    }
}

//! The roster: the committee-signed chain of membership changes, and the member list it yields.
//!
//! Roster change n+1 names the id of change n and carries signatures over its canonical bytes
//! from at least `threshold` distinct committee keys. A change's id is the hash of the change
//! alone, so signatures can be gathered one by one without changing what is being signed.

use crate::bytes::{Hash32, PublicKey, SignatureBytes};
use crate::charter::Charter;
use crate::codec;
use crate::error::RecordError;
use crate::limits::MAX_ROSTER_CHANGE_BYTES;
use crate::schema;
use crate::FORMAT_VERSION;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Domain separation: committee signatures are over this tag followed by the change's bytes.
pub const ROSTER_SIGNING_TAG: &[u8] = b"coalition/roster-change/v1";

/// What a roster change does (PROTOCOL.md §4); the variant index is its tag on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RosterAction {
    /// Adds a city as active. The key must not be on the roster yet and must be a valid,
    /// not small-order ed25519 key.
    Admit {
        /// The city key it will sign its entries with.
        city: PublicKey,
        /// The city's name: a required short text.
        name: String,
        /// The city's ISO 3166-1 alpha-2 country code.
        country: String,
    },
    /// Suspends an active city: its entries after `last_seq` are refused until it is readmitted.
    Suspend {
        /// The city's key.
        city: PublicKey,
        /// The city's entries up to this seq stay valid; later ones are refused.
        last_seq: u64,
        /// Why: a required short text, public on every node.
        reason: String,
    },
    /// Makes a suspended city active again.
    Readmit {
        /// The city's key.
        city: PublicKey,
    },
    /// Replaces an active city's key: `new` joins as active with the old name and country, `old`
    /// is marked rotated.
    RotateKey {
        /// The key being replaced; must be on the roster and active.
        old: PublicKey,
        /// The new key; must not be on the roster and must be a valid key.
        new: PublicKey,
        /// The old key's entries up to this seq stay valid.
        last_seq: u64,
    },
    /// Revokes a city (whatever its status): its entries after `cutoff_seq` are refused for good.
    Revoke {
        /// The city's key.
        city: PublicKey,
        /// Entries with seq above this are refused; those at or below stay valid.
        cutoff_seq: u64,
        /// Why: a required short text, public on every node.
        reason: String,
    },
}

/// One change of the roster (PROTOCOL.md §4), without its signatures. Its id, the hash of these
/// bytes alone, does not change as signatures are gathered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterChange {
    /// Format version: [`FORMAT_VERSION`] (1).
    pub version: u8,
    /// The coalition whose roster it changes.
    pub network_id: Hash32,
    /// Roster version this change creates: 1, 2, 3…
    pub seq: u64,
    /// The id of change `seq - 1`; `None` for the first change.
    pub prev: Option<Hash32>,
    /// When the change was proposed (ms since the Unix epoch); informational.
    pub timestamp_ms: i64,
    /// What the change does.
    pub action: RosterAction,
}

/// Counts valid signatures over `message` by distinct committee keys; a key that signs twice
/// counts once, a signature by a non-committee key or one that does not verify counts for nothing.
pub(crate) fn count_committee_signers(
    charter: &Charter,
    message: &[u8],
    signatures: &[CommitteeSignature],
) -> usize {
    let mut signers: Vec<PublicKey> = signatures
        .iter()
        .filter(|s| charter.is_committee(&s.signer) && s.signer.verify(message, &s.signature))
        .map(|s| s.signer)
        .collect();
    signers.sort();
    signers.dedup();
    signers.len()
}

/// Adds (or replaces) `key`'s signature over `message`, keeping the list sorted by signer.
pub(crate) fn add_committee_signature(
    signatures: &mut Vec<CommitteeSignature>,
    key: &crate::keys::SecretKey,
    message: &[u8],
) {
    let signer = key.public();
    signatures.retain(|s| s.signer != signer);
    signatures.push(CommitteeSignature {
        signer,
        signature: key.sign(message),
    });
    signatures.sort_by_key(|s| s.signer);
}

/// The rule "committee threshold" for a committee decision carried in an entry (a reporting
/// cycle, an erasure order): made for this coalition, signed by at least `threshold` distinct
/// committee members.
pub(crate) fn check_committee_threshold(
    charter: &Charter,
    network_id: Hash32,
    message: &[u8],
    signatures: &[CommitteeSignature],
) -> Result<(), RecordError> {
    let expected = charter.network_id();
    if network_id != expected {
        return Err(RecordError::WrongNetwork {
            expected,
            found: network_id,
        });
    }
    let valid = count_committee_signers(charter, message, signatures);
    let threshold = usize::from(charter.threshold);
    if valid < threshold {
        return Err(RecordError::BelowThreshold { valid, threshold });
    }
    Ok(())
}

/// One committee member's signature (96 bytes on the wire), over a roster change, a reporting
/// cycle decision or an erasure order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitteeSignature {
    /// The committee key that signed; counts only if the charter names it.
    pub signer: PublicKey,
    /// The ed25519 signature over the structure's signing message (its domain tag and bytes).
    pub signature: SignatureBytes,
}

/// A roster change with the committee signatures gathered for it: what is gossiped, synced and
/// stored, at most [`MAX_ROSTER_CHANGE_BYTES`] encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedRosterChange {
    /// The change, as signed.
    pub change: RosterChange,
    /// Signatures over [`RosterChange::signing_message`], sorted by signer; at least the
    /// charter's threshold of distinct committee keys must verify.
    pub signatures: Vec<CommitteeSignature>,
}

impl RosterChange {
    /// The change's canonical postcard bytes.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// The roster change id: BLAKE3 of the change's bytes, signatures not included.
    pub fn id(&self) -> Hash32 {
        Hash32::of(&self.canonical_bytes())
    }

    /// What committee members sign: [`ROSTER_SIGNING_TAG`] followed by the change's bytes.
    pub fn signing_message(&self) -> Vec<u8> {
        let mut message = ROSTER_SIGNING_TAG.to_vec();
        message.extend_from_slice(&self.canonical_bytes());
        message
    }
}

impl SignedRosterChange {
    /// The change with no signature yet.
    pub fn unsigned(change: RosterChange) -> Self {
        SignedRosterChange {
            change,
            signatures: Vec::new(),
        }
    }

    /// Adds `key`'s signature; signing twice with one key replaces the earlier signature.
    pub fn sign_with(&mut self, key: &crate::keys::SecretKey) {
        let signer = key.public();
        let signature = key.sign(&self.change.signing_message());
        self.signatures.retain(|s| s.signer != signer);
        self.signatures
            .push(CommitteeSignature { signer, signature });
        self.signatures.sort_by_key(|s| s.signer);
    }

    /// The change's id (signatures are not part of it).
    pub fn id(&self) -> Hash32 {
        self.change.id()
    }

    /// The canonical bytes: the change's bytes, the signature count, 96 bytes per signature.
    pub fn to_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Decodes canonical bytes of at most [`MAX_ROSTER_CHANGE_BYTES`]; nothing else is checked.
    pub fn decode(bytes: &[u8]) -> Result<Self, RecordError> {
        codec::decode_canonical("roster change", bytes, MAX_ROSTER_CHANGE_BYTES)
    }

    /// Counts valid signatures by distinct committee keys; a key that signs twice counts once,
    /// a signature by a non-committee key or one that does not verify counts for nothing.
    pub fn valid_committee_signers(&self, charter: &Charter) -> usize {
        count_committee_signers(charter, &self.change.signing_message(), &self.signatures)
    }

    /// Checks version, network and the committee threshold. Chain order is checked by
    /// [`Roster::apply`].
    pub fn verify(&self, charter: &Charter) -> Result<(), RecordError> {
        if self.change.version != FORMAT_VERSION {
            return Err(RecordError::UnsupportedVersion {
                what: "roster change",
                found: self.change.version,
                expected: FORMAT_VERSION,
            });
        }
        let network_id = charter.network_id();
        if self.change.network_id != network_id {
            return Err(RecordError::WrongNetwork {
                expected: network_id,
                found: self.change.network_id,
            });
        }
        let valid = self.valid_committee_signers(charter);
        let threshold = usize::from(charter.threshold);
        if valid < threshold {
            return Err(RecordError::BelowThreshold { valid, threshold });
        }
        Ok(())
    }
}

/// Where a key on the roster stands, and so which of its entries are accepted (the author rule,
/// PROTOCOL.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CityStatus {
    /// A member in good standing: every new entry is accepted.
    Active,
    /// Entries up to `last_seq` stay valid; later ones are refused until readmission.
    Suspended {
        /// Why, as the roster change gave it.
        reason: String,
        /// The last seq of the city's log that stays valid.
        last_seq: u64,
    },
    /// Revoked for good: entries up to `cutoff_seq` stay valid, later ones are refused.
    Revoked {
        /// The last seq of the city's log that stays valid.
        cutoff_seq: u64,
        /// Why, as the roster change gave it.
        reason: String,
    },
    /// The key was replaced by `new`; its entries after `last_seq` are refused.
    Rotated {
        /// The city's new key.
        new: PublicKey,
        /// The last seq of the old key's log that stays valid.
        last_seq: u64,
    },
}

/// One key on the roster: a member city as the roster changes made it. A city whose key was
/// rotated is on the roster twice: the old key rotated, the new one active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityMember {
    /// The city key.
    pub key: PublicKey,
    /// The city's name, as admitted.
    pub name: String,
    /// The city's ISO 3166-1 alpha-2 country code, as admitted.
    pub country: String,
    /// Where the key stands.
    pub status: CityStatus,
    /// Roster version that admitted this key (for a rotated-in key: the rotation's).
    pub admitted_in: u64,
}

/// The member list at one roster version, built by applying changes in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    /// The coalition.
    pub network_id: Hash32,
    /// Roster version (the seq of the last applied change); 0 before any change.
    pub version: u64,
    /// The id of the last change applied; `None` before any.
    pub head: Option<Hash32>,
    /// Every key ever admitted or rotated in, whatever its status, by key.
    pub cities: BTreeMap<PublicKey, CityMember>,
}

impl Roster {
    /// The roster before any change: version 0, no city.
    pub fn empty(network_id: Hash32) -> Self {
        Roster {
            network_id,
            version: 0,
            head: None,
            cities: BTreeMap::new(),
        }
    }

    /// Builds the roster from a full history of changes, verifying each.
    pub fn from_history(
        charter: &Charter,
        history: &[SignedRosterChange],
    ) -> Result<Self, RecordError> {
        let mut roster = Roster::empty(charter.network_id());
        for change in history {
            roster.apply(charter, change)?;
        }
        Ok(roster)
    }

    /// Checks that `change` is the next valid change (signatures, order, preconditions) without
    /// applying it.
    pub fn check(&self, charter: &Charter, signed: &SignedRosterChange) -> Result<(), RecordError> {
        signed.verify(charter)?;
        let change = &signed.change;
        if change.seq != self.version + 1 {
            return Err(RecordError::RosterChange(format!(
                "roster is at version {}, this change is version {}",
                self.version, change.seq
            )));
        }
        if change.prev != self.head {
            return Err(RecordError::RosterChange(format!(
                "change version {} does not name the current roster head as its previous",
                change.seq
            )));
        }
        let member = |key: &PublicKey| {
            self.cities
                .get(key)
                .ok_or_else(|| RecordError::RosterChange(format!("{key} is not on the roster")))
        };
        match &change.action {
            RosterAction::Admit {
                city,
                name,
                country,
            } => {
                if self.cities.contains_key(city) {
                    return Err(RecordError::RosterChange(format!(
                        "{city} is already on the roster"
                    )));
                }
                if city.verifying_key().is_none() {
                    return Err(RecordError::RosterChange(format!(
                        "{city} is not a valid ed25519 public key"
                    )));
                }
                schema::short_text("name", name, true)?;
                schema::country("country", country)?;
            }
            RosterAction::Suspend { city, reason, .. } => {
                schema::short_text("reason", reason, true)?;
                if member(city)?.status != CityStatus::Active {
                    return Err(RecordError::RosterChange(format!(
                        "{city} is not active, so it cannot be suspended"
                    )));
                }
            }
            RosterAction::Readmit { city } => {
                if !matches!(member(city)?.status, CityStatus::Suspended { .. }) {
                    return Err(RecordError::RosterChange(format!(
                        "{city} is not suspended, so it cannot be readmitted"
                    )));
                }
            }
            RosterAction::RotateKey { old, new, .. } => {
                if member(old)?.status != CityStatus::Active {
                    return Err(RecordError::RosterChange(format!(
                        "{old} is not active, so its key cannot be rotated"
                    )));
                }
                if self.cities.contains_key(new) || new.verifying_key().is_none() {
                    return Err(RecordError::RosterChange(format!(
                        "the new key {new} is already on the roster or not a valid key"
                    )));
                }
            }
            RosterAction::Revoke { city, reason, .. } => {
                schema::short_text("reason", reason, true)?;
                member(city)?;
            }
        }
        let size = signed.to_bytes().len();
        if size > MAX_ROSTER_CHANGE_BYTES {
            return Err(RecordError::TooLarge {
                what: "roster change",
                size,
                limit: MAX_ROSTER_CHANGE_BYTES,
            });
        }
        Ok(())
    }

    /// Checks `signed` ([`Roster::check`]) and applies it: the action, then the version and head.
    pub fn apply(
        &mut self,
        charter: &Charter,
        signed: &SignedRosterChange,
    ) -> Result<(), RecordError> {
        self.check(charter, signed)?;
        let change = &signed.change;
        match &change.action {
            RosterAction::Admit {
                city,
                name,
                country,
            } => {
                self.cities.insert(
                    *city,
                    CityMember {
                        key: *city,
                        name: name.clone(),
                        country: country.clone(),
                        status: CityStatus::Active,
                        admitted_in: change.seq,
                    },
                );
            }
            RosterAction::Suspend {
                city,
                reason,
                last_seq,
            } => {
                self.set_status(
                    city,
                    CityStatus::Suspended {
                        reason: reason.clone(),
                        last_seq: *last_seq,
                    },
                );
            }
            RosterAction::Readmit { city } => self.set_status(city, CityStatus::Active),
            RosterAction::RotateKey { old, new, last_seq } => {
                if let Some(previous) = self.cities.get(old).cloned() {
                    self.cities.insert(
                        *new,
                        CityMember {
                            key: *new,
                            status: CityStatus::Active,
                            admitted_in: change.seq,
                            ..previous
                        },
                    );
                }
                self.set_status(
                    old,
                    CityStatus::Rotated {
                        new: *new,
                        last_seq: *last_seq,
                    },
                );
            }
            RosterAction::Revoke {
                city,
                cutoff_seq,
                reason,
            } => self.set_status(
                city,
                CityStatus::Revoked {
                    cutoff_seq: *cutoff_seq,
                    reason: reason.clone(),
                },
            ),
        }
        self.version = change.seq;
        self.head = Some(change.id());
        Ok(())
    }

    fn set_status(&mut self, key: &PublicKey, status: CityStatus) {
        if let Some(member) = self.cities.get_mut(key) {
            member.status = status;
        }
    }

    /// The rule "author on roster": may `author` append an entry at `seq` now?
    pub fn check_author(&self, author: &PublicKey, seq: u64) -> Result<&CityMember, RecordError> {
        let member = self
            .cities
            .get(author)
            .ok_or(RecordError::UnknownAuthor { author: *author })?;
        match &member.status {
            CityStatus::Active => Ok(member),
            CityStatus::Suspended { last_seq, .. } | CityStatus::Rotated { last_seq, .. }
                if seq <= *last_seq =>
            {
                Ok(member)
            }
            CityStatus::Suspended { .. } | CityStatus::Rotated { .. } => {
                Err(RecordError::AuthorSuspended {
                    author: *author,
                    city: member.name.clone(),
                })
            }
            CityStatus::Revoked { cutoff_seq, .. } if seq <= *cutoff_seq => Ok(member),
            CityStatus::Revoked { cutoff_seq, .. } => Err(RecordError::AuthorRevoked {
                author: *author,
                city: member.name.clone(),
                cutoff: *cutoff_seq,
                seq,
            }),
        }
    }

    /// The member whose name matches (ASCII case ignored), or whose key's hex matches in full
    /// or starts with a prefix of at least 8 characters.
    pub fn find_by_name(&self, name_or_key: &str) -> Option<&CityMember> {
        let wanted = name_or_key.trim();
        self.cities.values().find(|m| {
            m.name.eq_ignore_ascii_case(wanted)
                || m.key.to_hex() == wanted.to_ascii_lowercase()
                || (wanted.len() >= 8 && m.key.to_hex().starts_with(&wanted.to_ascii_lowercase()))
        })
    }
}

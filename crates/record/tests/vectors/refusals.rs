//! The refusal vectors of docs/PROTOCOL.md §12.1 and the signature vectors of §12.2: each input
//! breaks exactly one rule, and a checker that applies §10's order names exactly that rule. The
//! document's hex must equal what this file computes; the verdicts are checked with the crate's
//! own pieces in §10's order, and the signature vectors also with ed25519-dalek's
//! `verify_strict`, which differs from the protocol's rule on exactly the vectors that say so.

use crate::common::{
    admit_action, admit_change, charter, city_key, committee_key, roster_change, stranger_key,
    vector_practice, CREATED_MS, SALT,
};
use coalition_record::cycle::{CycleCommitment, CycleDecision, IndicatorSpec, ReportFeedback};
use coalition_record::{
    chain_position, codec, signature, Charter, EntryHeader, Hash32, Payload, PayloadBlob,
    PublicKey, RecordError, Roster, RosterAction, SecretKey, SignatureBytes, SignedEntry,
    SignedRosterChange, WireEntry,
};

mod roster_and_signatures;
pub use roster_and_signatures::verify_strict_accepts;
use roster_and_signatures::{roster_refusals, signature_vectors};

/// What a vector is checked as, and against which state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Wire entry bytes, against the §12 charter and roster, no entry held.
    Entry,
    /// Wire entry bytes, with the §12 entry held (the author's frontier is seq 1).
    EntryAfterVector,
    /// Wire entry bytes, against the roster after the context change `suspend change`.
    EntryAfterSuspend,
    /// Wire entry bytes, against the roster after the context change `revoke change`.
    EntryAfterRevoke,
    /// Signed roster change bytes, as the first change of the §12 charter's roster.
    FirstRosterChange,
    /// Signed roster change bytes, as the change after the §12 admit change.
    SecondRosterChange,
    /// Charter bytes.
    Charter,
    /// 32-byte key ‖ 64-byte signature ‖ message, checked by the rule of §1.
    Signature,
}

pub struct Refusal {
    pub label: &'static str,
    /// The §10 rule name, or `accepted`.
    pub verdict: &'static str,
    pub input: Input,
    pub bytes: Vec<u8>,
}

/// The header of the §12 entry, decoded, to derive variants from.
fn vector_header() -> (EntryHeader, PayloadBlob) {
    let charter = charter();
    let payload = Payload::Practice(vector_practice());
    let (entry, blob) = SignedEntry::create_with_salt(
        &city_key(),
        charter.network_id(),
        1,
        None,
        CREATED_MS,
        &payload,
        SALT,
    );
    (entry.header, blob)
}

/// Signs raw header bytes with `key` and wraps them with `blob` as a wire entry.
fn signed_wire(key: &SecretKey, header_bytes: &[u8], blob: Option<PayloadBlob>) -> Vec<u8> {
    let signature = key.sign(&EntryHeader::signing_message(header_bytes));
    let mut entry = header_bytes.to_vec();
    entry.extend_from_slice(&signature.0);
    codec::encode(&WireEntry {
        entry,
        payload: blob,
    })
}

fn header_wire(key: &SecretKey, header: &EntryHeader, blob: PayloadBlob) -> Vec<u8> {
    signed_wire(key, &codec::encode(header), Some(blob))
}

/// A header committing to `bytes` as the payload, with the §12 salt.
fn with_payload_bytes(mut header: EntryHeader, bytes: Vec<u8>) -> (EntryHeader, PayloadBlob) {
    let blob = PayloadBlob { salt: SALT, bytes };
    header.payload_commitment = blob.commitment();
    header.payload_len = blob.bytes.len() as u32;
    (header, blob)
}

/// The id of the §12 entry (what the erasure vectors name).
fn vector_entry_id() -> Hash32 {
    let wire = WireEntry::decode(&vector_wire()).expect("the §12 wire entry");
    SignedEntry::decode(&wire.entry)
        .expect("the §12 entry")
        .id()
}

fn vector_wire() -> Vec<u8> {
    let (header, blob) = vector_header();
    header_wire(&city_key(), &header, blob)
}

/// The context change at roster version 2: `action`, signed by the committee.
pub fn second_change(action: RosterAction) -> SignedRosterChange {
    let charter = charter();
    let admit = admit_change(&charter);
    let change = roster_change(charter.network_id(), 2, Some(admit.id()), action);
    let mut signed = SignedRosterChange::unsigned(change);
    signed.sign_with(&committee_key());
    signed
}

pub fn suspend_change() -> SignedRosterChange {
    second_change(RosterAction::Suspend {
        city: city_key().public(),
        last_seq: 0,
        reason: "Did not report".into(),
    })
}

pub fn revoke_change() -> SignedRosterChange {
    second_change(RosterAction::Revoke {
        city: city_key().public(),
        cutoff_seq: 0,
        reason: "Left the coalition".into(),
    })
}

/// The context vectors: inputs some refusal vectors are checked against.
pub fn contexts() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("suspend change", suspend_change().to_bytes()),
        ("revoke change", revoke_change().to_bytes()),
    ]
}

fn entry_refusals() -> Vec<Refusal> {
    let city = city_key();
    let (base, blob) = vector_header();
    let base_bytes = codec::encode(&base);
    let mut v = Vec::new();
    let mut push = |label, verdict, input, bytes| {
        v.push(Refusal {
            label,
            verdict,
            input,
            bytes,
        })
    };

    push(
        "entry of 513 bytes",
        "size_limit",
        Input::Entry,
        codec::encode(&WireEntry {
            entry: vec![0u8; 513],
            payload: None,
        }),
    );
    push(
        "entry of 64 bytes",
        "decode",
        Input::Entry,
        codec::encode(&WireEntry {
            entry: vec![0u8; 64],
            payload: None,
        }),
    );
    // The wire entry's payload option tag (right after the entry bytes) set to 2.
    let mut bad_tag = vector_wire();
    let tag_at = 2 + base_bytes.len() + 64;
    assert_eq!(bad_tag[tag_at], 1, "the payload option tag");
    bad_tag[tag_at] = 2;
    push("payload option tag 2", "decode", Input::Entry, bad_tag);
    // seq 1 written as the overlong varint 81 00, then signed.
    let mut overlong = base_bytes[..65].to_vec();
    overlong.extend_from_slice(&[0x81, 0x00]);
    overlong.extend_from_slice(&base_bytes[66..]);
    push(
        "seq as an overlong varint",
        "canonical_encoding",
        Input::Entry,
        signed_wire(&city, &overlong, Some(blob.clone())),
    );
    let mut version = base.clone();
    version.version = 2;
    push(
        "header version 2",
        "format_version",
        Input::Entry,
        header_wire(&city, &version, blob.clone()),
    );
    let mut kind = base.clone();
    kind.kind = 0;
    push(
        "header kind 0",
        "payload_kind",
        Input::Entry,
        header_wire(&city, &kind, blob.clone()),
    );
    kind.kind = 7;
    push(
        "header kind 7 over a practice payload",
        "payload_kind",
        Input::Entry,
        header_wire(&city, &kind, blob.clone()),
    );
    // A kind this version does not know (§8.7): checked for all but its body, then kept.
    let mut unknown_kind = base.clone();
    unknown_kind.kind = 100;
    let (header, unknown) = with_payload_bytes(unknown_kind, vec![1, 99, 0x2a]);
    push(
        "kind 100 with a payload of variant 99",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, unknown),
    );
    let mut network = base.clone();
    network.network_id = Hash32([0u8; 32]);
    push(
        "network id of zeros",
        "network_id",
        Input::Entry,
        header_wire(&city, &network, blob.clone()),
    );
    let mut stranger = base.clone();
    stranger.author = stranger_key().public();
    push(
        "author not on the roster",
        "unknown_author",
        Input::Entry,
        header_wire(&stranger_key(), &stranger, blob.clone()),
    );
    push(
        "author suspended",
        "author_suspended",
        Input::EntryAfterSuspend,
        vector_wire(),
    );
    push(
        "author revoked",
        "author_revoked",
        Input::EntryAfterRevoke,
        vector_wire(),
    );
    let mut zero = base.clone();
    zero.seq = 0;
    push(
        "seq 0",
        "chain_shape",
        Input::Entry,
        header_wire(&city, &zero, blob.clone()),
    );
    let mut prev_at_one = base.clone();
    prev_at_one.prev = Some(Hash32([0u8; 32]));
    push(
        "seq 1 with a prev",
        "chain_shape",
        Input::Entry,
        header_wire(&city, &prev_at_one, blob.clone()),
    );
    let mut wrong_prev = base.clone();
    wrong_prev.seq = 2;
    wrong_prev.prev = Some(Hash32([0u8; 32]));
    push(
        "seq 2 naming another prev",
        "prev_mismatch",
        Input::EntryAfterVector,
        header_wire(&city, &wrong_prev, blob.clone()),
    );
    // The last byte of the signature (the top of s) flipped.
    let mut flipped = vector_wire();
    flipped[2 + base_bytes.len() + 63] ^= 0x01;
    push("signature bit flipped", "signature", Input::Entry, flipped);
    let other_salt = PayloadBlob {
        salt: [4u8; 16],
        bytes: blob.bytes.clone(),
    };
    push(
        "payload with another salt",
        "payload_commitment",
        Input::Entry,
        codec::encode(&WireEntry {
            entry: {
                let mut e = base_bytes.clone();
                e.extend_from_slice(&city.sign(&EntryHeader::signing_message(&base_bytes)).0);
                e
            },
            payload: Some(other_salt),
        }),
    );
    let mut length = base.clone();
    length.payload_len = blob.bytes.len() as u32 + 1;
    push(
        "payload_len one too many",
        "payload_length",
        Input::Entry,
        header_wire(&city, &length, blob.clone()),
    );
    let mut trailing = blob.bytes.clone();
    trailing.push(0);
    let (header, trailing) = with_payload_bytes(base.clone(), trailing);
    push(
        "payload with a trailing byte",
        "canonical_encoding",
        Input::Entry,
        header_wire(&city, &header, trailing),
    );
    let mut version_zero = blob.bytes.clone();
    version_zero[0] = 0;
    let (header, version_zero) = with_payload_bytes(base.clone(), version_zero);
    push(
        "payload version 0",
        "format_version",
        Input::Entry,
        header_wire(&city, &header, version_zero),
    );
    let mut version_two = blob.bytes.clone();
    version_two[0] = 2;
    let (header, bare) = with_payload_bytes(base.clone(), version_two.clone());
    push(
        "payload version 2 without extension fields",
        "canonical_encoding",
        Input::Entry,
        header_wire(&city, &header, bare),
    );
    // Extension field 5 of 3 bytes, then field 9 of none: fields this version does not read.
    let mut extended = version_two.clone();
    extended.extend_from_slice(&[5, 3, 0xaa, 0xbb, 0xcc, 9, 0]);
    let (header, extended_blob) = with_payload_bytes(base.clone(), extended);
    push(
        "payload version 2 with extension fields 5 and 9",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, extended_blob),
    );
    let mut unordered = version_two;
    unordered.extend_from_slice(&[9, 0, 5, 3, 0xaa, 0xbb, 0xcc]);
    let (header, unordered) = with_payload_bytes(base.clone(), unordered);
    push(
        "payload version 2 with extension fields 9 then 5",
        "canonical_encoding",
        Input::Entry,
        header_wire(&city, &header, unordered),
    );
    let mut version_three = blob.bytes.clone();
    version_three[0] = 3;
    version_three.extend_from_slice(b"a body of a newer version");
    let (header, version_three) = with_payload_bytes(base.clone(), version_three);
    push(
        "payload version 3",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, version_three),
    );
    // The first extension field in use: a practice's grounds (§8.1).
    let mut with_grounds = vector_practice();
    with_grounds.grounds = vec!["age".into(), "gender".into()];
    let (header, grounds_blob) =
        with_payload_bytes(base.clone(), Payload::Practice(with_grounds).to_bytes());
    push(
        "practice with grounds age and gender",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, grounds_blob),
    );
    let mut reversed = blob.bytes.clone();
    reversed[0] = 2;
    let field = codec::encode(&vec!["gender".to_string(), "age".to_string()]);
    reversed.push(1);
    reversed.push(field.len() as u8);
    reversed.extend_from_slice(&field);
    let (header, reversed) = with_payload_bytes(base.clone(), reversed);
    push(
        "practice with grounds gender then age",
        "payload_schema",
        Input::Entry,
        header_wire(&city, &header, reversed),
    );
    // Reporting cycles (§4.3, kinds 10 and 11, report field 2).
    let cycle_decision = |network_id: Hash32| {
        coalition_record::SignedCycleDecision::unsigned(CycleDecision {
            network_id,
            period: "2024".into(),
            title: [("en".to_string(), "Report 2024".to_string())].into(),
            opens: "2025-01-01".into(),
            deadline: "2025-03-31".into(),
            commitments: vec![CycleCommitment {
                commitment: 3,
                questions: Default::default(),
                narrative_required: false,
                indicators: vec![IndicatorSpec {
                    name: "complaints received".into(),
                    unit: "complaints".into(),
                    required: true,
                }],
            }],
            reviewers: Vec::new(),
            amends: None,
            decided_ms: CREATED_MS,
        })
    };
    let with_kind = |kind: u16, payload: Payload| {
        let mut header = base.clone();
        header.kind = kind;
        with_payload_bytes(header, payload.to_bytes())
    };
    let mut by_committee = cycle_decision(charter().network_id());
    by_committee.sign_with(&committee_key());
    let cycle_id = by_committee.id();
    let (header, cycle_blob) = with_kind(10, Payload::ReportingCycle(by_committee));
    push(
        "reporting cycle signed by the committee",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, cycle_blob),
    );
    let mut by_city = cycle_decision(charter().network_id());
    by_city.sign_with(&city);
    let (header, city_blob) = with_kind(10, Payload::ReportingCycle(by_city));
    push(
        "reporting cycle signed by a city key",
        "committee_threshold",
        Input::Entry,
        header_wire(&city, &header, city_blob),
    );
    let report = coalition_record::ActivityReport {
        city: "Testville".into(),
        country: "FR".into(),
        period: "2024".into(),
        narrative: Default::default(),
        commitments: vec![coalition_record::CommitmentReport {
            commitment: 3,
            status: coalition_record::ReportStatus::InProgress,
            narrative: Default::default(),
            indicators: vec![coalition_record::Indicator {
                name: "complaints received".into(),
                value: 12.0,
                unit: "complaints".into(),
            }],
        }],
        illustrative: false,
        grounds: Vec::new(),
        cycle: Some(cycle_id),
    };
    let (header, report_blob) = with_kind(4, Payload::ActivityReport(report));
    push(
        "report naming its cycle in field 2",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, report_blob),
    );
    let text: coalition_record::LangText = [(
        "en".to_string(),
        "Please add the resolved complaints.".to_string(),
    )]
    .into();
    let feedback = ReportFeedback::sign(&committee_key(), cycle_id, text);
    let (header, feedback_blob) = with_kind(11, Payload::ReportFeedback(feedback.clone()));
    push(
        "feedback signed by the committee",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, feedback_blob),
    );
    let mut altered = feedback;
    altered
        .text
        .insert("en".into(), "Please add nothing.".into());
    let (header, altered_blob) = with_kind(11, Payload::ReportFeedback(altered));
    push(
        "feedback whose text changed after signing",
        "payload_schema",
        Input::Entry,
        header_wire(&city, &header, altered_blob),
    );
    // §8.9: an erasure with its reason, a node's receipt, and committee orders.
    let erasure = Payload::Erasure(coalition_record::payload::Erasure {
        target: vector_entry_id(),
        reason: "The contact person left.".into(),
    });
    let (header, erasure_blob) = with_kind(6, erasure);
    push(
        "erasure with its reason in field 1",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, erasure_blob),
    );
    let receipt = Payload::ErasureReceipt(coalition_record::erasure::ErasureReceipt {
        erasure: vector_entry_id(),
    });
    let (header, receipt_blob) = with_kind(12, receipt);
    push(
        "erasure receipt",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, receipt_blob),
    );
    let order = |signer: &SecretKey| {
        let mut order = coalition_record::erasure::SignedErasureOrder::unsigned(
            coalition_record::erasure::ErasureOrder {
                network_id: charter().network_id(),
                target: vector_entry_id(),
                reason: "Request of the data subject.".into(),
                decided_ms: CREATED_MS,
            },
        );
        order.sign_with(signer);
        Payload::ErasureOrder(order)
    };
    let (header, order_blob) = with_kind(13, order(&committee_key()));
    push(
        "erasure order signed by the committee",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, order_blob),
    );
    let (header, order_blob) = with_kind(13, order(&city));
    push(
        "erasure order signed by a city key",
        "committee_threshold",
        Input::Entry,
        header_wire(&city, &header, order_blob),
    );
    // §8.10: a translation of the §12 practice, and one into the language it is from.
    let translation = |lang: &str| {
        Payload::Translation(coalition_record::translation::Translation {
            source: vector_entry_id(),
            from_lang: "en".into(),
            lang: lang.into(),
            title: "Probar las agencias de alquiler".into(),
            summary: "Pruebas por parejas en agencias de alquiler.".into(),
            body: String::new(),
            rationale: String::new(),
            approach: String::new(),
            results: String::new(),
            transferability: String::new(),
        })
    };
    let (header, es_blob) = with_kind(14, translation("es"));
    push(
        "translation into Spanish",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, es_blob),
    );
    let (header, en_blob) = with_kind(14, translation("en-GB"));
    push(
        "translation into the language it is from",
        "payload_schema",
        Input::Entry,
        header_wire(&city, &header, en_blob),
    );
    let endorsement =
        Payload::TranslationEndorsement(coalition_record::translation::TranslationEndorsement {
            translation: vector_entry_id(),
        });
    let (header, endorsement_blob) = with_kind(15, endorsement);
    push(
        "translation endorsement",
        "accepted",
        Input::Entry,
        header_wire(&city, &header, endorsement_blob),
    );
    let mut update_kind = base.clone();
    update_kind.kind = 3;
    push(
        "practice under kind 3",
        "payload_kind",
        Input::Entry,
        header_wire(&city, &update_kind, blob.clone()),
    );
    for (label, verdict, end) in [
        (
            "period end a month before the start",
            "payload_schema",
            "2024-04",
        ),
        (
            "period end a day in the year, start a month",
            "accepted",
            "2024-04-30",
        ),
        (
            "period end a year before the start",
            "payload_schema",
            "2023-12-31",
        ),
    ] {
        let mut practice = vector_practice();
        practice.period.start = "2024-05".into();
        practice.period.end = Some(end.into());
        let (header, blob) =
            with_payload_bytes(base.clone(), Payload::Practice(practice).to_bytes());
        push(
            label,
            verdict,
            Input::Entry,
            header_wire(&city, &header, blob),
        );
    }
    v
}

/// Every refusal and signature vector, in the document's order.
pub fn refusal_vectors() -> Vec<Refusal> {
    let mut v = entry_refusals();
    v.extend(roster_refusals());
    v.extend(signature_vectors());
    v
}

fn base_roster(charter: &Charter) -> Roster {
    let mut roster = Roster::empty(charter.network_id());
    roster
        .apply(charter, &admit_change(charter))
        .expect("the §12 admit applies");
    roster
}

/// §10's order for an entry: size and decode, network, author, chain position, signature,
/// payload. `held` is the one entry held of the author, if any.
fn check_entry(
    bytes: &[u8],
    roster: &Roster,
    network_id: Hash32,
    held: Option<&SignedEntry>,
) -> Result<(), RecordError> {
    let charter = charter();
    let wire = WireEntry::decode(bytes)?;
    let entry = SignedEntry::decode(&wire.entry)?;
    entry.check_network(&network_id)?;
    roster.check_author(&entry.header.author, entry.header.seq)?;
    let frontier = held.map(|h| (h.header.seq, h.id()));
    let at_seq = held
        .filter(|h| h.header.seq == entry.header.seq)
        .map(|h| h.id());
    chain_position(frontier, at_seq, &entry.header, entry.id())?;
    entry.verify_signature()?;
    if let Some(blob) = &wire.payload {
        // §4.3: a committee decision carries the charter's threshold of committee signatures.
        match blob.check_against(&entry.header)? {
            Payload::ReportingCycle(decision) => decision.verify(&charter)?,
            // §8.9: so does a committee erasure order.
            Payload::ErasureOrder(order) => order.verify(&charter)?,
            _ => {}
        }
    }
    Ok(())
}

/// The verdict the protocol gives a vector: `accepted` or the rule name.
pub fn verdict_of(vector: &Refusal) -> String {
    let charter = charter();
    let network_id = charter.network_id();
    let mut roster = base_roster(&charter);
    let result = match vector.input {
        Input::Entry => check_entry(&vector.bytes, &roster, network_id, None),
        Input::EntryAfterVector => {
            let wire = WireEntry::decode(&vector_wire()).expect("the §12 wire entry");
            let held = SignedEntry::decode(&wire.entry).expect("the §12 entry");
            check_entry(&vector.bytes, &roster, network_id, Some(&held))
        }
        Input::EntryAfterSuspend | Input::EntryAfterRevoke => {
            let context = if vector.input == Input::EntryAfterSuspend {
                suspend_change()
            } else {
                revoke_change()
            };
            roster
                .apply(&charter, &context)
                .expect("the context change applies");
            check_entry(&vector.bytes, &roster, network_id, None)
        }
        Input::FirstRosterChange => SignedRosterChange::decode(&vector.bytes)
            .and_then(|c| Roster::empty(network_id).apply(&charter, &c)),
        Input::SecondRosterChange => {
            SignedRosterChange::decode(&vector.bytes).and_then(|c| roster.apply(&charter, &c))
        }
        Input::Charter => codec::decode_canonical::<Charter>("charter", &vector.bytes, 64 * 1024)
            .and_then(|c| c.validate()),
        Input::Signature => {
            let (key, rest) = vector.bytes.split_at(32);
            let (sig, message) = rest.split_at(64);
            let key = PublicKey(key.try_into().expect("32 bytes"));
            let sig = SignatureBytes(sig.try_into().expect("64 bytes"));
            if signature::verify(&key, message, &sig) {
                Ok(())
            } else {
                Err(RecordError::BadSignature { author: key })
            }
        }
    };
    match result {
        Ok(()) => "accepted".into(),
        Err(e) => e.rule().into(),
    }
}

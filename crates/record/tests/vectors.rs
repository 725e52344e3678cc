//! The hex test vectors of docs/PROTOCOL.md, checked three ways: the crate recomputes each one;
//! a small independent encoder written from the document's byte rules (not from the crate's
//! types) rebuilds the signed structures; and blake3 and ed25519-dalek, called directly, check
//! every hash and signature. Editing the document or the encoding wrongly fails here.
//!
//! To regenerate after a deliberate format change: `COALITION_PRINT_VECTORS=1 cargo test
//! --workspace --test record vectors -- --nocapture` prints every vector line.

mod refusals;

use crate::common::{
    admit_change, charter, city_key, committee_key, vector_practice, CREATED_MS, SALT,
};
use coalition_record::{
    chain_position, ChainPosition, Hash32, Payload, PayloadBlob, Roster, SignedEntry,
    SignedRosterChange, VerifiedEntry, WireEntry,
};
use std::collections::BTreeMap;

const PROTOCOL_MD: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/PROTOCOL.md"
));

/// Every vector the document must carry, in the order it lists them.
const LABELS: &[&str] = &[
    "committee seed",
    "committee public key",
    "city seed",
    "city public key",
    "charter bytes",
    "network id",
    "roster change bytes",
    "roster change id",
    "roster change signature",
    "signed roster change bytes",
    "payload bytes",
    "salt",
    "payload commitment",
    "header bytes",
    "entry signature",
    "entry bytes",
    "entry id",
    "wire entry bytes",
    "gossip message bytes",
    "gossip message id",
];

/// The `- label: hex` lines of the "Test vectors" section.
fn doc_vectors() -> BTreeMap<String, Vec<u8>> {
    let mut in_section = false;
    let mut out = BTreeMap::new();
    for line in PROTOCOL_MD.lines() {
        if line.starts_with("## ") || line.starts_with("### ") {
            // §12's own list ends where its subsections (refusal vectors) begin.
            in_section = line.starts_with("## ") && line.contains("Test vectors");
            continue;
        }
        if !in_section {
            continue;
        }
        let Some(rest) = line.strip_prefix("- ") else {
            continue;
        };
        let Some((label, value)) = rest.split_once(':') else {
            continue;
        };
        let value = value.trim().trim_matches('`');
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let bytes =
            hex::decode(value).unwrap_or_else(|e| panic!("vector '{label}' is not hex: {e}"));
        let previous = out.insert(label.trim().to_string(), bytes);
        assert!(previous.is_none(), "vector '{label}' is listed twice");
    }
    out
}

/// The vectors as the crate computes them.
fn computed() -> Vec<(&'static str, Vec<u8>)> {
    let charter = charter();
    let network_id = charter.network_id();
    let admit = admit_change(&charter);
    let payload = Payload::Practice(vector_practice());
    let (entry, blob) =
        SignedEntry::create_with_salt(&city_key(), network_id, 1, None, CREATED_MS, &payload, SALT);
    let wire = WireEntry::new(&entry, Some(blob.clone()));
    // PROTOCOL.md §14.2: the gossip message is the tag byte 0 (an entry) and the wire entry.
    let gossip: Vec<u8> = [0u8].into_iter().chain(wire.to_bytes()).collect();
    let v = vec![
        ("committee seed", vec![1u8; 32]),
        ("committee public key", committee_key().public().0.to_vec()),
        ("city seed", vec![2u8; 32]),
        ("city public key", city_key().public().0.to_vec()),
        ("charter bytes", charter.canonical_bytes()),
        ("network id", network_id.0.to_vec()),
        ("roster change bytes", admit.change.canonical_bytes()),
        ("roster change id", admit.id().0.to_vec()),
        (
            "roster change signature",
            admit.signatures[0].signature.0.to_vec(),
        ),
        ("signed roster change bytes", admit.to_bytes()),
        ("payload bytes", payload.to_bytes()),
        ("salt", SALT.to_vec()),
        (
            "payload commitment",
            entry.header.payload_commitment.0.to_vec(),
        ),
        ("header bytes", entry.header_bytes().to_vec()),
        ("entry signature", entry.signature.0.to_vec()),
        ("entry bytes", entry.bytes().to_vec()),
        ("entry id", entry.id().0.to_vec()),
        ("wire entry bytes", wire.to_bytes()),
        ("gossip message bytes", gossip.clone()),
        ("gossip message id", Hash32::of(&gossip).0.to_vec()),
    ];
    assert_eq!(
        v.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        LABELS,
        "computed() and LABELS disagree"
    );
    v
}

fn print_vectors(vectors: &[(&str, Vec<u8>)]) {
    for (label, bytes) in vectors {
        println!("- {label}: {}", hex::encode(bytes));
    }
}

#[test]
fn doc_vectors_match_the_crate() {
    let computed = computed();
    if std::env::var_os("COALITION_PRINT_VECTORS").is_some() {
        print_vectors(&computed);
    }
    let doc = doc_vectors();
    let mut problems = Vec::new();
    for (label, bytes) in &computed {
        match doc.get(*label) {
            None => problems.push(format!("missing in docs/PROTOCOL.md: '{label}'")),
            Some(found) if found != bytes => problems.push(format!(
                "'{label}': the document says {}, the crate computes {}",
                hex::encode(found),
                hex::encode(bytes)
            )),
            Some(_) => {}
        }
    }
    for label in doc.keys() {
        if !LABELS.contains(&label.as_str()) {
            problems.push(format!(
                "unknown vector label in docs/PROTOCOL.md: '{label}'"
            ));
        }
    }
    if !problems.is_empty() {
        print_vectors(&computed);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn doc_vectors_verify_with_the_crate() {
    let doc = doc_vectors();
    let get = |label: &str| {
        doc.get(label)
            .unwrap_or_else(|| panic!("missing '{label}'"))
            .clone()
    };
    let charter = charter();
    assert_eq!(charter.canonical_bytes(), get("charter bytes"));

    // The roster change decodes, verifies against the charter and admits the city.
    let signed = SignedRosterChange::decode(&get("signed roster change bytes"))
        .expect("signed roster change decodes");
    let mut roster = Roster::empty(charter.network_id());
    roster.apply(&charter, &signed).expect("admit applies");
    assert_eq!(
        roster.head.map(|h| h.0.to_vec()),
        Some(get("roster change id"))
    );

    // The entry decodes, is the next (first) entry of the city's log, and verifies with its
    // payload.
    let entry = SignedEntry::decode(&get("entry bytes")).expect("entry decodes");
    entry.check_network(&charter.network_id()).expect("network");
    roster
        .check_author(&entry.header.author, entry.header.seq)
        .expect("author on roster");
    assert_eq!(
        chain_position(None, None, &entry.header, entry.id()),
        Ok(ChainPosition::Next)
    );
    let salt: [u8; 16] = get("salt").try_into().expect("16-byte salt");
    let blob = PayloadBlob {
        salt,
        bytes: get("payload bytes"),
    };
    let verified = VerifiedEntry::verify(entry, Some(blob)).expect("entry verifies");
    let (_, payload) = verified.payload.clone().expect("payload present");
    assert_eq!(payload, Payload::Practice(vector_practice()));

    // The wire form carries exactly these entry and payload bytes.
    let wire = WireEntry::decode(&get("wire entry bytes")).expect("wire entry decodes");
    assert_eq!(wire, verified.to_wire());
}

/// An independent encoder for the byte rules of docs/PROTOCOL.md §2.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn byte(&mut self, b: u8) -> &mut Self {
        self.0.push(b);
        self
    }
    fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }
    fn varint(&mut self, mut v: u64) -> &mut Self {
        loop {
            let low = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(low);
                return self;
            }
            self.0.push(low | 0x80);
        }
    }
    fn zigzag(&mut self, v: i64) -> &mut Self {
        self.varint(((v << 1) ^ (v >> 63)) as u64)
    }
    fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.varint(bytes.len() as u64).raw(bytes)
    }
    fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }
    fn lang_text(&mut self, pairs: &[(&str, &str)]) -> &mut Self {
        let mut sorted = pairs.to_vec();
        sorted.sort();
        self.varint(sorted.len() as u64);
        for (k, v) in sorted {
            self.str(k).str(v);
        }
        self
    }
}

#[test]
fn independent_encoder_agrees_with_the_doc() {
    let doc = doc_vectors();
    let get = |label: &str| {
        doc.get(label)
            .unwrap_or_else(|| panic!("missing '{label}'"))
            .clone()
    };
    let committee_seed: [u8; 32] = get("committee seed").try_into().expect("32 bytes");
    let city_seed: [u8; 32] = get("city seed").try_into().expect("32 bytes");
    let committee = ed25519_dalek::SigningKey::from_bytes(&committee_seed);
    let city = ed25519_dalek::SigningKey::from_bytes(&city_seed);
    let committee_pk = committee.verifying_key().to_bytes();
    let city_pk = city.verifying_key().to_bytes();
    assert_eq!(committee_pk.to_vec(), get("committee public key"));
    assert_eq!(city_pk.to_vec(), get("city public key"));

    // Charter.
    let mut w = Writer::default();
    w.byte(1)
        .str("Test Coalition")
        .varint(1)
        .raw(&committee_pk)
        .byte(1)
        .varint(1)
        .zigzag(1_700_000_000_000);
    assert_eq!(w.0, get("charter bytes"), "charter bytes");
    let network_id = *blake3::hash(&w.0).as_bytes();
    assert_eq!(network_id.to_vec(), get("network id"));

    // Roster change 1: admit the city.
    let mut w = Writer::default();
    w.byte(1)
        .raw(&network_id)
        .varint(1)
        .byte(0)
        .zigzag(1_700_000_000_000)
        .varint(0)
        .raw(&city_pk)
        .str("Testville")
        .str("FR");
    let change = w.0;
    assert_eq!(change, get("roster change bytes"), "roster change bytes");
    assert_eq!(
        blake3::hash(&change).as_bytes().to_vec(),
        get("roster change id")
    );
    let mut message = b"coalition/roster-change/v1".to_vec();
    message.extend_from_slice(&change);
    let signature = ed25519_dalek::Signature::from_slice(&get("roster change signature"))
        .expect("64-byte signature");
    committee
        .verifying_key()
        .verify_strict(&message, &signature)
        .expect("committee signature verifies");
    let mut w = Writer::default();
    w.raw(&change)
        .varint(1)
        .raw(&committee_pk)
        .raw(&signature.to_bytes());
    assert_eq!(w.0, get("signed roster change bytes"));

    // Payload: version, variant 0 (Practice), then the practice's fields in order.
    let mut w = Writer::default();
    w.byte(1)
        .varint(0)
        .lang_text(&[
            ("fr", "Tester les agences"),
            ("en", "Testing rental agencies"),
        ])
        .lang_text(&[("en", "Paired testing of rental agencies.")])
        .lang_text(&[]) // body
        .lang_text(&[]) // rationale
        .lang_text(&[]) // approach
        .lang_text(&[]) // results
        .lang_text(&[]) // transferability
        .bytes(&[3, 7]) // commitments: Vec<u8>
        .varint(1)
        .str("housing") // themes
        .varint(0) // target_groups
        .varint(0) // partners
        .str("Testville")
        .str("FR")
        .str("2024-01") // period.start
        .byte(0) // period.end: none
        .varint(0) // links
        .byte(0) // contact: none
        .byte(1); // illustrative: true
    let payload = w.0;
    assert_eq!(payload, get("payload bytes"), "payload bytes");
    let salt = get("salt");
    let mut salted = salt.clone();
    salted.extend_from_slice(&payload);
    let commitment = *blake3::hash(&salted).as_bytes();
    assert_eq!(commitment.to_vec(), get("payload commitment"));

    // Entry header, signature, entry bytes, entry id.
    let mut w = Writer::default();
    w.byte(1)
        .raw(&network_id)
        .raw(&city_pk)
        .varint(1) // seq
        .byte(0) // prev: none
        .zigzag(1_700_000_000_000)
        .varint(1) // kind: practice
        .raw(&commitment)
        .varint(payload.len() as u64);
    let header = w.0;
    assert_eq!(header, get("header bytes"), "header bytes");
    let mut message = b"coalition/entry/v1".to_vec();
    message.extend_from_slice(&header);
    let signature =
        ed25519_dalek::Signature::from_slice(&get("entry signature")).expect("64 bytes");
    city.verifying_key()
        .verify_strict(&message, &signature)
        .expect("entry signature verifies");
    let mut entry = header.clone();
    entry.extend_from_slice(&signature.to_bytes());
    assert_eq!(entry, get("entry bytes"));
    assert_eq!(blake3::hash(&entry).as_bytes().to_vec(), get("entry id"));

    // Wire entry: entry as bytes, Some(blob), blob = salt (raw 16) and payload as bytes.
    let mut w = Writer::default();
    w.bytes(&entry).byte(1).raw(&salt).bytes(&payload);
    assert_eq!(w.0, get("wire entry bytes"));
}

#[test]
fn every_varint_width_matches_the_doc_rules() {
    // The rules stated in the document, against postcard through the crate's codec.
    use coalition_record::codec::encode;
    let mut w = Writer::default();
    for v in [
        0u64,
        1,
        127,
        128,
        300,
        16_383,
        16_384,
        u64::from(u32::MAX),
        u64::MAX,
    ] {
        w.0.clear();
        w.varint(v);
        assert_eq!(encode(&v), w.0, "u64 {v}");
    }
    for v in [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX, 1_700_000_000_000] {
        w.0.clear();
        w.zigzag(v);
        assert_eq!(encode(&v), w.0, "i64 {v}");
    }
    assert_eq!(encode(&u16::MAX), vec![0xff, 0xff, 0x03]);
    assert_eq!(encode(&1.5f64), 1.5f64.to_le_bytes().to_vec());
    assert_eq!(encode(&true), vec![1]);
    assert_eq!(encode(&Some(7u8)), vec![1, 7]);
    assert_eq!(encode(&None::<u8>), vec![0]);
    assert_eq!(encode(&[9u8; 3]), vec![9, 9, 9]);
    assert_eq!(encode(&"é".to_string()), vec![2, 0xc3, 0xa9]);
}

/// The lines of §12.1 and §12.2: `- label → verdict: hex` (a refusal or signature vector) and
/// `- label: hex` (a context the vectors are checked against).
/// A refusal line: label, verdict, bytes.
type DocRefusal = (String, String, Vec<u8>);

fn doc_refusal_lines() -> (Vec<DocRefusal>, BTreeMap<String, Vec<u8>>) {
    let mut in_section = false;
    let (mut vectors, mut contexts) = (Vec::new(), BTreeMap::new());
    for line in PROTOCOL_MD.lines() {
        if line.starts_with("## ") || line.starts_with("### ") {
            in_section = line.starts_with("### 12.1") || line.starts_with("### 12.2");
            continue;
        }
        let Some(rest) = line.strip_prefix("- ").filter(|_| in_section) else {
            continue;
        };
        let Some((label, value)) = rest.rsplit_once(": ") else {
            continue;
        };
        let value = value.trim();
        // Prose bullets between the vectors have words after the colon, not hex.
        if value.len() < 2 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let bytes = hex::decode(value).unwrap_or_else(|e| panic!("'{label}' is not hex: {e}"));
        match label.split_once(" → ") {
            Some((label, verdict)) => vectors.push((
                label.to_string(),
                verdict.trim_matches('`').to_string(),
                bytes,
            )),
            None => {
                contexts.insert(label.to_string(), bytes);
            }
        }
    }
    (vectors, contexts)
}

fn print_refusals() {
    for (label, bytes) in refusals::contexts() {
        println!("- {label}: {}", hex::encode(bytes));
    }
    for v in refusals::refusal_vectors() {
        println!("- {} → `{}`: {}", v.label, v.verdict, hex::encode(&v.bytes));
    }
}

#[test]
fn doc_refusal_vectors_match_the_crate() {
    if std::env::var_os("COALITION_PRINT_VECTORS").is_some() {
        print_refusals();
    }
    let (doc, doc_contexts) = doc_refusal_lines();
    let computed = refusals::refusal_vectors();
    let mut problems = Vec::new();
    let found: Vec<(String, String)> = doc.iter().map(|(l, v, _)| (l.clone(), v.clone())).collect();
    let wanted: Vec<(String, String)> = computed
        .iter()
        .map(|v| (v.label.to_string(), v.verdict.to_string()))
        .collect();
    if found != wanted {
        problems.push(format!(
            "§12.1/§12.2 list {found:?}, the crate computes {wanted:?}"
        ));
    }
    for ((label, _, bytes), v) in doc.iter().zip(&computed) {
        if *bytes != v.bytes {
            problems.push(format!(
                "'{label}': the document's bytes differ from the crate's"
            ));
        }
    }
    for (label, bytes) in refusals::contexts() {
        if doc_contexts.get(label) != Some(&bytes) {
            problems.push(format!("context '{label}' is missing or differs"));
        }
    }
    if !problems.is_empty() {
        print_refusals();
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn each_refusal_vector_breaks_exactly_its_rule() {
    let (doc, _) = doc_refusal_lines();
    let rules: Vec<&str> = doc.iter().map(|(_, verdict, _)| verdict.as_str()).collect();
    // Every §10 rule that one record can break has a vector (`gap` is a position, not a refusal).
    for rule in [
        "size_limit",
        "decode",
        "canonical_encoding",
        "format_version",
        "network_id",
        "unknown_author",
        "author_suspended",
        "author_revoked",
        "chain_shape",
        "prev_mismatch",
        "signature",
        "payload_commitment",
        "payload_length",
        "payload_kind",
        "payload_schema",
        "charter",
        "roster_change",
        "committee_threshold",
        "accepted",
    ] {
        assert!(rules.contains(&rule), "no vector for rule {rule}");
    }
    for v in refusals::refusal_vectors() {
        assert_eq!(
            refusals::verdict_of(&v),
            v.verdict,
            "vector '{}' gets the wrong verdict",
            v.label
        );
    }
}

/// §12.2: the protocol's rule and ed25519-dalek's `verify_strict` agree on honest signatures
/// and on the refused ones, and differ exactly on a torsion component, which the cofactored
/// rule accepts (so that single and batch verification agree).
#[test]
fn signature_vectors_against_verify_strict() {
    let vectors = refusals::refusal_vectors();
    let signatures: Vec<_> = vectors
        .iter()
        .filter(|v| v.input == refusals::Input::Signature)
        .collect();
    assert_eq!(signatures.len(), 6);
    for v in signatures {
        let strict = refusals::verify_strict_accepts(&v.bytes);
        let torsion = v.label.contains("torsion");
        match (v.verdict, torsion) {
            ("accepted", true) => assert!(!strict, "'{}': verify_strict refuses torsion", v.label),
            ("accepted", false) => assert!(strict, "'{}'", v.label),
            _ => assert!(!strict, "'{}': verify_strict refuses it too", v.label),
        }
    }
}

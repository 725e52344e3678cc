//! Bundles: exported whole or since a point, they verify offline; every flipped byte, dropped
//! entry, missing threshold, unknown kind or non-bundle is named.

use super::*;

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("bytes are in the bundle")
}

fn full_bundle(f: &Fixture) -> Vec<u8> {
    export(&f.store, None, None).expect("export").to_bytes()
}

#[test]
fn exported_bundle_verifies_and_since_exports_do_too() {
    let f = fixture();
    let verdict = verify_bundle(&full_bundle(&f));
    assert!(verdict.ok, "{:?}", verdict.failures);
    assert_eq!(verdict.roster_changes, 5);
    assert_eq!(verdict.entries, 11);
    assert_eq!(verdict.fork_proofs, 1);
    assert_eq!(verdict.cities.len(), 5);

    // Since day 50: only Lyon's seq 3 — its prev names an entry outside the bundle, and that's fine.
    let since = export(&f.store, None, Some(T2025 + 50 * DAY_MS)).expect("export");
    assert_eq!(since.entries.len(), 1);
    let verdict = verify_bundle(&since.to_bytes());
    assert!(verdict.ok, "{:?}", verdict.failures);
    assert_eq!(verdict.cities[0].first_seq, 3);

    let one = export(&f.store, Some(lyon().public()), None).expect("export");
    assert_eq!(one.entries.len(), 3);
    assert!(one.forks.is_empty());
    assert!(verify_bundle(&one.to_bytes()).ok);
}

#[test]
fn flipped_entry_payload_and_roster_bytes_are_named() {
    let f = fixture();
    let bytes = full_bundle(&f);
    let lyon_2 = f
        .store
        .entry_at(&lyon().public(), 2)
        .expect("read")
        .expect("held");

    // A signature byte of Lyon's seq 2.
    let at = find(&bytes, lyon_2.entry.bytes()) + lyon_2.entry.bytes().len() - 1;
    let mut bad = bytes.clone();
    bad[at] ^= 0x01;
    let v = verify_bundle(&bad);
    assert!(!v.ok);
    assert_eq!(v.failures.len(), 1, "{:?}", v.failures);
    let fail = &v.failures[0];
    assert_eq!(fail.item, "entry");
    assert_eq!(fail.city.as_deref(), Some("Lyon"));
    assert_eq!(fail.seq, Some(2));
    assert_eq!(fail.rule, "signature");
    let mut damaged = lyon_2.entry.bytes().to_vec();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x01;
    assert_eq!(fail.id, Some(Hash32::of(&damaged)));

    // A byte inside Lyon's seq 2 payload.
    let blob = lyon_2.blob.as_ref().expect("payload");
    let at = find(&bytes, &blob.bytes) + blob.bytes.len() / 2;
    let mut bad = bytes.clone();
    bad[at] ^= 0x01;
    let v = verify_bundle(&bad);
    assert_eq!(v.failures.len(), 1, "{:?}", v.failures);
    assert_eq!(v.failures[0].item, "payload");
    assert_eq!(v.failures[0].seq, Some(2));
    assert_eq!(v.failures[0].city.as_deref(), Some("Lyon"));
    assert_eq!(v.failures[0].id, Some(lyon_2.id()));
    assert_eq!(v.failures[0].rule, "payload_commitment");

    // A committee signature byte of roster change 5 (Ghent's admission): below threshold.
    let history = f.store.roster_history().expect("history");
    let raw = history[4].to_bytes();
    let at = find(&bytes, &raw) + raw.len() - 1;
    let mut bad = bytes.clone();
    bad[at] ^= 0x01;
    let v = verify_bundle(&bad);
    assert!(!v.ok);
    let fail = &v.failures[0];
    assert_eq!(
        (fail.item.as_str(), fail.seq, fail.rule.as_str()),
        ("roster", Some(5), "committee_threshold"),
        "{fail}"
    );
}

#[test]
fn fifty_flipped_positions_each_fail() {
    let f = fixture();
    let bytes = full_bundle(&f);
    let n = 50;
    for i in 0..n {
        let at = i * (bytes.len() - 1) / (n - 1);
        let mut bad = bytes.clone();
        bad[at] ^= 0x20;
        let v = verify_bundle(&bad);
        assert!(
            !v.ok,
            "flipping byte {at} of {} went unnoticed",
            bytes.len()
        );
        assert!(!v.failures.is_empty());
        // Either the file no longer decodes, or a named item fails.
        for fail in &v.failures {
            assert!(!fail.rule.is_empty() && !fail.detail.is_empty());
            if fail.item != "file" && fail.item != "charter" {
                assert!(fail.index.is_some(), "byte {at}: {fail}");
            }
        }
    }
}

#[test]
fn dropped_middle_entry_and_missing_threshold_are_named() {
    let f = fixture();
    let mut bundle = Bundle::decode(&full_bundle(&f)).expect("decode");
    let lyon_2 = f
        .store
        .entry_at(&lyon().public(), 2)
        .expect("read")
        .expect("held")
        .id();
    let pos = bundle
        .entries
        .iter()
        .position(|w| Hash32::of(&w.entry) == lyon_2)
        .expect("Lyon seq 2 is exported");
    let mut dropped = bundle.clone();
    dropped.entries.remove(pos);
    let v = verify_bundle(&dropped.to_bytes());
    assert!(!v.ok);
    assert_eq!(v.failures.len(), 1, "{:?}", v.failures);
    let fail = &v.failures[0];
    assert_eq!(fail.rule, "gap");
    assert_eq!(fail.city.as_deref(), Some("Lyon"));
    assert_eq!(fail.seq, Some(3));
    assert!(fail.detail.contains("seq 2 to 2"), "{fail}");

    // Roster change 3 with one of its two signatures: threshold 2 is not met.
    let mut change = SignedRosterChange::decode(&bundle.roster[2]).expect("decode");
    change.signatures.truncate(1);
    bundle.roster[2] = change.to_bytes();
    let v = verify_bundle(&bundle.to_bytes());
    assert!(!v.ok);
    let fail = &v.failures[0];
    assert_eq!(fail.item, "roster");
    assert_eq!(fail.seq, Some(3));
    assert_eq!(fail.rule, "committee_threshold");
    assert!(fail.detail.contains("1 valid"), "{fail}");
}

/// PROTOCOL.md §13, point 4: an entry whose header decodes but names kind 0 (never a kind) is
/// reported once, with its city and seq, and the entry after it is not blamed for a gap.
#[test]
fn an_entry_of_kind_0_is_named_once_and_its_successor_is_not_blamed() {
    let f = fixture();
    let mut bundle = Bundle::decode(&full_bundle(&f)).expect("decode");
    let lyon_2 = f
        .store
        .entry_at(&lyon().public(), 2)
        .expect("read")
        .expect("held");
    let pos = bundle
        .entries
        .iter()
        .position(|w| Hash32::of(&w.entry) == lyon_2.id())
        .expect("Lyon seq 2 is exported");
    let mut header = lyon_2.entry.header.clone();
    header.kind = 0;
    let mut bytes = coalition_record::codec::encode(&header);
    bytes.extend_from_slice(&lyon_2.entry.signature.0);
    bundle.entries[pos].entry = bytes;
    let v = verify_bundle(&bundle.to_bytes());
    assert!(!v.ok);
    assert_eq!(v.failures.len(), 1, "{:?}", v.failures);
    let fail = &v.failures[0];
    assert_eq!(
        (fail.item.as_str(), fail.rule.as_str(), fail.seq),
        ("entry", "payload_kind", Some(2)),
        "{fail}"
    );
    assert_eq!(fail.city.as_deref(), Some("Lyon"));
}

#[test]
fn not_a_bundle_is_a_decode_failure() {
    let v = verify_bundle(b"hello");
    assert!(!v.ok);
    assert_eq!(v.failures[0].rule, "bundle_magic");
    let f = fixture();
    let mut bytes = full_bundle(&f);
    bytes.push(0);
    let v = verify_bundle(&bytes);
    assert_eq!(v.failures[0].item, "file");
    assert!(matches!(
        v.failures[0].rule.as_str(),
        "decode" | "canonical_encoding"
    ));
    let _unused: Option<PublicKey> = None;
}

//! Runs every file of `tests/fuzz/corpus/<target>/` through the fuzz target's body
//! (`coalition_tests::fuzzing`), so the seeds and any saved crash input are regression tests on
//! stable Rust. `cargo test --workspace --test integration fuzz_corpus:: -- --ignored write_seeds`
//! regenerates the valid seeds.

use anyhow::{ensure, Result};
use coalition_net::{GossipMessage, SyncRequest, SyncResponse};
use coalition_record::sync::{AuthorRange, Frontier, Head};
use coalition_record::ForkProof;
use coalition_tests::fuzzing::{fuzz_entry, fuzz_gossip, fuzz_payload, fuzz_sync};
use coalition_tests::{practice, Coalition};
use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 4] = [
    ("entry", fuzz_entry),
    ("payload", fuzz_payload),
    ("gossip", fuzz_gossip),
    ("sync", fuzz_sync),
];

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

#[test]
fn every_corpus_file_passes_through_its_target() -> Result<()> {
    for (name, target) in TARGETS {
        let dir = corpus(name);
        let mut count = 0;
        for file in std::fs::read_dir(&dir)? {
            let path = file?.path();
            let bytes = std::fs::read(&path)?;
            target(&bytes);
            count += 1;
        }
        println!("[fuzz corpus] {name}: {count} inputs ran clean");
        ensure!(
            count >= 3,
            "{} holds {count} inputs; seed it",
            dir.display()
        );
    }
    Ok(())
}

/// Valid encodings of each input kind, plus some junk.
fn seeds() -> Result<Vec<(&'static str, String, Vec<u8>)>> {
    let coalition = Coalition::new(2)?;
    let first = coalition.sign_entry(0, 1, None, &practice(0, 1))?;
    let first_id = coalition_record::Hash32::of(&first.entry);
    let second = coalition.sign_entry(0, 2, Some(first_id), &practice(0, 2))?;
    let other = coalition.sign_entry(0, 1, None, &practice(0, 9))?;
    let mut out = vec![
        ("entry", "entry-1".into(), first.entry.clone()),
        ("entry", "entry-2".into(), second.entry.clone()),
        ("entry", "wire-1".into(), first.to_bytes()),
        ("payload", "practice".into(), practice(1, 3).to_bytes()),
        ("payload", "practice-2".into(), practice(0, 4).to_bytes()),
        (
            "gossip",
            "entry".into(),
            GossipMessage::Entry(first.clone()).to_bytes(),
        ),
        (
            "gossip",
            "roster".into(),
            GossipMessage::Roster(coalition.roster[0].clone()).to_bytes(),
        ),
        (
            "gossip",
            "fork".into(),
            GossipMessage::Fork(ForkProof {
                first: first.entry.clone(),
                second: other.entry.clone(),
            })
            .to_bytes(),
        ),
        (
            "sync",
            "request".into(),
            postcard::to_stdvec(&SyncRequest {
                network_id: coalition.network_id(),
                frontier: Frontier::new(
                    2,
                    [Head {
                        author: coalition.cities[0].public(),
                        seq: 1,
                        id: first_id,
                    }],
                ),
                authors: AuthorRange::ALL,
            })?,
        ),
        (
            "sync",
            "response".into(),
            postcard::to_stdvec(&SyncResponse {
                roster: coalition.roster.clone(),
                entries: vec![first, second],
                more: true,
            })?,
        ),
    ];
    for target in ["entry", "payload", "gossip", "sync"] {
        out.push((target, "junk-empty".into(), Vec::new()));
        out.push((target, "junk-ff".into(), vec![0xff; 64]));
        out.push((target, "junk-varint".into(), vec![0x80; 12]));
    }
    Ok(out)
}

#[test]
#[ignore = "writes the seed corpus; run on purpose"]
fn write_seeds() -> Result<()> {
    for (target, name, bytes) in seeds()? {
        let dir = corpus(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("seed-{name}")), bytes)?;
    }
    Ok(())
}

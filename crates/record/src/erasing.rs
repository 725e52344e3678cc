//! The payloads a city signs to erase one of its own entries' payload (PROTOCOL.md §8.9): an
//! erasure and, for a practice's current version, first a revision without the contact person.

use crate::bytes::Hash32;
use crate::payload::{Erasure, Payload, PracticeRevision};

/// What a city signs to erase one of its own entries' payload: the erasure and, for the current
/// version of a practice, first a revision of it without the contact person, so the practice
/// stays findable. `current` says whether the target is the practice's version in force (not
/// retracted, not superseded); an older version needs no new revision.
pub fn erasure_payloads(
    target: Hash32,
    target_payload: Option<&Payload>,
    current: bool,
    reason: &str,
) -> Vec<Payload> {
    let mut out = Vec::with_capacity(2);
    if let (Some(practice), true) = (target_payload.and_then(Payload::practice), current) {
        let mut kept = practice.clone();
        kept.contact = None;
        out.push(Payload::PracticeRevision(PracticeRevision {
            supersedes: target,
            practice: kept,
        }));
    }
    out.push(Payload::Erasure(Erasure {
        target,
        reason: reason.trim().to_string(),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erasing_a_current_practice_revises_it_without_the_contact_first() {
        let mut practice: crate::payload::Practice =
            toml::from_str(include_str!("../../../docs/examples/practice.toml"))
                .expect("the example practice");
        practice.contact = Some(crate::payload::Contact {
            name: "Ana Pérez".into(),
            role: None,
            email: Some("ana@example.org".into()),
            phone: Some("+34 600 000 000".into()),
        });
        let target = Hash32([3; 32]);
        let payload = Payload::Practice(practice.clone());
        let out = erasure_payloads(target, Some(&payload), true, " contact left ");
        let [Payload::PracticeRevision(revision), Payload::Erasure(erasure)] = &out[..] else {
            panic!("a revision then the erasure: {out:?}");
        };
        assert_eq!(revision.supersedes, target);
        assert_eq!(revision.practice.contact, None);
        assert_eq!(revision.practice.title, practice.title);
        assert_eq!(erasure.target, target);
        assert_eq!(erasure.reason, "contact left");
        // An older version, or another kind: the erasure alone.
        assert_eq!(
            erasure_payloads(target, Some(&payload), false, "x").len(),
            1
        );
        assert_eq!(erasure_payloads(target, None, true, "x").len(), 1);
    }
}

//! The roster refusal vectors of §12.1 and the signature vectors of §12.2 (torsion, small-order
//! and non-canonical encodings), built from the protocol's equations.

use super::*;
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use sha2::{Digest, Sha512};

pub(super) fn roster_refusals() -> Vec<Refusal> {
    let charter = charter();
    let first = |action| roster_change(charter.network_id(), 1, None, action);
    let mut by_city = SignedRosterChange::unsigned(first(admit_action(city_key().public())));
    by_city.sign_with(&city_key());
    let mut at_two = SignedRosterChange::unsigned(roster_change(
        charter.network_id(),
        2,
        None,
        admit_action(city_key().public()),
    ));
    at_two.sign_with(&committee_key());
    let blank_reason = second_change(RosterAction::Suspend {
        city: city_key().public(),
        last_seq: 0,
        reason: " ".into(),
    });
    let admit_again = second_change(admit_action(city_key().public()));
    let mut zero_threshold = charter.clone();
    zero_threshold.threshold = 0;
    vec![
        Refusal {
            label: "admit signed by the city key",
            verdict: "committee_threshold",
            input: Input::FirstRosterChange,
            bytes: by_city.to_bytes(),
        },
        Refusal {
            label: "first change at seq 2",
            verdict: "roster_change",
            input: Input::FirstRosterChange,
            bytes: at_two.to_bytes(),
        },
        Refusal {
            label: "admit of a city already admitted",
            verdict: "roster_change",
            input: Input::SecondRosterChange,
            bytes: admit_again.to_bytes(),
        },
        Refusal {
            label: "suspension with a blank reason",
            verdict: "payload_schema",
            input: Input::SecondRosterChange,
            bytes: blank_reason.to_bytes(),
        },
        Refusal {
            label: "charter with threshold 0",
            verdict: "charter",
            input: Input::Charter,
            bytes: zero_threshold.canonical_bytes(),
        },
    ]
}

/// A signature by the raw scalar key `a`, made with nonce `r`, `R = [r]B + torsion_r`,
/// `A = [a]B + torsion_a`, over `message`: key ‖ signature ‖ message.
pub(super) fn raw_signature(
    a: Scalar,
    torsion_a: usize,
    r: Scalar,
    torsion_r: usize,
    message: &[u8],
) -> Vec<u8> {
    let big_a = ED25519_BASEPOINT_POINT * a + EIGHT_TORSION[torsion_a];
    let big_r = ED25519_BASEPOINT_POINT * r + EIGHT_TORSION[torsion_r];
    let (a_bytes, r_bytes) = (big_a.compress().to_bytes(), big_r.compress().to_bytes());
    let k = challenge(&r_bytes, &a_bytes, message);
    let s = r + k * a;
    [&a_bytes[..], &r_bytes, s.as_bytes(), message].concat()
}

pub(super) fn challenge(r: &[u8; 32], a: &[u8; 32], message: &[u8]) -> Scalar {
    let mut hash = Sha512::new();
    hash.update(r);
    hash.update(a);
    hash.update(message);
    Scalar::from_bytes_mod_order_wide(&hash.finalize().into())
}

/// ℓ, the order of the base point, little-endian.
pub(super) const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

pub(super) fn signature_vectors() -> Vec<Refusal> {
    let message = b"coalition signature vector".to_vec();
    let a = Scalar::from(0x1234_5678_9abc_u64) * Scalar::from(0xfeed_u64);
    let r = Scalar::from(987_654_321_u64);
    let honest = raw_signature(a, 0, r, 0, &message);

    // s + ℓ: the same scalar, not canonical.
    let mut big_s = honest.clone();
    let mut carry = 0u16;
    for (i, l) in ELL.iter().enumerate() {
        let t = u16::from(big_s[64 + i]) + u16::from(*l) + carry;
        big_s[64 + i] = t as u8;
        carry = t >> 8;
    }
    // The identity as the key, with s = r: [s]B − [k]A − R = 0 holds for any k.
    let identity = CompressedEdwardsY::identity().to_bytes();
    let r_bytes = (ED25519_BASEPOINT_POINT * r).compress().to_bytes();
    let small_key = [&identity[..], &r_bytes, r.as_bytes(), &message].concat();
    // The identity as R, with s = k·a: [s]B − [k]A − R = 0 holds.
    let a_bytes = (ED25519_BASEPOINT_POINT * a).compress().to_bytes();
    let k = challenge(&identity, &a_bytes, &message);
    let small_r = [&a_bytes[..], &identity, (k * a).as_bytes(), &message].concat();

    let vector = |label, verdict, bytes| Refusal {
        label,
        verdict,
        input: Input::Signature,
        bytes,
    };
    vec![
        vector("honest signature", "accepted", honest),
        vector(
            "torsion component of order 8 in R",
            "accepted",
            raw_signature(a, 0, r, 1, &message),
        ),
        vector(
            "torsion component of order 8 in the key",
            "accepted",
            raw_signature(a, 1, r, 0, &message),
        ),
        vector("s + ℓ instead of s", "signature", big_s),
        vector("small-order key (the identity)", "signature", small_key),
        vector("small-order R (the identity)", "signature", small_r),
    ]
}

/// What ed25519-dalek's `verify_strict` (cofactorless, refuses small-order keys and R) says
/// of a signature vector.
pub fn verify_strict_accepts(bytes: &[u8]) -> bool {
    let (key, rest) = bytes.split_at(32);
    let (sig, message) = rest.split_at(64);
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(key.try_into().expect("32 bytes")) else {
        return false;
    };
    let sig = ed25519_dalek::Signature::from_bytes(sig.try_into().expect("64 bytes"));
    key.verify_strict(message, &sig).is_ok()
}

//! The protocol's ed25519 verification rule, for one signature and for a batch, with one answer.
//!
//! A signature (R, s) by key A over message M is valid when
//! - A and R are canonical encodings of curve points that are not of small order,
//! - s is a canonical scalar (s < ℓ),
//! - and the cofactored equation `[8]([s]B − [k]A − R) = 0` holds, with k = SHA-512(R‖A‖M) mod ℓ.
//!
//! Why not ed25519-dalek's `verify_strict` with `verify_batch`: `verify_strict` checks the
//! cofactorless equation, `verify_batch` a random linear combination of the same equations, and the
//! two disagree on a signature whose R carries a torsion component: strict refuses it always, the
//! batch accepts it whenever the random coefficient cancels the torsion (half the time for order
//! two). A member city could then sign an entry that some nodes store and others reject, and
//! honest nodes would penalise each other for forwarding it. With the cofactored equation on both
//! paths, single and batch verification accept exactly the same signatures (up to the batch's
//! 2⁻¹²⁸ chance of error), so where an entry is verified, or in what company, cannot change the
//! verdict. Signatures made by honest RFC 8032 signers satisfy both rules.

use crate::bytes::{PublicKey, SignatureBytes};
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use sha2::{Digest, Sha512};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

/// Signatures checked by this process, alone or in batches (a batch that fails and is then
/// checked one by one counts twice). For benchmarks and metrics: verifying once per entry per
/// node is a design goal, and this is how it is measured.
static SIGNATURES_CHECKED: AtomicU64 = AtomicU64::new(0);

/// How many signatures this process has checked so far.
pub fn signatures_checked() -> u64 {
    SIGNATURES_CHECKED.load(Ordering::Relaxed)
}

/// Below this many signatures a batch is not faster than verifying one by one.
pub const MIN_BATCH: usize = 4;

/// True when the 32 bytes encode y < p = 2²⁵⁵ − 19 (the sign bit aside). The encodings of a
/// point with x = 0 and the sign bit set are the only other non-canonical ones; those points
/// (y = ±1) are of small order and refused anyway.
fn is_canonical_y(bytes: &[u8; 32]) -> bool {
    let top = bytes[31] & 0x7f;
    if top != 0x7f || bytes[1..31].iter().any(|&b| b != 0xff) {
        return true;
    }
    bytes[0] < 0xed
}

/// A point that is canonical, on the curve and not of small order.
fn decode_point(bytes: &[u8; 32]) -> Option<EdwardsPoint> {
    if !is_canonical_y(bytes) {
        return None;
    }
    let point = CompressedEdwardsY(*bytes).decompress()?;
    (!point.is_small_order()).then_some(point)
}

/// Keys decoded once per process rather than once per signature: a coalition has a few hundred
/// signing keys, and decompressing one costs about a fifth of a signature check.
static DECODED_KEYS: RwLock<Option<HashMap<[u8; 32], EdwardsPoint>>> = RwLock::new(None);

/// Above this many cached keys the cache starts again (keys come only from the roster and the
/// charter, so it never grows near this in practice; the bound is for a hostile stream).
const DECODED_KEYS_MAX: usize = 4096;

/// [`decode_point`] for a signing key, through [`DECODED_KEYS`]. Unusable keys are not cached.
fn decode_key(bytes: &[u8; 32]) -> Option<EdwardsPoint> {
    let cached = DECODED_KEYS
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .and_then(|keys| keys.get(bytes).copied());
    if cached.is_some() {
        return cached;
    }
    let point = decode_point(bytes)?;
    let mut keys = DECODED_KEYS.write().unwrap_or_else(|p| p.into_inner());
    let keys = keys.get_or_insert_with(HashMap::new);
    if keys.len() >= DECODED_KEYS_MAX {
        keys.clear();
    }
    keys.insert(*bytes, point);
    Some(point)
}

/// True when the key is a canonical encoding of a curve point not of small order: the test the
/// roster and the charter apply before a key may sign anything.
pub fn is_usable_key(key: &PublicKey) -> bool {
    decode_point(&key.0).is_some()
}

/// One signature's parts, decoded and checked for everything but the equation.
struct Prepared {
    key: EdwardsPoint,
    r: EdwardsPoint,
    s: Scalar,
    k: Scalar,
}

fn prepare(
    key: EdwardsPoint,
    raw_key: &[u8; 32],
    message: &[u8],
    sig: &SignatureBytes,
) -> Option<Prepared> {
    let r_bytes: [u8; 32] = sig.0[..32].try_into().ok()?;
    let s_bytes: [u8; 32] = sig.0[32..].try_into().ok()?;
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))?;
    let r = decode_point(&r_bytes)?;
    let mut hash = Sha512::new();
    hash.update(r_bytes);
    hash.update(raw_key);
    hash.update(message);
    let digest: [u8; 64] = hash.finalize().into();
    let k = Scalar::from_bytes_mod_order_wide(&digest);
    Some(Prepared { key, r, s, k })
}

/// Verifies one signature under the protocol's rule.
pub fn verify(key: &PublicKey, message: &[u8], signature: &SignatureBytes) -> bool {
    SIGNATURES_CHECKED.fetch_add(1, Ordering::Relaxed);
    let Some(point) = decode_key(&key.0) else {
        return false;
    };
    let Some(p) = prepare(point, &key.0, message, signature) else {
        return false;
    };
    // [s]B − [k]A − R, then the cofactor.
    let sb_minus_ka = EdwardsPoint::vartime_double_scalar_mul_basepoint(&p.k, &(-p.key), &p.s);
    (sb_minus_ka - p.r).mul_by_cofactor().is_identity()
}

/// One item of a batch: who signed, what, and the signature.
pub struct BatchItem<'a> {
    /// The key the signature must verify under.
    pub key: &'a PublicKey,
    /// The signed message, domain tag included.
    pub message: &'a [u8],
    /// The signature to check.
    pub signature: &'a SignatureBytes,
}

/// Verifies every item at once: true only if all hold (false positives with probability
/// 2⁻¹²⁸). Each distinct key is looked up once per call. Callers that need to know which item
/// failed verify the items one by one after a `false`.
pub fn verify_batch(items: &[BatchItem<'_>]) -> bool {
    if items.len() < MIN_BATCH {
        return items.iter().all(|i| verify(i.key, i.message, i.signature));
    }
    SIGNATURES_CHECKED.fetch_add(items.len() as u64, Ordering::Relaxed);
    let mut keys: HashMap<[u8; 32], Option<EdwardsPoint>> = HashMap::new();
    let mut prepared = Vec::with_capacity(items.len());
    for item in items {
        let key = *keys
            .entry(item.key.0)
            .or_insert_with(|| decode_key(&item.key.0));
        let Some(key) = key else {
            return false;
        };
        let Some(p) = prepare(key, &item.key.0, item.message, item.signature) else {
            return false;
        };
        prepared.push(p);
    }
    // Σ zᵢ([sᵢ]B − Rᵢ − [kᵢ]Aᵢ) = 0 for random 128-bit zᵢ, times the cofactor. The z come
    // from the operating system's generator so a signer cannot choose signatures that cancel.
    let zs: Vec<Scalar> = prepared
        .iter()
        .map(|_| Scalar::from(rand::random::<u128>()))
        .collect();
    let b_coefficient: Scalar = prepared.iter().zip(&zs).map(|(p, z)| z * p.s).sum();
    // One term per distinct key, its coefficients summed: a batch from sync is mostly one
    // city's log, so the sum has about n + 2 terms instead of 2n + 1.
    let mut key_terms: Vec<(EdwardsPoint, Scalar)> = Vec::new();
    let mut term_of_key: HashMap<[u8; 32], usize> = HashMap::new();
    for ((item, p), z) in items.iter().zip(&prepared).zip(&zs) {
        let term = *term_of_key.entry(item.key.0).or_insert_with(|| {
            key_terms.push((p.key, Scalar::ZERO));
            key_terms.len() - 1
        });
        key_terms[term].1 -= z * p.k;
    }
    let scalars = std::iter::once(b_coefficient)
        .chain(zs.iter().map(|z| -z))
        .chain(key_terms.iter().map(|(_, coefficient)| *coefficient));
    let points = std::iter::once(ED25519_BASEPOINT_POINT)
        .chain(prepared.iter().map(|p| p.r))
        .chain(key_terms.iter().map(|(key, _)| *key));
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
        .mul_by_cofactor()
        .is_identity()
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::traits::Identity;
    use ed25519_dalek::{Signer, SigningKey};

    fn signed(n: usize) -> Vec<(PublicKey, Vec<u8>, SignatureBytes)> {
        (0..n)
            .map(|i| {
                // ed25519-dalek signs directly: this module sits below `keys`.
                let key = SigningKey::from_bytes(&[i as u8 % 5; 32]);
                let message = format!("message {i}").into_bytes();
                let sig = SignatureBytes(key.sign(&message).to_bytes());
                (PublicKey(key.verifying_key().to_bytes()), message, sig)
            })
            .collect()
    }

    fn items(v: &[(PublicKey, Vec<u8>, SignatureBytes)]) -> Vec<BatchItem<'_>> {
        v.iter()
            .map(|(key, message, signature)| BatchItem {
                key,
                message,
                signature,
            })
            .collect()
    }

    /// A signature made with a raw scalar key, its nonce point shifted by a torsion point: what a
    /// dishonest signer would send to split verifiers that disagree on torsion.
    fn torsioned(
        torsion: EdwardsPoint,
        message: &[u8],
    ) -> (PublicKey, SignatureBytes, ed25519_dalek::VerifyingKey) {
        let a = Scalar::from(0x1234_5678_9abc_u64) * Scalar::from(0xfeed_u64);
        let big_a = ED25519_BASEPOINT_POINT * a;
        let a_bytes = big_a.compress().to_bytes();
        let r = Scalar::from(987_654_321_u64);
        let big_r = ED25519_BASEPOINT_POINT * r + torsion;
        let r_bytes = big_r.compress().to_bytes();
        let mut hash = Sha512::new();
        hash.update(r_bytes);
        hash.update(a_bytes);
        hash.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&hash.finalize().into());
        let s = r + k * a;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r_bytes);
        sig[32..].copy_from_slice(s.as_bytes());
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&a_bytes).expect("valid key");
        (PublicKey(a_bytes), SignatureBytes(sig), vk)
    }

    #[test]
    fn honest_signatures_verify_alone_and_in_batches_and_strictly() {
        let v = signed(64);
        for (key, message, sig) in &v {
            assert!(verify(key, message, sig));
            let vk = key.verifying_key().expect("key");
            let dalek = ed25519_dalek::Signature::from_bytes(&sig.0);
            assert!(vk.verify_strict(message, &dalek).is_ok());
        }
        assert!(verify_batch(&items(&v)));
        assert!(verify_batch(&items(&v[..3])), "below MIN_BATCH");
    }

    #[test]
    fn one_flipped_bit_fails_the_single_check_and_the_whole_batch() {
        let mut v = signed(32);
        for bit in [0usize, 100, 255, 256, 300, 511] {
            let mut bad = v[7].2;
            bad.0[bit / 8] ^= 1 << (bit % 8);
            assert!(!verify(&v[7].0, &v[7].1, &bad), "bit {bit}");
        }
        v[7].1.push(b'!');
        assert!(!verify(&v[7].0, &v[7].1, &v[7].2));
        assert!(!verify_batch(&items(&v)));
    }

    #[test]
    fn a_batch_from_one_key_verifies_and_any_wrong_signature_in_it_fails() {
        // Sync brings one city's log at a time: the batch check sums the key's terms.
        let key = SigningKey::from_bytes(&[9; 32]);
        let public = PublicKey(key.verifying_key().to_bytes());
        let v: Vec<(PublicKey, Vec<u8>, SignatureBytes)> = (0..40)
            .map(|i| {
                let message = format!("entry {i}").into_bytes();
                let sig = SignatureBytes(key.sign(&message).to_bytes());
                (public, message, sig)
            })
            .collect();
        assert!(verify_batch(&items(&v)));
        let mut swapped = v.clone();
        let third = swapped[3].2;
        swapped[3].2 = swapped[4].2;
        swapped[4].2 = third;
        assert!(!verify_batch(&items(&swapped)), "two signatures swapped");
        let mut foreign = v.clone();
        let other = SigningKey::from_bytes(&[8; 32]);
        foreign[10].2 = SignatureBytes(other.sign(&foreign[10].1).to_bytes());
        assert!(!verify_batch(&items(&foreign)), "signed by another key");
        let mut mixed = signed(24);
        mixed.extend(v);
        assert!(verify_batch(&items(&mixed)), "one key among others");
    }

    #[test]
    fn a_decoded_key_kept_for_later_checks_gives_the_same_verdicts() {
        let v = signed(8);
        for _ in 0..2 {
            // The second round finds every key already decoded.
            assert!(v.iter().all(|(k, m, s)| verify(k, m, s)));
            let mut bad = v[3].2;
            bad.0[40] ^= 1;
            assert!(!verify(&v[3].0, &v[3].1, &bad));
            assert!(!verify(&v[3].0, b"another message", &v[3].2));
            assert!(verify_batch(&items(&v)));
        }
        // An unusable key is never kept, so it is refused every time.
        let identity = PublicKey(CompressedEdwardsY::identity().to_bytes());
        for _ in 0..2 {
            assert!(decode_key(&identity.0).is_none());
            assert!(!verify(&identity, &v[0].1, &v[0].2));
        }
    }

    #[test]
    fn small_order_and_non_canonical_encodings_are_refused() {
        let (key, message, sig) = signed(1).remove(0);
        // A small-order key (the identity) and a small-order R.
        let identity = CompressedEdwardsY::identity().to_bytes();
        assert!(!verify(&PublicKey(identity), &message, &sig));
        let mut small_r = sig;
        small_r.0[..32].copy_from_slice(&identity);
        assert!(!verify(&key, &message, &small_r));
        // s + ℓ: the same scalar, not canonical.
        let s =
            Scalar::from_canonical_bytes(sig.0[32..].try_into().expect("32")).expect("canonical");
        let l_bytes: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut sum = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let t = u16::from(s.as_bytes()[i]) + u16::from(l_bytes[i]) + carry;
            sum[i] = t as u8;
            carry = t >> 8;
        }
        let mut big_s = sig;
        big_s.0[32..].copy_from_slice(&sum);
        assert!(!verify(&key, &message, &big_s));
        // y = p (non-canonical zero) and the all-ones encoding.
        let mut y_p = [0xffu8; 32];
        y_p[0] = 0xed;
        y_p[31] = 0x7f;
        assert!(!is_canonical_y(&y_p));
        assert!(!is_canonical_y(&[0xff; 32]));
        let mut below = y_p;
        below[0] = 0xec;
        assert!(is_canonical_y(&below));
    }

    #[test]
    fn a_torsioned_nonce_gets_the_same_verdict_alone_and_in_any_batch() {
        let honest = signed(15);
        for torsion in EIGHT_TORSION.iter().skip(1) {
            let message = b"torsioned entry".to_vec();
            let (key, sig, vk) = torsioned(*torsion, &message);
            let alone = verify(&key, &message, &sig);
            let strict = vk
                .verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&sig.0))
                .is_ok();
            // The cofactorless rule refuses it; ours accepts it, and so does every batch, every
            // time (the batch's random coefficients cannot change the answer).
            assert!(!strict);
            assert!(alone);
            let mut all = honest.clone();
            all.push((key, message, sig));
            for _ in 0..32 {
                assert_eq!(verify_batch(&items(&all)), alone);
            }
        }
    }
}

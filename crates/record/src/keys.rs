//! Secret keys (city keys, committee keys) and their file form: 64 lowercase hex characters of
//! the ed25519 seed followed by a newline.

use crate::bytes::{PublicKey, SignatureBytes};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};

/// An ed25519 signing key. Debug output never shows the secret.
#[derive(Clone)]
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// A new random key (`rand`'s thread-local CSPRNG, seeded by the operating system).
    pub fn generate() -> Self {
        SecretKey(SigningKey::from_bytes(&rand::random::<[u8; 32]>()))
    }

    /// The key of a 32-byte ed25519 seed (the secret the key file holds).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        SecretKey(SigningKey::from_bytes(&seed))
    }

    /// The matching public key: the city key or committee key others verify with.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// An ed25519 signature over `message` as it is; callers put the domain tag in front.
    pub fn sign(&self, message: &[u8]) -> SignatureBytes {
        SignatureBytes(self.0.sign(message).to_bytes())
    }

    /// The key file's text: the seed as hex and a newline.
    pub fn to_file_text(&self) -> String {
        format!("{}\n", hex::encode(self.0.to_bytes()))
    }

    /// Reads a key file's text: 64 hex characters of the seed, surrounding whitespace ignored.
    pub fn from_file_text(text: &str) -> Result<Self, String> {
        let raw = hex::decode(text.trim()).map_err(|e| {
            format!("a key file holds 64 hex characters; this one is not hex ({e})")
        })?;
        let seed: [u8; 32] = raw.as_slice().try_into().map_err(|_| {
            format!(
                "a key file holds 64 hex characters; this one holds {}",
                text.trim().len()
            )
        })?;
        Ok(SecretKey::from_seed(seed))
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey(public {})", self.public().short())
    }
}

impl PublicKey {
    /// Parses the key as a curve point, refusing non-canonical encodings and keys of small order
    /// ("weak" keys), for which a signature could verify for many messages.
    pub fn verifying_key(&self) -> Option<VerifyingKey> {
        if !crate::signature::is_usable_key(self) {
            return None;
        }
        VerifyingKey::from_bytes(&self.0).ok()
    }

    /// Verifies a signature by this key under the protocol's rule ([`crate::signature`]).
    pub fn verify(&self, message: &[u8], signature: &SignatureBytes) -> bool {
        crate::signature::verify(self, message, signature)
    }
}

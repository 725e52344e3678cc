//! Fixed-size byte newtypes (keys, hashes, signatures) that encode as raw bytes in postcard and as
//! lowercase hex in human-readable formats (JSON, TOML).

use serde::de::{Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! fixed_bytes {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// Length in bytes.
            pub const LEN: usize = $len;

            /// Wraps raw bytes as they are, without any check.
            pub const fn from_raw(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The raw bytes.
            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// All the bytes as lowercase hex (the human-readable form in JSON and TOML).
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }

            /// Parses lowercase or uppercase hex of exactly the right length.
            pub fn from_hex(text: &str) -> Result<Self, String> {
                let raw = hex::decode(text.trim()).map_err(|e| {
                    format!("not hex ({e}); expected {} hex characters", $len * 2)
                })?;
                let array: [u8; $len] = raw.as_slice().try_into().map_err(|_| {
                    format!(
                        "expected {} hex characters ({} bytes), got {}",
                        $len * 2,
                        $len,
                        text.trim().len()
                    )
                })?;
                Ok(Self(array))
            }

            /// The first 8 bytes as hex, for logs and tables.
            pub fn short(&self) -> String {
                hex::encode(&self.0[..8])
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.short())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                if serializer.is_human_readable() {
                    serializer.serialize_str(&self.to_hex())
                } else {
                    use serde::ser::SerializeTuple;
                    let mut tuple = serializer.serialize_tuple($len)?;
                    for byte in &self.0 {
                        tuple.serialize_element(byte)?;
                    }
                    tuple.end()
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                if deserializer.is_human_readable() {
                    let text = String::deserialize(deserializer)?;
                    Self::from_hex(&text).map_err(D::Error::custom)
                } else {
                    struct TupleVisitor;
                    impl<'de> Visitor<'de> for TupleVisitor {
                        type Value = $name;
                        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                            write!(f, "{} bytes", $len)
                        }
                        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$name, A::Error> {
                            let mut out = [0u8; $len];
                            for (i, slot) in out.iter_mut().enumerate() {
                                *slot = seq
                                    .next_element()?
                                    .ok_or_else(|| A::Error::invalid_length(i, &self))?;
                            }
                            Ok($name(out))
                        }
                    }
                    deserializer.deserialize_tuple($len, TupleVisitor)
                }
            }
        }
    };
}

fixed_bytes!(
    /// A BLAKE3 hash: entry ids, network ids, payload commitments.
    Hash32,
    32
);
fixed_bytes!(
    /// An ed25519 public key (city key or committee key).
    PublicKey,
    32
);
fixed_bytes!(
    /// An ed25519 signature.
    SignatureBytes,
    64
);

/// BLAKE3's chunk: the unit its SIMD code hashes in parallel.
const BLAKE3_CHUNK_LEN: usize = 1024;

impl Hash32 {
    /// The BLAKE3 hash (32-byte output, default mode) of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Hash32(*blake3::hash(bytes).as_bytes())
    }

    /// [`Hash32::of`] the concatenation of `parts`.
    pub fn of_parts(parts: &[&[u8]]) -> Self {
        let total: usize = parts.iter().map(|part| part.len()).sum();
        if total <= BLAKE3_CHUNK_LEN {
            let mut hasher = blake3::Hasher::new();
            for part in parts {
                hasher.update(part);
            }
            return Hash32(*hasher.finalize().as_bytes());
        }
        // Past one chunk, a contiguous copy is cheaper than hashing in parts: BLAKE3 hashes the
        // whole chunks of one input in its SIMD code, while a part that leaves a chunk half full
        // sends the rest of that chunk through its block-at-a-time path. For a 2.6 KB payload
        // behind a 23-byte prefix: 1.9 µs copied against 3.0 µs in parts (PERFORMANCE.md).
        let mut whole = Vec::with_capacity(total);
        for part in parts {
            whole.extend_from_slice(part);
        }
        Self::of(&whole)
    }
}

/// BLAKE3 of the entry's bytes (header bytes followed by the signature).
pub type EntryId = Hash32;

#[cfg(test)]
mod tests {
    use super::Hash32;

    #[test]
    fn a_hash_in_parts_is_the_hash_of_their_concatenation() {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
        for split in [0, 1, 21, 1023, 1024, 1025, 2999, 3000] {
            let (a, b) = data.split_at(split);
            assert_eq!(
                Hash32::of_parts(&[a, b]),
                Hash32::of(&data),
                "split at {split}"
            );
            assert_eq!(Hash32::of_parts(&[a, &[], b]), Hash32::of(&data));
        }
        assert_ne!(Hash32::of_parts(&[&data[1..]]), Hash32::of(&data));
        // Both sides of the one-chunk threshold, where the two ways of hashing meet.
        for len in [1023, 1024, 1025] {
            let (a, b) = data[..len].split_at(7);
            assert_eq!(
                Hash32::of_parts(&[a, b]),
                Hash32::of(&data[..len]),
                "{len} bytes"
            );
        }
    }
}

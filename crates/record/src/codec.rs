//! Canonical postcard encoding. Decoding re-encodes and compares, so every value has exactly one
//! byte form: overlong varints, unsorted or duplicate map keys and trailing bytes are refused.

use crate::error::RecordError;
use serde::{de::DeserializeOwned, Serialize};

/// The postcard encoding of `value`: for the crate's structures, their canonical bytes.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own plain structs into a Vec cannot fail: no maps with non-string keys
    // that postcard rejects, no I/O. An empty Vec would then fail every later check loudly.
    postcard::to_stdvec(value).unwrap_or_default()
}

/// Whether `value` encodes to exactly `expected`: the canonical-encoding check, comparing as
/// it encodes instead of building a second copy (an allocation and a copy of every payload
/// checked; the ingest profile of issue #14 showed its reallocations).
pub fn encodes_to<T: Serialize + ?Sized>(value: &T, expected: &[u8]) -> bool {
    postcard::serialize_with_flavor(value, Compare { expected, at: 0 }).unwrap_or(false)
}

/// A postcard output that checks each byte against `expected` rather than storing it, and stops
/// at the first difference.
struct Compare<'a> {
    expected: &'a [u8],
    at: usize,
}

impl postcard::ser_flavors::Flavor for Compare<'_> {
    type Output = bool;

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.try_extend(&[data])
    }

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        let end = self.at.saturating_add(data.len());
        if self.expected.get(self.at..end) != Some(data) {
            // Any error ends the encoding; `encodes_to` reads it as "different".
            return Err(postcard::Error::SerializeBufferFull);
        }
        self.at = end;
        Ok(())
    }

    fn finalize(self) -> postcard::Result<bool> {
        Ok(self.at == self.expected.len())
    }
}

/// Decodes bytes this node checked (canonical, within limits) before it stored them: no
/// re-encoding check, which would double the cost of every read. `verify` re-checks stored bytes.
pub fn decode_stored<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, RecordError> {
    postcard::from_bytes(bytes).map_err(|e| RecordError::Malformed {
        what,
        detail: e.to_string(),
    })
}

/// Decodes `bytes` and checks they are the canonical encoding of the result (PROTOCOL.md §2,
/// "Canonical form"): over `limit` bytes is `TooLarge`, bytes that do not decode are
/// `Malformed`, and a value that re-encodes to other bytes is `NonCanonical`. `what` names the
/// structure in the error.
pub fn decode_canonical<T: Serialize + DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
    limit: usize,
) -> Result<T, RecordError> {
    if bytes.len() > limit {
        return Err(RecordError::TooLarge {
            what,
            size: bytes.len(),
            limit,
        });
    }
    let value: T = postcard::from_bytes(bytes).map_err(|e| RecordError::Malformed {
        what,
        detail: e.to_string(),
    })?;
    if !encodes_to(&value, bytes) {
        return Err(RecordError::NonCanonical { what });
    }
    Ok(value)
}

/// `#[serde(with = "codec::byte_vec")]` for `Vec<u8>` fields: the same bytes on the wire as a
/// plain `Vec<u8>` (postcard: varint length, then the bytes), but decoded as one slice copy
/// instead of one element at a time, which profiles showed as the largest cost of reading
/// entries and payloads back.
pub mod byte_vec {
    use serde::de::{Error, SeqAccess, Visitor};
    use serde::{Deserializer, Serializer};

    /// Writes the bytes as postcard writes a `Vec<u8>`: varint length, then the bytes.
    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }

    /// Reads what [`serialize`] wrote, or a list of numbers from a self-describing format.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_byte_buf(ByteBuf)
    }

    struct ByteBuf;

    impl<'de> Visitor<'de> for ByteBuf {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("bytes")
        }

        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }

        fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }

        /// Self-describing formats (JSON) write bytes as a list of numbers.
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            // The hint comes from the input: cap it so a lying length cannot reserve much.
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(b) = seq.next_element()? {
                out.push(b);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[test]
    fn encodes_to_agrees_with_comparing_the_encoding() {
        let value = Plain {
            bytes: (0..300u16).map(|i| (i % 256) as u8).collect(),
        };
        let bytes = super::encode(&value);
        assert!(super::encodes_to(&value, &bytes));
        let mut changed = bytes.clone();
        changed[150] ^= 1;
        assert!(!super::encodes_to(&value, &changed), "a byte differs");
        assert!(
            !super::encodes_to(&value, &bytes[..bytes.len() - 1]),
            "shorter"
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(!super::encodes_to(&value, &longer), "longer");
        assert!(!super::encodes_to(&value, &[]), "empty");
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Plain {
        bytes: Vec<u8>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Fast {
        #[serde(with = "super::byte_vec")]
        bytes: Vec<u8>,
    }

    #[test]
    fn byte_vec_writes_and_reads_the_same_bytes_as_a_plain_vec() {
        for len in [0usize, 1, 127, 128, 300, 70_000] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let plain = super::encode(&Plain {
                bytes: bytes.clone(),
            });
            let fast = super::encode(&Fast {
                bytes: bytes.clone(),
            });
            assert_eq!(plain, fast, "postcard, {len} bytes");
            let back: Fast = super::decode_canonical("test", &plain, usize::MAX).expect("decode");
            assert_eq!(back.bytes, bytes);
            let json = serde_json::to_string(&Plain {
                bytes: bytes.clone(),
            })
            .expect("json");
            assert_eq!(
                json,
                serde_json::to_string(&Fast {
                    bytes: bytes.clone()
                })
                .expect("json")
            );
            let back: Fast = serde_json::from_str(&json).expect("json decode");
            assert_eq!(back.bytes, bytes);
        }
    }
}

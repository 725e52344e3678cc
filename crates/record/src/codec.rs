//! Canonical postcard encoding. Decoding re-encodes and compares, so every value has exactly one
//! byte form: overlong varints, unsorted or duplicate map keys and trailing bytes are refused.

use crate::error::RecordError;
use serde::{de::DeserializeOwned, Serialize};

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own plain structs into a Vec cannot fail: no maps with non-string keys
    // that postcard rejects, no I/O. An empty Vec would then fail every later check loudly.
    postcard::to_stdvec(value).unwrap_or_default()
}

/// Decodes `bytes` and checks they are the canonical encoding of the result.
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
    if encode(&value) != bytes {
        return Err(RecordError::NonCanonical { what });
    }
    Ok(value)
}

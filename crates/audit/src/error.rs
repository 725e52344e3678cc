//! Audit errors.

use coalition_record::RecordError;
use coalition_store::StoreError;

/// Why an audit, an export or a signed report check failed.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A record broke a decoding or validation rule ([`RecordError::rule`] names it).
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A report did not serialise, or a signed report file is not JSON of the expected shape.
    #[error("the signed audit report is not valid JSON of the expected shape: {0}")]
    Json(String),
    /// The signature does not verify over the file's `report` member.
    #[error("the audit report's signature does not verify against signer {signer}")]
    BadSignature {
        /// The claimed signer's key, in hex.
        signer: String,
    },
    /// The signature's domain is not [`crate::AUDIT_SIGNING_TAG`].
    #[error("the audit report was signed with domain {found:?}, expected {expected:?}")]
    WrongDomain {
        /// The domain the file names.
        found: String,
        /// [`crate::AUDIT_SIGNING_TAG`].
        expected: String,
    },
}

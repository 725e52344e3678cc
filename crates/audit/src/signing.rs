//! Signing an audit report with a committee key.
//!
//! The signed bytes are `"coalition/audit-report/v1" || canonical JSON of the report`, where the
//! canonical JSON is the report's JSON with object keys sorted bytewise, no whitespace, and
//! numbers and strings as serde_json writes them. A verifier can rebuild those bytes from the
//! `report` member of the signed file alone.

use crate::{AuditError, AuditReport};
use coalition_record::{PublicKey, SecretKey, SignatureBytes};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The domain tag the signed bytes start with; [`verify_signed_report`] refuses any other.
pub const AUDIT_SIGNING_TAG: &str = "coalition/audit-report/v1";

/// The `signature` member of a signed report file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSignature {
    /// The domain tag signed: [`AUDIT_SIGNING_TAG`].
    pub domain: String,
    /// The committee key that signed.
    pub signer: PublicKey,
    /// The ed25519 signature over the tag and the report's canonical JSON.
    pub signature: SignatureBytes,
}

/// A signed report file: what [`sign_report`] makes and `--sign-with` writes as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedAuditReport {
    /// The report, as signed.
    pub report: AuditReport,
    /// Who signed it, and the signature.
    pub signature: ReportSignature,
}

/// Canonical JSON: keys sorted, no whitespace.
pub fn canonical_json(value: &Value) -> Vec<u8> {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String((*k).clone()).to_string());
                    out.push(':');
                    write(&map[k.as_str()], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out.into_bytes()
}

fn signing_message(report_value: &Value) -> Vec<u8> {
    let mut message = AUDIT_SIGNING_TAG.as_bytes().to_vec();
    message.extend_from_slice(&canonical_json(report_value));
    message
}

/// Signs `report` with `key` (a committee member's): the signature covers [`AUDIT_SIGNING_TAG`]
/// followed by the report's canonical JSON. Fails only when the report does not serialise.
pub fn sign_report(report: &AuditReport, key: &SecretKey) -> Result<SignedAuditReport, AuditError> {
    let value = serde_json::to_value(report).map_err(|e| AuditError::Json(e.to_string()))?;
    let signature = key.sign(&signing_message(&value));
    Ok(SignedAuditReport {
        report: report.clone(),
        signature: ReportSignature {
            domain: AUDIT_SIGNING_TAG.into(),
            signer: key.public(),
            signature,
        },
    })
}

/// Checks a signed report file (JSON as written by `coalition audit --format json --sign-with`):
/// returns the signer and the report. Whether the signer is on the committee is the caller's
/// question (it needs the charter).
pub fn verify_signed_report(json: &[u8]) -> Result<(PublicKey, AuditReport), AuditError> {
    let value: Value = serde_json::from_slice(json).map_err(|e| AuditError::Json(e.to_string()))?;
    let report_value = value
        .get("report")
        .ok_or_else(|| AuditError::Json("no \"report\" member".into()))?;
    let sig: ReportSignature = serde_json::from_value(
        value
            .get("signature")
            .cloned()
            .ok_or_else(|| AuditError::Json("no \"signature\" member".into()))?,
    )
    .map_err(|e| AuditError::Json(e.to_string()))?;
    if sig.domain != AUDIT_SIGNING_TAG {
        return Err(AuditError::WrongDomain {
            found: sig.domain,
            expected: AUDIT_SIGNING_TAG.into(),
        });
    }
    if !sig
        .signer
        .verify(&signing_message(report_value), &sig.signature)
    {
        return Err(AuditError::BadSignature {
            signer: sig.signer.to_hex(),
        });
    }
    let report: AuditReport = serde_json::from_value(report_value.clone())
        .map_err(|e| AuditError::Json(e.to_string()))?;
    Ok((sig.signer, report))
}

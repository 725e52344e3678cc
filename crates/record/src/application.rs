//! A candidate city's membership application (PROTOCOL.md §4.1): what the city signs with its
//! own key before it is admitted, so that the Steering Committee's admission starts from what
//! the city itself declared (its name, country, contact office and its letter of commitment to
//! the Ten-Point Plan), and nobody can apply in another city's name.

use crate::bytes::{Hash32, PublicKey, SignatureBytes};
use crate::codec;
use crate::error::RecordError;
use crate::keys::SecretKey;
use crate::limits::MAX_TEXT_BYTES;
use crate::schema::{country, lang_text, short_text, LangText};
use serde::{Deserialize, Serialize};

/// Domain separation for application signatures.
pub const APPLICATION_SIGNING_TAG: &[u8] = b"coalition/application/v1";

/// What the candidate city declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// Format version of the application: [`FORMAT_VERSION`](crate::FORMAT_VERSION) (1).
    pub version: u8,
    /// The coalition applied to.
    pub network_id: Hash32,
    /// The key the city will sign its entries with.
    pub city_key: PublicKey,
    /// The city's name: a required short text (at most 1024 bytes).
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// The office that answers for the city in the coalition (name, e-mail or address).
    pub contact_office: String,
    /// The city's letter of commitment to the Ten-Point Plan of Action.
    pub letter: LangText,
    /// When the application was made, in milliseconds since the Unix epoch (informational).
    pub created_ms: i64,
}

/// An application and the city key's signature over `APPLICATION_SIGNING_TAG || bytes`, the
/// bytes being the application's canonical encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedApplication {
    /// The application as signed.
    pub application: Application,
    /// The ed25519 signature by the application's `city_key`.
    pub signature: SignatureBytes,
}

impl Application {
    fn signing_message(&self) -> Vec<u8> {
        let mut message = APPLICATION_SIGNING_TAG.to_vec();
        message.extend(codec::encode(self));
        message
    }

    /// The schema: a city name, a country code, a contact office and a letter (PROTOCOL.md §4.1).
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.version != crate::FORMAT_VERSION {
            return Err(RecordError::UnsupportedVersion {
                what: "application",
                found: self.version,
                expected: crate::FORMAT_VERSION,
            });
        }
        short_text("application.city", &self.city, true)?;
        country("application.country", &self.country)?;
        short_text("application.contact_office", &self.contact_office, true)?;
        lang_text("application.letter", &self.letter, true, MAX_TEXT_BYTES)?;
        Ok(())
    }

    /// Signs with the city's key, which must be the application's `city_key`.
    pub fn sign(self, key: &SecretKey) -> Result<SignedApplication, RecordError> {
        if key.public() != self.city_key {
            return Err(RecordError::BadSignature {
                author: self.city_key,
            });
        }
        self.validate()?;
        let signature = key.sign(&self.signing_message());
        Ok(SignedApplication {
            application: self,
            signature,
        })
    }
}

impl SignedApplication {
    /// Rules, in order: the schema, the coalition (`network_id`), the signature by `city_key`.
    pub fn verify(&self, network_id: &Hash32) -> Result<(), RecordError> {
        self.application.validate()?;
        if &self.application.network_id != network_id {
            return Err(RecordError::WrongNetwork {
                expected: *network_id,
                found: self.application.network_id,
            });
        }
        let message = self.application.signing_message();
        if !crate::signature::verify(&self.application.city_key, &message, &self.signature) {
            return Err(RecordError::BadSignature {
                author: self.application.city_key,
            });
        }
        Ok(())
    }
}

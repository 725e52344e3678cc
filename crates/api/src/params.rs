//! Query-string and path parsing with errors that name the parameter: repeated keys
//! (`commitment=3&commitment=7`), unknown keys refused, each value checked by the rule it must
//! follow.

use crate::error::ApiError;
use coalition_record::{schema, EntryId};

/// Default and largest page size.
pub(crate) const DEFAULT_LIMIT: usize = 20;
pub(crate) const MAX_LIMIT: usize = 100;

/// A parsed query string: keys in order, repeats kept, empty values dropped (an empty form field
/// means "no filter").
#[derive(Debug, Default, Clone)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses `raw`, refusing keys outside `allowed` (with a 400 naming the key) when `strict`.
    pub(crate) fn parse(
        raw: Option<&str>,
        allowed: &[&str],
        strict: bool,
    ) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
            .map_err(|e| ApiError::bad("query", "query_string", e.to_string()))?;
        Self::from_pairs(pairs, allowed, strict)
    }

    pub(crate) fn from_pairs(
        pairs: Vec<(String, String)>,
        allowed: &[&str],
        strict: bool,
    ) -> Result<Self, ApiError> {
        let mut kept = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            if !allowed.contains(&key.as_str()) {
                if strict {
                    return Err(ApiError::bad(
                        &key,
                        "unknown_parameter",
                        format!(
                            "'{key}' is not a parameter of this route; known: {}",
                            allowed.join(", ")
                        ),
                    ));
                }
                continue;
            }
            let value = value.trim().to_string();
            if !value.is_empty() {
                kept.push((key, value));
            }
        }
        Ok(Params { pairs: kept })
    }

    /// The last value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn text(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_string)
    }

    /// Every value of `key` as a Ten-Point-Plan commitment, sorted, without repeats.
    pub(crate) fn commitments(&self, key: &str) -> Result<Vec<u8>, ApiError> {
        let mut out = Vec::new();
        for value in self.all(key) {
            out.push(commitment(key, value)?);
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    pub(crate) fn commitment(&self, key: &str) -> Result<Option<u8>, ApiError> {
        self.get(key).map(|v| commitment(key, v)).transpose()
    }

    pub(crate) fn year(&self, key: &str) -> Result<Option<i32>, ApiError> {
        self.get(key)
            .map(|v| {
                v.parse::<i32>()
                    .ok()
                    .filter(|y| (1900..=2200).contains(y))
                    .ok_or_else(|| {
                        ApiError::bad(
                            key,
                            "year",
                            format!("'{v}' is not a year between 1900 and 2200"),
                        )
                    })
            })
            .transpose()
    }

    pub(crate) fn usize_or(
        &self,
        key: &str,
        default: usize,
        max: usize,
    ) -> Result<usize, ApiError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| {
                    ApiError::bad(
                        key,
                        "integer_range",
                        format!("'{v}' is not a whole number from 0 to {max}"),
                    )
                }),
        }
    }

    pub(crate) fn offset(&self) -> Result<usize, ApiError> {
        self.usize_or("offset", 0, 1_000_000)
    }

    pub(crate) fn limit(&self) -> Result<usize, ApiError> {
        let limit = self.usize_or("limit", DEFAULT_LIMIT, MAX_LIMIT)?;
        if limit == 0 {
            return Err(ApiError::bad(
                "limit",
                "integer_range",
                format!("limit must be from 1 to {MAX_LIMIT}"),
            ));
        }
        Ok(limit)
    }

    /// A BCP 47 language tag.
    pub(crate) fn language(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.get(key)
            .map(|v| {
                schema::language_tag(key, v)
                    .map(|_| v.to_string())
                    .map_err(|_| {
                        ApiError::bad(
                            key,
                            "language_tag",
                            format!("'{v}' is not a BCP 47 language tag (e.g. en, fr, de-AT)"),
                        )
                    })
            })
            .transpose()
    }

    /// An ISO 3166-1 alpha-2 country code, in either case.
    pub(crate) fn country(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.get(key)
            .map(|v| {
                let code = v.to_ascii_uppercase();
                schema::country(key, &code).map(|_| code).map_err(|_| {
                    ApiError::bad(
                        key,
                        "country_code",
                        format!("'{v}' is not an ISO 3166-1 alpha-2 country code (e.g. FR, DE)"),
                    )
                })
            })
            .transpose()
    }

    /// A code of one of the lists of `docs/` (`list`, from `file`), in either case; the error
    /// names `rule` and the codes.
    fn listed(
        &self,
        key: &str,
        rule: &'static str,
        list: &[coalition_record::taxonomy::Term],
        file: &str,
    ) -> Result<Option<String>, ApiError> {
        self.get(key)
            .map(|v| {
                let code = v.trim().to_ascii_lowercase();
                coalition_record::taxonomy::check_listed(&code, list, file)
                    .map(|_| code)
                    .map_err(|message| ApiError::bad(key, rule, message))
            })
            .transpose()
    }

    /// A ground of discrimination: a code of docs/grounds.toml, in either case.
    pub(crate) fn ground(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.listed(
            key,
            "ground",
            &coalition_record::taxonomy::GROUNDS,
            "docs/grounds.toml",
        )
    }

    /// A partner type: a code of docs/partner-types.toml, in either case.
    pub(crate) fn partner_type(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.listed(
            key,
            "partner_type",
            &coalition_record::taxonomy::PARTNER_TYPES,
            "docs/partner-types.toml",
        )
    }

    /// A reporting period: `YYYY`, `YYYY-H1` or `YYYY-H2`.
    pub(crate) fn period(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.get(key)
            .map(|v| {
                schema::report_period(key, v)
                    .map(|_| v.to_string())
                    .map_err(|_| {
                        ApiError::bad(
                            key,
                            "report_period",
                            format!("'{v}' is not a reporting period; write 2026 or 2026-H1"),
                        )
                    })
            })
            .transpose()
    }
}

fn commitment(key: &str, value: &str) -> Result<u8, ApiError> {
    value
        .parse::<u8>()
        .ok()
        .filter(|c| (1..=10).contains(c))
        .ok_or_else(|| {
            ApiError::bad(
                key,
                "commitment",
                format!("'{value}' is not a Ten-Point-Plan commitment (1 to 10)"),
            )
        })
}

/// An entry id as given in a path or body: 64 hex characters, or a unique prefix of at least 8.
#[derive(Debug, Clone)]
pub(crate) enum IdRef {
    Full(EntryId),
    Prefix(String),
}

pub(crate) fn entry_id(field: &str, text: &str) -> Result<IdRef, ApiError> {
    let text = text.trim();
    let bad = |why: &str| {
        ApiError::bad(
            field,
            "hex",
            format!("'{text}' {why}; an entry id is 64 hex characters (or a unique prefix of at least 8)"),
        )
    };
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("is not hex"));
    }
    match text.len() {
        64 => EntryId::from_hex(text)
            .map(IdRef::Full)
            .map_err(|_| bad("is not hex")),
        8..=63 => Ok(IdRef::Prefix(text.to_ascii_lowercase())),
        _ => Err(bad("has the wrong length")),
    }
}

/// A full 64-hex entry id (in request bodies, where prefixes are not accepted).
pub(crate) fn full_entry_id(field: &str, text: &str) -> Result<EntryId, ApiError> {
    EntryId::from_hex(text)
        .map_err(|e| ApiError::bad(field, "hex", format!("'{}': {e}", text.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_commitments_are_sorted_and_deduplicated() {
        let p = Params::parse(
            Some("commitment=7&commitment=3&commitment=7"),
            &["commitment"],
            true,
        )
        .unwrap_or_default();
        assert_eq!(p.commitments("commitment").ok(), Some(vec![3, 7]));
    }

    #[test]
    fn unknown_and_bad_parameters_are_named() {
        let e = Params::parse(Some("comitment=3"), &["commitment"], true).err();
        assert_eq!(e.as_ref().and_then(|e| e.field()), Some("comitment"));
        let p = Params::parse(Some("commitment=11"), &["commitment"], true).unwrap_or_default();
        let e = p.commitments("commitment").err();
        assert_eq!(e.as_ref().and_then(|e| e.field()), Some("commitment"));
    }

    #[test]
    fn ids_accept_full_hex_and_prefixes() {
        assert!(matches!(
            entry_id("id", &"ab".repeat(32)),
            Ok(IdRef::Full(_))
        ));
        assert!(matches!(entry_id("id", "abcdef01"), Ok(IdRef::Prefix(_))));
        assert!(entry_id("id", "xyz").is_err());
        assert!(entry_id("id", "abc").is_err());
    }
}

//! The payload schema rule: each check names the field it refused and why, in words a coordinator
//! can act on ("practice.commitments: 11 is not a Ten-Point-Plan commitment (1 to 10)").

use crate::error::RecordError;
use crate::limits::{MAX_LANGUAGES, MAX_LIST_ITEMS, MAX_SHORT_TEXT_BYTES};
use crate::taxonomy;

type Result<T = ()> = std::result::Result<T, RecordError>;

/// A field's name as `prefix.name`, written out only when a rule fails: validation runs on
/// every entry a node ingests and nearly every entry passes, and formatting each name up front
/// was about a fifth of the payload check (issue #14's profile).
#[derive(Debug, Clone, Copy)]
pub struct Dotted<'a>(pub &'a str, pub &'a str);

impl std::fmt::Display for Dotted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// What the rules take as a field's name: a `&str`, a [`Dotted`] or `format_args!`, formatted
/// only into an error.
pub trait FieldName: std::fmt::Display + Copy {}
impl<T: std::fmt::Display + Copy> FieldName for T {}

/// A text in several languages: BCP 47 language tag → text, sorted by tag.
pub type LangText = std::collections::BTreeMap<String, String>;

/// A Ten-Point-Plan commitment: 1 to 10.
pub fn commitment(field: impl FieldName, id: u8) -> Result {
    if taxonomy::commitment(id).is_none() {
        return Err(RecordError::schema(
            field,
            format!("{id} is not a Ten-Point-Plan commitment (1 to 10)"),
        ));
    }
    Ok(())
}

/// A commitment list: each a commitment, strictly increasing (so each once) and, when
/// `required`, not empty.
pub fn commitments(field: impl FieldName, ids: &[u8], required: bool) -> Result {
    if required && ids.is_empty() {
        return Err(RecordError::schema(
            field,
            "name at least one Ten-Point-Plan commitment (1 to 10)",
        ));
    }
    for id in ids {
        commitment(field, *id)?;
    }
    if ids.windows(2).any(|w| w[0] >= w[1]) {
        return Err(RecordError::schema(
            field,
            "list each commitment once, in increasing order",
        ));
    }
    Ok(())
}

/// A lang text: when `required`, at least one value that is not blank; at most 32 languages;
/// every tag a [`language_tag`]; every value at most `limit` bytes (the error names `field.tag`).
pub fn lang_text(field: impl FieldName, text: &LangText, required: bool, limit: usize) -> Result {
    if required && text.values().all(|t| t.trim().is_empty()) {
        return Err(RecordError::schema(
            field,
            "required: give it in at least one language, e.g. en = \"…\"",
        ));
    }
    if text.len() > MAX_LANGUAGES {
        return Err(RecordError::schema(
            field,
            format!("at most {MAX_LANGUAGES} languages"),
        ));
    }
    for (tag, value) in text {
        language_tag(field, tag)?;
        if value.len() > limit {
            return Err(RecordError::schema(
                format!("{field}.{tag}"),
                format!("{} bytes is over the limit of {limit} bytes", value.len()),
            ));
        }
    }
    Ok(())
}

/// A short text: at most 1024 bytes and, when `required`, not empty or whitespace only.
pub fn short_text(field: impl FieldName, value: &str, required: bool) -> Result {
    match short_text_rule(value, required) {
        Some(rule) => Err(RecordError::schema(field, rule)),
        None => Ok(()),
    }
}

/// The rule a short text breaks, if any. Callers with many texts name the field only on error
/// (validation runs on every entry a node ingests).
fn short_text_rule(value: &str, required: bool) -> Option<String> {
    if required && value.trim().is_empty() {
        return Some("required, and must not be blank".into());
    }
    if value.len() > MAX_SHORT_TEXT_BYTES {
        return Some(format!(
            "{} bytes is over the limit of {MAX_SHORT_TEXT_BYTES} bytes",
            value.len()
        ));
    }
    None
}

pub(crate) fn too_many(field: impl FieldName) -> RecordError {
    RecordError::schema(field, format!("at most {MAX_LIST_ITEMS} items"))
}

pub(crate) fn short_list(field: impl FieldName, items: &[String]) -> Result {
    if items.len() > MAX_LIST_ITEMS {
        return Err(too_many(field));
    }
    for (i, item) in items.iter().enumerate() {
        if let Some(rule) = short_text_rule(item, true) {
            return Err(RecordError::schema(format!("{field}[{i}]"), rule));
        }
    }
    Ok(())
}

pub(crate) fn links(field: impl FieldName, items: &[String]) -> Result {
    short_list(field, items)?;
    for (i, link) in items.iter().enumerate() {
        if !(link.starts_with("https://") || link.starts_with("http://")) {
            return Err(RecordError::schema(
                format!("{field}[{i}]"),
                format!("'{link}' is not an http(s) link"),
            ));
        }
    }
    Ok(())
}

/// The primary language subtag of a BCP 47 tag, lower-cased (`nl` of `nl-BE`).
pub fn primary_tag(tag: &str) -> String {
    tag.split('-')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// A BCP 47 language tag in its usual case: `en`, `fr`, `de-AT`, `zh-Hant`, `es-419`. A primary
/// subtag of 2–3 lowercase letters, then subtags of 2 uppercase letters, 3 digits, 4 letters
/// (first uppercase) or 5–8 lowercase letters or digits (PROTOCOL.md §8.6).
pub fn language_tag(field: impl FieldName, tag: &str) -> Result {
    let bad = || {
        RecordError::schema(
            field,
            format!("'{tag}' is not a BCP 47 language tag (use e.g. en, fr, de-AT, pt-BR)"),
        )
    };
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(bad());
    }
    for sub in parts {
        let ok = match sub.len() {
            2 => sub.bytes().all(|b| b.is_ascii_uppercase()),
            3 => sub.bytes().all(|b| b.is_ascii_digit()),
            4 => {
                let b = sub.as_bytes();
                b[0].is_ascii_uppercase() && b[1..].iter().all(|c| c.is_ascii_lowercase())
            }
            5..=8 => sub
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            _ => false,
        };
        if !ok {
            return Err(bad());
        }
    }
    Ok(())
}

/// ISO 3166-1 alpha-2 codes, officially assigned.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// An officially assigned ISO 3166-1 alpha-2 country code, uppercase (`FR`; not `fr`, `UK`).
pub fn country(field: impl FieldName, code: &str) -> Result {
    if is_country(code) {
        return Ok(());
    }
    Err(RecordError::schema(
        field,
        format!("'{code}' is not an ISO 3166-1 alpha-2 country code (use e.g. FR, DE, ES)"),
    ))
}

/// Whether `code` is in [`COUNTRIES`]: a binary search over its codes, which are sorted and
/// three bytes apart (a scan of the list was about a fifth of the payload check).
fn is_country(code: &str) -> bool {
    let list = COUNTRIES.as_bytes();
    let code = code.as_bytes();
    if code.len() != 2 {
        return false;
    }
    let (mut low, mut high) = (0, list.len().div_ceil(3));
    while low < high {
        let middle = (low + high) / 2;
        match list[3 * middle..3 * middle + 2].cmp(code) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with a real month and day.
pub fn date(field: impl FieldName, text: &str) -> Result {
    let bad = |why: &str| {
        RecordError::schema(
            field,
            format!("'{text}' {why}; write YYYY-MM-DD, YYYY-MM or YYYY"),
        )
    };
    let parts: Vec<&str> = text.split('-').collect();
    let num = |s: &str, len: usize| -> Option<u32> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let year = parts
        .first()
        .and_then(|y| num(y, 4))
        .ok_or_else(|| bad("is not a date"))?;
    if !(1900..=2200).contains(&year) {
        return Err(bad("has a year outside 1900 to 2200"));
    }
    if parts.len() > 3 {
        return Err(bad("is not a date"));
    }
    if let Some(m) = parts.get(1) {
        let month = num(m, 2).ok_or_else(|| bad("is not a date"))?;
        if !(1..=12).contains(&month) {
            return Err(bad("has no such month"));
        }
        if let Some(d) = parts.get(2) {
            let day = num(d, 2).ok_or_else(|| bad("is not a date"))?;
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            let days = match month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            if !(1..=days).contains(&day) {
                return Err(bad("has no such day"));
            }
        }
    }
    Ok(())
}

/// A reporting period: `YYYY`, `YYYY-H1` or `YYYY-H2`.
pub fn report_period(field: impl FieldName, text: &str) -> Result {
    let (year, half) = match text.split_once('-') {
        Some((y, h)) => (y, Some(h)),
        None => (text, None),
    };
    let year_ok = year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && year
            .parse::<u32>()
            .is_ok_and(|y| (1900..=2200).contains(&y));
    let half_ok = matches!(half, None | Some("H1") | Some("H2"));
    if year_ok && half_ok {
        Ok(())
    } else {
        Err(RecordError::schema(
            field,
            format!(
                "'{text}' is not a reporting period; write a year (2026) or a half-year (2026-H1)"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary search needs the list sorted, each code two letters and one space apart.
    #[test]
    fn the_country_list_is_sorted_and_every_code_in_it_is_found() {
        let codes: Vec<&str> = COUNTRIES.split(' ').collect();
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "COUNTRIES is not sorted"
        );
        assert!(codes.iter().all(|c| c.len() == 2));
        assert_eq!(codes.len(), COUNTRIES.len().div_ceil(3));
        for code in &codes {
            assert!(country("c", code).is_ok(), "{code} refused");
        }
        for bad in [
            "", "F", "fr", "UK", "ZZ", "AA", "FRA", "F ", " F", "ZW ", "AD\u{0}",
        ] {
            let error = country("practice.country", bad).expect_err(bad);
            assert!(error.to_string().contains("practice.country"), "{error}");
        }
    }

    #[test]
    fn a_dotted_name_reads_as_prefix_dot_name_in_the_error() {
        let error = short_text(Dotted("practice", "city"), " ", true).expect_err("blank");
        assert!(
            matches!(&error, RecordError::Schema { field, .. } if field == "practice.city"),
            "{error:?}"
        );
    }
}

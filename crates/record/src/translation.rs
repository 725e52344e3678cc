//! Translations cities sign for each other (PROTOCOL.md §8.10): a city translates another city's
//! practice into one language (kind 14), naming the exact version it translates; the practice's
//! own city may endorse it (kind 15). A translation counts with the same trust as any entry: it
//! is signed by its translating city, which the page names.

use crate::bytes::Hash32;
use crate::error::RecordError;
use crate::limits::{MAX_SHORT_TEXT_BYTES, MAX_TEXT_BYTES};
use crate::schema::{language_tag, LangText};
use serde::{Deserialize, Serialize};

/// One practice version's texts in one language, by a city other than its author (kind 14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Translation {
    /// The version translated: the entry id of a practice or one of its revisions.
    pub source: Hash32,
    /// The language translated from: a BCP 47 tag. The signing node checks that the version is
    /// written in it (not re-checked on arrival).
    pub from_lang: String,
    /// The language translated into: a BCP 47 tag whose primary subtag differs from
    /// `from_lang`'s. The signing node checks that the version is not already in it.
    pub lang: String,
    /// The practice's title in `lang`: not blank, at most 1 KiB.
    pub title: String,
    /// The summary in `lang`: not blank, at most 64 KiB.
    pub summary: String,
    /// The body in `lang`: empty when not translated, at most 64 KiB.
    #[serde(default)]
    pub body: String,
    /// The rationale section in `lang`: empty when not translated, at most 64 KiB.
    #[serde(default)]
    pub rationale: String,
    /// The approach section in `lang`: empty when not translated, at most 64 KiB.
    #[serde(default)]
    pub approach: String,
    /// The results section in `lang`: empty when not translated, at most 64 KiB.
    #[serde(default)]
    pub results: String,
    /// The transferability section in `lang`: empty when not translated, at most 64 KiB.
    #[serde(default)]
    pub transferability: String,
}

/// The practice's own city vouches for a translation (kind 15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranslationEndorsement {
    /// The entry id of the translation.
    pub translation: Hash32,
}

impl Translation {
    /// The sections as `(name, text)`, in the order a page shows them.
    pub fn sections(&self) -> [(&'static str, &str); 7] {
        [
            ("title", &self.title),
            ("summary", &self.summary),
            ("body", &self.body),
            ("rationale", &self.rationale),
            ("approach", &self.approach),
            ("results", &self.results),
            ("transferability", &self.transferability),
        ]
    }

    /// The translation as the practice's texts in its language: each section a one-language
    /// [`LangText`] (empty sections left out).
    pub fn as_lang_texts(&self) -> [LangText; 7] {
        self.sections().map(|(_, text)| {
            if text.trim().is_empty() {
                LangText::new()
            } else {
                [(self.lang.clone(), text.to_string())].into()
            }
        })
    }

    /// The schema rule: both tags valid and different, a title and a summary, lengths.
    pub fn validate(&self) -> Result<(), RecordError> {
        language_tag("translation.from_lang", &self.from_lang)?;
        language_tag("translation.lang", &self.lang)?;
        if crate::schema::primary_tag(&self.from_lang) == crate::schema::primary_tag(&self.lang) {
            return Err(RecordError::schema(
                "translation.lang",
                format!(
                    "'{}' is the language translated from; a translation is into another language",
                    self.lang
                ),
            ));
        }
        for (name, text) in self.sections() {
            let required = matches!(name, "title" | "summary");
            let limit = if name == "title" {
                MAX_SHORT_TEXT_BYTES
            } else {
                MAX_TEXT_BYTES
            };
            if required && text.trim().is_empty() {
                return Err(RecordError::schema(
                    format!("translation.{name}"),
                    "must not be empty",
                ));
            }
            if text.len() > limit {
                return Err(RecordError::schema(
                    format!("translation.{name}"),
                    format!("at most {limit} bytes"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translation() -> Translation {
        Translation {
            source: Hash32([1; 32]),
            from_lang: "nl".into(),
            lang: "es".into(),
            title: "Pruebas de discriminación en la vivienda".into(),
            summary: "Pruebas por parejas en agencias de alquiler.".into(),
            body: String::new(),
            rationale: String::new(),
            approach: String::new(),
            results: String::new(),
            transferability: String::new(),
        }
    }

    #[test]
    fn a_translation_names_two_languages_and_has_a_title_and_summary() {
        translation().validate().expect("valid");
        let mut same = translation();
        same.lang = "nl-BE".into();
        let e = same.validate().expect_err("into the language it is from");
        assert!(e.to_string().contains("translation.lang"), "{e}");
        let mut untitled = translation();
        untitled.title = " ".into();
        let e = untitled.validate().expect_err("no title");
        assert!(e.to_string().contains("translation.title"), "{e}");
        let mut bad_tag = translation();
        bad_tag.from_lang = "Dutch".into();
        assert!(bad_tag.validate().is_err());
    }

    #[test]
    fn the_language_texts_hold_only_the_written_sections() {
        let texts = translation().as_lang_texts();
        assert_eq!(texts[0]["es"], "Pruebas de discriminación en la vivienda");
        assert!(texts[2].is_empty());
    }
}

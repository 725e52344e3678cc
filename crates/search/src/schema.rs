//! The index schema: which fields a document has, and the per-language analysers that fill them.
//!
//! Text is indexed once per language bucket: each supported language has a `title_<code>` and a
//! `text_<code>` field analysed with its own Snowball stemmer; every other language goes to
//! `title_other`/`text_other` with lowercasing and ASCII folding only. The analysers lowercase,
//! stem, then fold accents, so "logements" finds "logement" and "Integración" finds "integracion".
//! The texts themselves are stored once, tagged with their language (`titles`, `texts`), for
//! result titles and snippets.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, TokenizerManager,
};

/// Bumped whenever fields or analysers change; an index of another version is rebuilt.
pub const SCHEMA_VERSION: u64 = 5;

/// A language bucket: the primary subtags it covers and its stemmer (none for `other`).
pub struct Bucket {
    /// Short name, used in analyser names (`coalition_<code>`); `other` for the fallback.
    pub code: &'static str,
    /// Primary language subtags (lower case) analysed in this bucket.
    pub subtags: &'static [&'static str],
    /// Snowball stemmer; None: lowercasing and folding only.
    pub stemmer: Option<Language>,
}

/// Languages with a stemmer, then the fallback bucket last.
pub const BUCKETS: &[Bucket] = &[
    bucket("en", &["en"], Some(Language::English)),
    bucket("fr", &["fr"], Some(Language::French)),
    bucket("de", &["de"], Some(Language::German)),
    bucket("es", &["es"], Some(Language::Spanish)),
    bucket("it", &["it"], Some(Language::Italian)),
    bucket("nl", &["nl"], Some(Language::Dutch)),
    bucket("sv", &["sv"], Some(Language::Swedish)),
    bucket("pt", &["pt"], Some(Language::Portuguese)),
    bucket("da", &["da"], Some(Language::Danish)),
    bucket("no", &["no", "nb", "nn"], Some(Language::Norwegian)),
    bucket("fi", &["fi"], Some(Language::Finnish)),
    bucket("ro", &["ro"], Some(Language::Romanian)),
    bucket("hu", &["hu"], Some(Language::Hungarian)),
    bucket("el", &["el"], Some(Language::Greek)),
    bucket("tr", &["tr"], Some(Language::Turkish)),
    bucket("ru", &["ru"], Some(Language::Russian)),
    bucket("ar", &["ar"], Some(Language::Arabic)),
    bucket("other", &[], None),
];

const fn bucket(
    code: &'static str,
    subtags: &'static [&'static str],
    stemmer: Option<Language>,
) -> Bucket {
    Bucket {
        code,
        subtags,
        stemmer,
    }
}

/// The primary subtag of a BCP 47 tag, lowercased: "fr-CA" → "fr".
pub fn primary(tag: &str) -> String {
    tag.split('-').next().unwrap_or(tag).to_ascii_lowercase()
}

/// Index into [`BUCKETS`] for a language tag; unknown languages go to the last (`other`).
pub fn bucket_of(tag: &str) -> usize {
    let primary = primary(tag);
    BUCKETS
        .iter()
        .position(|b| b.subtags.contains(&primary.as_str()))
        .unwrap_or(BUCKETS.len() - 1)
}

pub(crate) fn analyser_name(bucket: &Bucket) -> String {
    format!("coalition_{}", bucket.code)
}

/// Tokens longer than this (in bytes) are dropped: URLs glued together, base64, noise.
const MAX_TOKEN_BYTES: usize = 60;

pub(crate) fn analyser(stemmer: Option<Language>) -> TextAnalyzer {
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser);
    // Fold before stemming: "accès" and "acces" then reach the stemmer as the same word, so
    // accents never decide whether a word matches (a stemmer fed both could stem them apart).
    let folded = base.filter(AsciiFoldingFilter);
    match stemmer {
        Some(language) => folded.filter(Stemmer::new(language)).build(),
        None => folded.build(),
    }
}

/// Registers the analysers every text field names. Must run on each index opened.
pub fn register_analysers(tokenizers: &TokenizerManager) {
    for bucket in BUCKETS {
        tokenizers.register(&analyser_name(bucket), analyser(bucket.stemmer));
    }
}

/// The fields of the schema, resolved once.
#[derive(Clone)]
pub struct Fields {
    /// Entry id, hex: the document's key for replacement and deletion.
    pub id: Field,
    /// Author (city key), hex.
    pub author: Field,
    /// "practice", "update" or "report".
    pub kind: Field,
    /// Ten-Point-Plan commitments, multi-valued.
    pub commitment: Field,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Field,
    /// City name as written.
    pub city: Field,
    /// City name lowercased, for case-insensitive filtering.
    pub city_key: Field,
    /// Primary subtags of the languages the texts are written in, multi-valued.
    pub language: Field,
    /// Grounds of discrimination a practice addresses (codes), multi-valued.
    pub ground: Field,
    /// Types of a practice's partners (codes), multi-valued.
    pub partner_type: Field,
    /// Start year (a practice's period start, an update's date, a report's period).
    pub year: Field,
    /// Last year active: a practice's period end, [`OPEN_END`] when it has none.
    pub year_end: Field,
    /// Entry timestamp, ms: "newest first".
    pub timestamp: Field,
    /// Stored only: `tag \u{1f} title`, one per language.
    pub titles: Field,
    /// Stored only: `tag \u{1f} text` (summary then the other sections), one per language.
    pub texts: Field,
    /// Stored only: `tag \u{1f} city \u{1f} from` for each language a practice has only through
    /// another city's signed translation.
    pub translated: Field,
    /// Themes, target groups, partners, city and country names (stored for related practices).
    pub tags: Field,
    /// Indexed only, per bucket (same order as [`BUCKETS`]): titles, summaries, and the other
    /// sections, weighted in that order by queries.
    pub title_by_bucket: Vec<Field>,
    /// Indexed only, per bucket: summaries.
    pub summary_by_bucket: Vec<Field>,
    /// Indexed only, per bucket: the other sections.
    pub text_by_bucket: Vec<Field>,
}

/// The `year_end` of an open-ended (ongoing) practice.
pub const OPEN_END: i64 = 9999;

/// Field names of the facet columns, for the facet collector.
pub mod names {
    /// [`Fields::commitment`](super::Fields::commitment).
    pub const COMMITMENT: &str = "commitment";
    /// [`Fields::country`](super::Fields::country).
    pub const COUNTRY: &str = "country";
    /// [`Fields::city`](super::Fields::city).
    pub const CITY: &str = "city";
    /// [`Fields::language`](super::Fields::language).
    pub const LANGUAGE: &str = "language";
    /// [`Fields::ground`](super::Fields::ground).
    pub const GROUND: &str = "ground";
    /// [`Fields::partner_type`](super::Fields::partner_type).
    pub const PARTNER_TYPE: &str = "partner_type";
    /// [`Fields::year`](super::Fields::year).
    pub const YEAR: &str = "year";
    /// [`Fields::year_end`](super::Fields::year_end).
    pub const YEAR_END: &str = "year_end";
    /// [`Fields::kind`](super::Fields::kind).
    pub const KIND: &str = "kind";
    /// [`Fields::timestamp`](super::Fields::timestamp).
    pub const TIMESTAMP: &str = "timestamp";
}

fn analysed(tokenizer: &str, stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(tokenizer)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored {
        options.set_stored()
    } else {
        options
    }
}

/// Builds the schema and resolves its fields.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let numeric = || NumericOptions::from(INDEXED | FAST | STORED);
    let id = b.add_text_field("id", STRING | STORED);
    let author = b.add_text_field("author", STRING | STORED);
    let kind = b.add_text_field(names::KIND, STRING | FAST | STORED);
    let commitment = b.add_u64_field(names::COMMITMENT, numeric());
    let country = b.add_text_field(names::COUNTRY, STRING | FAST | STORED);
    let city = b.add_text_field(names::CITY, STRING | FAST | STORED);
    let city_key = b.add_text_field("city_key", STRING);
    let language = b.add_text_field(names::LANGUAGE, STRING | FAST | STORED);
    let ground = b.add_text_field(names::GROUND, STRING | FAST | STORED);
    let partner_type = b.add_text_field(names::PARTNER_TYPE, STRING | FAST | STORED);
    let year = b.add_i64_field(names::YEAR, numeric());
    let year_end = b.add_i64_field(names::YEAR_END, NumericOptions::from(INDEXED | FAST));
    let timestamp = b.add_i64_field(names::TIMESTAMP, FAST | STORED);
    let titles = b.add_text_field("titles", STORED);
    let texts = b.add_text_field("texts", STORED);
    let translated = b.add_text_field("translated", STORED);
    let other = analyser_name(&BUCKETS[BUCKETS.len() - 1]);
    let tags = b.add_text_field("tags", analysed(&other, true));
    let mut title_by_bucket = Vec::with_capacity(BUCKETS.len());
    let mut summary_by_bucket = Vec::with_capacity(BUCKETS.len());
    let mut text_by_bucket = Vec::with_capacity(BUCKETS.len());
    for bucket in BUCKETS {
        let name = analyser_name(bucket);
        title_by_bucket
            .push(b.add_text_field(&format!("title_{}", bucket.code), analysed(&name, false)));
        summary_by_bucket
            .push(b.add_text_field(&format!("summary_{}", bucket.code), analysed(&name, false)));
        text_by_bucket
            .push(b.add_text_field(&format!("text_{}", bucket.code), analysed(&name, false)));
    }
    // Not a real field: changes the schema (and so forces a rebuild) when SCHEMA_VERSION moves.
    b.add_u64_field(
        &format!("schema_v{SCHEMA_VERSION}"),
        NumericOptions::default(),
    );
    let fields = Fields {
        id,
        author,
        kind,
        commitment,
        country,
        city,
        city_key,
        language,
        ground,
        partner_type,
        year,
        year_end,
        timestamp,
        titles,
        texts,
        translated,
        tags,
        title_by_bucket,
        summary_by_bucket,
        text_by_bucket,
    };
    (b.build(), fields)
}

/// Separates the language tag from the text in the stored `titles` and `texts` values.
pub const TAG_SEPARATOR: char = '\u{1f}';

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::TokenStream;

    fn tokens(bucket: &str, text: &str) -> Vec<String> {
        let b = BUCKETS.iter().find(|b| b.code == bucket).map(|b| b.stemmer);
        let mut analyser = analyser(b.flatten());
        let mut stream = analyser.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(token.text.clone());
        }
        out
    }

    #[test]
    fn analysers_fold_then_stem() {
        assert_eq!(tokens("fr", "Logements"), tokens("fr", "logement"));
        assert_eq!(
            tokens("fr", "accès équitable"),
            tokens("fr", "acces equitable")
        );
        assert_eq!(tokens("sv", "Mötesplatser"), tokens("sv", "motesplatser"));
        assert_eq!(tokens("de", "Häuser"), tokens("de", "Hauser"));
        assert_eq!(tokens("de", "Wohnungen"), tokens("de", "Wohnung"));
        assert_eq!(tokens("en", "housing"), tokens("en", "Housed"));
        assert_eq!(tokens("es", "Integración"), tokens("es", "integracion"));
        assert_eq!(tokens("other", "Łódź Straße"), vec!["lodz", "strasse"]);
    }

    #[test]
    fn buckets_by_primary_subtag() {
        assert_eq!(BUCKETS[bucket_of("fr-CA")].code, "fr");
        assert_eq!(BUCKETS[bucket_of("nb")].code, "no");
        assert_eq!(BUCKETS[bucket_of("pl")].code, "other");
        assert_eq!(BUCKETS[bucket_of("PT-br")].code, "pt");
    }
}

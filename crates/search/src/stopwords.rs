//! Stop words of the thesaurus's eight languages, folded (lowercase, no accents): words that
//! carry no topic and are dropped from queries unless they are part of a thesaurus term
//! ("délits *de* haine"). Content words that are also function words in another language
//! ("war", "man", "die") are left out on purpose.

/// Per language, in the order of [`crate::thesaurus::LANGS`].
const STOP_WORDS: [&[&str]; 8] = [
    // en
    &[
        "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "from", "by", "with",
        "about", "against", "into", "is", "are", "was", "be", "been", "it", "its", "this", "that",
        "these", "those", "how", "what", "which", "who", "where", "when", "do", "does", "we",
        "our", "their", "there", "as", "not", "no", "any", "some", "can", "i", "my", "you", "your",
        "they", "them", "he", "she", "his", "her", "more", "most", "than", "also",
    ],
    // fr
    &[
        "le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "et", "ou", "a", "au", "aux",
        "en", "dans", "par", "pour", "sur", "avec", "sans", "contre", "ce", "cette", "ces", "qui",
        "que", "qu", "quoi", "est", "sont", "il", "elle", "ils", "elles", "nous", "vous", "leur",
        "leurs", "son", "sa", "ses", "se", "ne", "pas", "plus", "comme", "y", "s", "chez",
    ],
    // de
    &[
        "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem",
        "einen", "und", "oder", "in", "im", "an", "am", "auf", "aus", "bei", "mit", "nach", "von",
        "vom", "zu", "zum", "zur", "fur", "gegen", "uber", "unter", "ist", "sind", "wie", "was",
        "wer", "wo", "es", "sie", "wir", "ihr", "nicht", "auch", "als", "durch", "ohne",
    ],
    // es
    &[
        "el", "la", "los", "las", "un", "una", "unos", "unas", "de", "del", "y", "e", "o", "u",
        "a", "al", "en", "por", "para", "con", "sin", "contra", "sobre", "que", "como", "es",
        "son", "se", "su", "sus", "lo", "le", "les", "mas", "este", "esta", "estos", "estas",
        "entre", "hacia",
    ],
    // it
    &[
        "il", "lo", "la", "i", "gli", "le", "l", "un", "uno", "una", "di", "del", "dello", "della",
        "dei", "degli", "delle", "d", "e", "ed", "o", "a", "al", "allo", "alla", "ai", "agli",
        "alle", "in", "nel", "nella", "nei", "nelle", "da", "dal", "dalla", "con", "su", "sul",
        "sulla", "per", "tra", "fra", "che", "come", "contro", "non", "si", "sono",
    ],
    // nl
    &[
        "de", "het", "een", "en", "of", "van", "in", "op", "aan", "met", "voor", "door", "bij",
        "naar", "om", "over", "tegen", "uit", "is", "zijn", "was", "wat", "hoe", "wie", "waar",
        "die", "dat", "deze", "dit", "er", "niet", "ook", "als", "te", "tot", "zonder",
    ],
    // sv
    &[
        "en", "ett", "och", "eller", "i", "pa", "av", "for", "till", "fran", "med", "om", "mot",
        "vid", "under", "over", "ar", "var", "som", "det", "den", "de", "denna", "detta", "hur",
        "vad", "vem", "inte", "ocksa", "utan", "sin", "sina", "att",
    ],
    // pt
    &[
        "o", "a", "os", "as", "um", "uma", "uns", "umas", "de", "do", "da", "dos", "das", "e",
        "ou", "em", "no", "na", "nos", "nas", "por", "pelo", "pela", "para", "com", "sem",
        "contra", "sobre", "que", "como", "se", "seu", "sua", "ao", "aos", "as", "entre",
    ],
];

/// True when `folded` is a stop word of `lang` (an index into the thesaurus languages), or of
/// any of the eight languages when `lang` is None.
pub(crate) fn is_stop_word(folded: &str, lang: Option<usize>) -> bool {
    match lang.and_then(|l| STOP_WORDS.get(l)) {
        Some(words) => words.contains(&folded),
        None => STOP_WORDS.iter().any(|words| words.contains(&folded)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_words_stop_and_content_words_do_not() {
        assert!(is_stop_word("der", Some(2)));
        assert!(is_stop_word("och", None));
        assert!(!is_stop_word("war", None));
        assert!(!is_stop_word("housing", None));
        // "die" is German, not English.
        assert!(!is_stop_word("die", Some(0)));
    }
}

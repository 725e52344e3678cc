//! The interface strings are complete in every language, and language choice and filling work.

use super::*;

#[test]
fn accept_language_picks_the_best_supported() {
    assert_eq!(
        Ui::from_accept_language("ru-RU,fr;q=0.8,en;q=0.5"),
        Some(Ui::Fr)
    );
    assert_eq!(Ui::from_accept_language("en-GB"), Some(Ui::En));
    assert_eq!(Ui::from_accept_language("de-AT,de;q=0.9"), Some(Ui::De));
    assert_eq!(Ui::from_accept_language("sv-SE"), Some(Ui::Sv));
    assert_eq!(
        Ui::from_accept_language("pt-BR,pt;q=0.9,en;q=0.1"),
        Some(Ui::Pt)
    );
    assert_eq!(Ui::from_accept_language("nl;q=0.2,it;q=0.7"), Some(Ui::It));
    assert_eq!(Ui::from_accept_language("es;q=0,nl"), Some(Ui::Nl));
    assert_eq!(Ui::from_accept_language("ru, pl"), None);
}

#[test]
fn every_commitment_has_a_title_in_every_language() {
    for ui in Ui::ALL {
        for id in 1..=10 {
            assert_ne!(ui.commitment(id), "?", "{ui:?} commitment {id}");
        }
        assert_eq!(ui.commitment(0), "?");
        assert_eq!(ui.commitment(11), "?");
    }
}

/// A missing string does not compile; an empty or untranslated one fails here.
#[test]
fn every_string_is_translated_in_every_language() {
    let english = Ui::En.t().entries();
    // Words that are the same in some languages (Contact, Page, Description…) may equal
    // English; a table that mostly does is a copy, not a translation.
    for ui in Ui::ALL {
        let entries = ui.t().entries();
        assert_eq!(entries.len(), english.len());
        let mut same = 0;
        for ((field, text), (_, en)) in entries.iter().zip(&english) {
            assert!(
                !text.trim().is_empty() || *field == "thousands_separator",
                "{ui:?}: '{field}' is empty"
            );
            if ui != Ui::En && text == en && text.len() > 1 {
                same += 1;
            }
        }
        assert!(
            same * 10 < english.len(),
            "{ui:?}: {same} strings are the English ones"
        );
        assert_eq!(ui.t().months.split(',').count(), 12, "{ui:?} months");
        for part in ["{d}", "{m}", "{y}"] {
            assert!(ui.t().date_pattern.contains(part), "{ui:?} date_pattern");
        }
        for part in ["{m}", "{y}"] {
            assert!(ui.t().month_pattern.contains(part), "{ui:?} month_pattern");
        }
    }
}

#[test]
fn fill_replaces_each_placeholder_once() {
    assert_eq!(
        fill("{a} of {b} ({a})", &[("a", "3"), ("b", "{a}")]),
        "3 of {a} (3)"
    );
    assert_eq!(fill("{unknown} {", &[("a", "1")]), "{unknown} {");
    assert_eq!(fill("", &[]), "");
}

/// The record crate's own messages, not copies of them: a reworded rule that this crate no
/// longer recognises fails here instead of showing in English.
#[test]
fn the_record_crates_form_rules_are_recognised() {
    use coalition_record::schema;
    let rule = |result: Result<(), coalition_record::RecordError>| match result {
        Err(coalition_record::RecordError::Schema { rule, .. }) => rule,
        other => panic!("a schema error: {other:?}"),
    };
    let empty = coalition_record::LangText::new();
    let long: coalition_record::LangText = [("en".to_string(), "x".repeat(300))].into();
    for message in [
        rule(schema::lang_text("title", &empty, true, 200)),
        rule(schema::lang_text("title", &long, true, 200)),
        rule(schema::short_text("partners", " ", true)),
        rule(schema::date("period.start", "2025-13")),
        rule(schema::language_tag("lang", "not a tag")),
        rule(schema::commitments("commitments", &[], true)),
    ] {
        assert_ne!(
            Ui::De.field_error(&message),
            message,
            "not recognised: {message}"
        );
    }
}

#[test]
fn field_errors_follow_the_language() {
    assert_eq!(
        Ui::De.field_error("required: give it in at least one language, e.g. en = \"…\""),
        "Pflichtfeld: bitte ausfüllen."
    );
    assert_eq!(
        Ui::Fr.field_error("'2025-13' has no such month; write YYYY-MM-DD, YYYY-MM or YYYY"),
        "« 2025-13 » n'est pas une date : écrivez AAAA-MM-JJ, AAAA-MM ou AAAA."
    );
    assert_eq!(
        Ui::Sv.field_error("4100 bytes is over the limit of 4096 bytes"),
        "För långt: 4100 byte, högst 4096."
    );
    assert_eq!(
        Ui::Es.field_error("2024 is before the start 2025-03"),
        "El final (2024) es anterior al inicio."
    );
    assert_eq!(
        Ui::It.field_error("'ftp://x' is not an http(s) link"),
        "«ftp://x» non è un indirizzo web: inizialo con https://"
    );
    assert_eq!(
        Ui::Nl.field_error("name at least one Ten-Point-Plan commitment (1 to 10)"),
        "Kies minstens één van de tien verbintenissen."
    );
    assert_eq!(
        Ui::Pt.field_error("'x@' is not an e-mail address"),
        "«x@» não é um endereço de e-mail."
    );
    assert_eq!(
        Ui::De.field_error("a rule of a newer release"),
        "a rule of a newer release"
    );
}

#[test]
fn dates_and_numbers_follow_the_language() {
    assert_eq!(Ui::En.date("2025-03-21"), "21 March 2025");
    assert_eq!(Ui::Fr.date("2025-03-01"), "1 mars 2025");
    assert_eq!(Ui::De.date("2025-03-21"), "21. März 2025");
    assert_eq!(Ui::Sv.date("2025-12"), "december 2025");
    assert_eq!(Ui::Es.date("2025"), "2025");
    assert_eq!(Ui::It.date("2025-13-01"), "2025-13-01");
    assert_eq!(Ui::Nl.date("not a date"), "not a date");
    assert_eq!(Ui::En.number(1234567), "1,234,567");
    assert_eq!(Ui::De.number(12345), "12.345");
    assert_eq!(Ui::Fr.number(999), "999");
    assert_eq!(Ui::Fr.number(12345), "12\u{a0}345");
}

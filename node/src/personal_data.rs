//! Finding personal data in payloads (issue #16, a data subject's access request): where an
//! e-mail address, a phone number or a name occurs in an entry's payload, as field paths. Pure:
//! the payload comes in as JSON, the places go out.

use serde_json::Value;

/// What to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Needle {
    /// An e-mail address, compared without regard to case.
    Email(String),
    /// A phone number, compared by its digits only ("+32 2 555 01 23" finds "0032-2-5550123"
    /// only through the digits they share, so give the number as written in the practice).
    Phone(String),
    /// A person's name, compared without regard to case or repeated spaces.
    Name(String),
}

/// Fewest digits a phone number must have to be looked for: fewer would match any figure.
pub(crate) const MIN_PHONE_DIGITS: usize = 6;

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn words(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Needle {
    /// The needle, or why it cannot be looked for.
    pub(crate) fn checked(self) -> Result<Needle, String> {
        match &self {
            Needle::Email(e) if !e.contains('@') || e.trim().len() < 3 => {
                Err(format!("--email {e:?} is not an e-mail address"))
            }
            Needle::Phone(p) if digits(p).len() < MIN_PHONE_DIGITS => Err(format!(
                "--phone {p:?} has fewer than {MIN_PHONE_DIGITS} digits: it would match ordinary figures"
            )),
            Needle::Name(n) if words(n).chars().count() < 3 => Err(format!(
                "--name {n:?} is too short to look for: give the person's full name"
            )),
            _ => Ok(self),
        }
    }

    fn matches(&self, text: &str) -> bool {
        match self {
            Needle::Email(e) => text.to_lowercase().contains(&e.trim().to_lowercase()),
            Needle::Phone(p) => digits(text).contains(&digits(p)),
            Needle::Name(n) => words(text).contains(&words(n)),
        }
    }
}

/// Field paths (`contact.email`, `body.fr`, `commitments[2].narrative.en`) of every text in
/// `payload` holding `needle`.
pub(crate) fn find(payload: &Value, needle: &Needle) -> Vec<String> {
    let mut out = Vec::new();
    walk(payload, needle, String::new(), &mut out);
    out
}

fn walk(value: &Value, needle: &Needle, path: String, out: &mut Vec<String>) {
    match value {
        Value::String(text) if needle.matches(text) => out.push(path),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, needle, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let next = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(item, needle, next, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn practice() -> Value {
        json!({
            "title": {"en": "Fair Rent"},
            "body": {"fr": "Contact : Anne Dupont, anne.dupont@valmeuse.example, +32 2 555 01 23."},
            "contact": {"name": "Anne  Dupont", "email": "Anne.Dupont@Valmeuse.example", "phone": "+32 2 555 01 23"},
            "commitments": [7],
            "partners": ["Tenants' association (02 555 99 88)"]
        })
    }

    #[test]
    fn finds_every_place_and_only_those() {
        let p = practice();
        assert_eq!(
            find(&p, &Needle::Email("anne.dupont@valmeuse.example".into())),
            vec!["body.fr", "contact.email"]
        );
        assert_eq!(
            find(&p, &Needle::Phone("0032 2 555 01 23".into())),
            Vec::<String>::new(),
            "other digits (the country prefix written 0032) do not match"
        );
        assert_eq!(
            find(&p, &Needle::Phone("2 555 01 23".into())),
            vec!["body.fr", "contact.phone"]
        );
        assert_eq!(
            find(&p, &Needle::Name("anne dupont".into())),
            vec!["body.fr", "contact.name"]
        );
        assert!(find(&p, &Needle::Name("Bruno Martin".into())).is_empty());
    }

    #[test]
    fn needles_that_would_match_anything_are_refused() {
        assert!(Needle::Phone("123".into()).checked().is_err());
        assert!(Needle::Email("anne".into()).checked().is_err());
        assert!(Needle::Name("A".into()).checked().is_err());
        assert!(Needle::Phone("+32 2 555 01 23".into()).checked().is_ok());
    }
}

//! `contact` is read from JSON and TOML as a table only (defect 13: a list of its fields in order
//! was accepted), while its binary encoding, and so every stored and signed byte, is unchanged.

use crate::common::*;
use coalition_record::{codec, Payload, Practice};

fn as_json_with_contact(contact: serde_json::Value) -> String {
    let mut value = serde_json::to_value(practice()).expect("to json");
    value["contact"] = contact;
    value.to_string()
}

#[test]
fn contact_as_a_json_list_is_refused_naming_the_form() {
    let json = as_json_with_contact(serde_json::json!([
        "Equality office",
        "Coordinator",
        null,
        null
    ]));
    let err = serde_json::from_str::<Practice>(&json).expect_err("a list is not a contact");
    let text = err.to_string();
    assert!(text.contains("invalid type: sequence"), "{text}");
    assert!(text.contains("a table with name"), "{text}");
}

#[test]
fn contact_as_a_toml_array_is_refused() {
    let mut text = toml::to_string(&Practice {
        contact: None,
        ..practice()
    })
    .expect("to toml");
    text = format!("contact = [\"Equality office\", \"Coordinator\"]\n{text}");
    let err = toml::from_str::<Practice>(&text).expect_err("an array is not a contact");
    assert!(err.to_string().contains("a table with name"), "{err}");
}

#[test]
fn contact_as_an_object_null_or_absent_is_read() {
    let p = practice();
    let json = serde_json::to_string(&p).expect("to json");
    assert_eq!(serde_json::from_str::<Practice>(&json).expect("object"), p);
    let none = as_json_with_contact(serde_json::Value::Null);
    assert_eq!(
        serde_json::from_str::<Practice>(&none)
            .expect("null")
            .contact,
        None
    );
    let toml_text = toml::to_string(&p).expect("to toml");
    assert_eq!(toml::from_str::<Practice>(&toml_text).expect("table"), p);
    let absent = toml::to_string(&Practice {
        contact: None,
        ..practice()
    })
    .expect("to toml");
    assert_eq!(
        toml::from_str::<Practice>(&absent).expect("absent").contact,
        None
    );
}

#[test]
fn the_binary_encoding_of_a_contact_is_unchanged() {
    let payload = Payload::Practice(practice());
    let bytes = payload.to_bytes();
    let back = Payload::decode(&bytes).expect("decode");
    assert_eq!(back, payload);
    let inner: Practice = codec::decode_canonical("practice", &codec::encode(&practice()), 1 << 20)
        .expect("canonical decode of a practice with a contact");
    assert_eq!(inner, practice());
}

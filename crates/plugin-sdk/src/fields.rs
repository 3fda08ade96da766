//! The top-level field names of [`Document`] as this build knows them.
//!
//! A plugin lists them in its manifest; a host built against a newer `newspipe-core` compares
//! them with its own and restores, on every document coming back, the fields the plugin could
//! not have kept. So fields the plugin does not know survive the trip.

use newspipe_core::Document;
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// The top-level JSON field names of [`Document`], in declaration order.
pub fn document_fields() -> Vec<String> {
    let mut fields: &'static [&'static str] = &[];
    // The derive hands its field list to `deserialize_struct`; the call then fails on purpose.
    let _ = Document::deserialize(FieldNames(&mut fields));
    fields.iter().map(|field| (*field).to_owned()).collect()
}

/// A deserializer that only records the field list a derived `Deserialize` asks for.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("field names recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_serialized_field() {
        let fields = document_fields();
        let doc = Document {
            raw: "r".into(),
            ..Document::default()
        };
        let serde_json::Value::Object(json) = serde_json::to_value(&doc).unwrap() else {
            panic!("a document serializes to an object");
        };
        let keys: Vec<&String> = json.keys().collect();
        assert_eq!(fields.iter().collect::<Vec<_>>(), keys);
    }
}

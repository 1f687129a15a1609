//! Reading request data into typed inputs with typed problems. A body is first read as JSON (a
//! syntax error is a 400), then turned into the input through a deserializer of our own whose
//! error says structurally what is wrong — a field missing, a field unknown, a value of the wrong
//! kind — with the field's path, instead of serde's English sentences.

use std::fmt;

use dealflow_core::check::{FieldProblem, Invalid};
use serde::de::value::StringDeserializer;
use serde::de::{self, DeserializeOwned, Expected, IntoDeserializer, Unexpected, Visitor};
use serde_json::{Map, Value};

/// What is wrong with a value's shape.
#[derive(Debug)]
pub enum Shape {
    Missing(&'static str),
    Unknown(String),
    WrongType,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Missing(field) => write!(f, "missing field {field}"),
            Shape::Unknown(field) => write!(f, "unknown field {field}"),
            Shape::WrongType => write!(f, "wrong type"),
        }
    }
}

impl std::error::Error for Shape {}

impl de::Error for Shape {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Shape::WrongType
    }

    fn missing_field(field: &'static str) -> Self {
        Shape::Missing(field)
    }

    fn unknown_field(field: &str, _: &'static [&'static str]) -> Self {
        Shape::Unknown(field.to_owned())
    }

    fn invalid_type(_: Unexpected, _: &dyn Expected) -> Self {
        Shape::WrongType
    }

    fn invalid_value(_: Unexpected, _: &dyn Expected) -> Self {
        Shape::WrongType
    }
}

/// `value` as a `T`, or the problem with the path of the field at fault.
pub fn typed<T: DeserializeOwned>(value: Value, root: &str) -> Result<T, FieldProblem> {
    serde_path_to_error::deserialize(Reader(value)).map_err(|error| {
        let path = error.path().to_string();
        let at = |field: &str| match path.as_str() {
            "." => field.to_owned(),
            parent => format!("{parent}.{field}"),
        };
        match error.into_inner() {
            Shape::Missing(field) => FieldProblem::new(at(field), Invalid::Required),
            // The path already ends at the unknown field.
            Shape::Unknown(field) => FieldProblem::new(if path == "." { field } else { path }, Invalid::UnknownField),
            Shape::WrongType => FieldProblem::new(if path == "." { root.to_owned() } else { path }, Invalid::WrongType),
        }
    })
}

/// A query string's parameters as an object of strings (the last of repeated names wins).
pub fn query_object(query: &str) -> Value {
    let fields: Map<String, Value> =
        form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect();
    Value::Object(fields)
}

/// A JSON value read by serde with [`Shape`] errors.
struct Reader(Value);

impl<'de> de::Deserializer<'de> for Reader {
    type Error = Shape;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Shape> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), ..) => visitor.visit_u64(u),
                (None, Some(i), _) => visitor.visit_i64(i),
                (None, None, Some(f)) => visitor.visit_f64(f),
                (None, None, None) => Err(Shape::WrongType),
            },
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            Value::Object(fields) => visitor.visit_map(Fields { fields: fields.into_iter(), value: None }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Shape> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Reader(other)),
        }
    }

    /// Only an object makes a struct (serde would also take its fields in a list, in order).
    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, Shape> {
        match self.0 {
            Value::Object(fields) => visitor.visit_map(Fields { fields: fields.into_iter(), value: None }),
            _ => Err(Shape::WrongType),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Shape> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, Shape> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(IntoDeserializer::<Shape>::into_deserializer(s)),
            _ => Err(Shape::WrongType),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map identifier ignored_any
    }
}

struct Items(std::vec::IntoIter<Value>);

impl<'de> de::SeqAccess<'de> for Items {
    type Error = Shape;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Shape> {
        self.0.next().map(|value| seed.deserialize(Reader(value))).transpose()
    }
}

struct Fields {
    fields: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> de::MapAccess<'de> for Fields {
    type Error = Shape;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Shape> {
        match self.fields.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let key: StringDeserializer<Shape> = key.into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Shape> {
        seed.deserialize(Reader(self.value.take().unwrap_or(Value::Null)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "read by the deserializer only")]
    struct Input {
        title: String,
        probability: Option<i64>,
        confirmed: Option<bool>,
        parts: Option<Vec<Part>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "read by the deserializer only")]
    struct Part {
        role: String,
    }

    fn problem(value: Value) -> (String, &'static str) {
        let problem = typed::<Input>(value, "body").unwrap_err();
        (problem.field, problem.invalid.code())
    }

    #[test]
    fn shape_problems_name_their_field_and_kind() {
        assert!(typed::<Input>(json!({"title": "x", "probability": 5, "parts": [{"role": "cfo"}]}), "body").is_ok());
        assert_eq!(problem(json!({})), ("title".into(), "required"));
        assert_eq!(problem(json!({"title": "x", "color": 1})), ("color".into(), "unknown_field"));
        assert_eq!(problem(json!({"title": 5})), ("title".into(), "wrong_type"));
        assert_eq!(problem(json!({"title": "x", "probability": 2.5})), ("probability".into(), "wrong_type"));
        assert_eq!(problem(json!({"title": "x", "confirmed": "yes"})), ("confirmed".into(), "wrong_type"));
        assert_eq!(problem(json!({"title": "x", "parts": [{"role": "cfo"}, {}]})), ("parts[1].role".into(), "required"));
        assert_eq!(problem(json!({"title": "x", "parts": [{"role": 1}]})), ("parts[0].role".into(), "wrong_type"));
        assert_eq!(problem(json!([1, 2])), ("body".into(), "wrong_type"));
    }

    #[test]
    fn query_strings_read_as_objects_of_text() {
        assert_eq!(query_object("a=1&b=x%20y&a=2"), json!({"a": "2", "b": "x y"}));
    }
}

//! A thin wrapper around serde-json-core's deserializer that decodes string escapes into the
//! caller's scratch buffer, so `&'a str` fields always hold the real text, and that records
//! where a failure happened.
//!
//! serde-json-core, run without its own unescape buffer, hands every string to the visitor as
//! the raw text between the quotes (escapes untouched). Every `Deserializer`, `Visitor`,
//! `MapAccess`, `SeqAccess`, `EnumAccess` and `DeserializeSeed` it produces is wrapped here so
//! that string requests anywhere in the tree go through [`unescape`]. Errors keep the inner
//! deserializer's type; the detail serde-json-core cannot express is kept in [`Side`].
//! Skipped values are wrapped as well, so every array and object, known or not, counts
//! against [`MAX_DEPTH`] before the recursive parser descends into it.
//!
//! serde-json-core's map-key deserializer panics (`unreachable!`) on anything but string
//! requests, so in key position every request is turned into a string request.

use core::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

use super::MAX_DEPTH;
use super::unescape::unescape;
use crate::JsonErrorKind;
use crate::bump::Bump;

/// State shared by all wrappers of one decode: the scratch buffer and the error detail.
pub(crate) struct Side<'de> {
    scratch: Bump<'de>,
    kind: Option<JsonErrorKind>,
    located: bool,
    object: Option<&'static str>,
    field: Option<&'static str>,
    last_key: Option<&'static str>,
    depth: usize,
}

impl<'de> Side<'de> {
    pub(crate) fn new(scratch: &'de mut [u8]) -> Self {
        Self {
            scratch: Bump::new(scratch),
            kind: None,
            located: false,
            object: None,
            field: None,
            last_key: None,
            depth: 0,
        }
    }

    /// The recorded detail: kind (if this layer found it), object and member.
    pub(crate) fn detail(
        &self,
    ) -> (Option<JsonErrorKind>, Option<&'static str>, Option<&'static str>) {
        (self.kind, self.object, self.field)
    }

    fn fail<E: de::Error>(&mut self, kind: JsonErrorKind) -> E {
        self.kind.get_or_insert(kind);
        E::custom(kind)
    }

    /// Counts one more level of arrays/objects, failing beyond [`MAX_DEPTH`].
    fn enter<E: de::Error>(&mut self) -> Result<(), E> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(JsonErrorKind::TooDeep));
        }
        self.depth += 1;
        Ok(())
    }

    /// Records the innermost location only.
    fn locate(&mut self, object: Option<&'static str>, field: Option<&'static str>) {
        if !self.located {
            self.located = true;
            self.object = object;
            self.field = field;
        }
    }
}

/// Wraps a deserializer; `key` is `Some(member names)` in map-key position.
pub(crate) struct De<'x, 'de, D> {
    inner: D,
    side: &'x mut Side<'de>,
    key: Option<&'static [&'static str]>,
}

impl<'x, 'de, D> De<'x, 'de, D> {
    pub(crate) fn new(inner: D, side: &'x mut Side<'de>) -> Self {
        Self { inner, side, key: None }
    }
}

impl<'de, D: Deserializer<'de>> De<'_, 'de, D> {
    fn string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let De { inner, side, key } = self;
        let raw = inner.deserialize_str(RawStr)?;
        let text = match unescape(raw, &mut side.scratch) {
            Ok(text) => text,
            Err(kind) => return Err(side.fail(kind)),
        };
        if let Some(fields) = key {
            side.last_key = fields.iter().copied().find(|f| *f == text);
        }
        visitor.visit_borrowed_str(text)
    }

    fn visitor<'s, V>(
        side: &'s mut Side<'de>,
        v: V,
        object: Option<&'static str>,
        fields: &'static [&'static str],
    ) -> Vis<'s, 'de, V> {
        Vis { v, side, object, fields }
    }
}

/// Forwards a `deserialize_*` method that takes only a visitor.
macro_rules! forward {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            if self.key.is_some() {
                return self.string(visitor);
            }
            self.inner.$method(Self::visitor(self.side, visitor, None, &[]))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for De<'_, 'de, D> {
    type Error = D::Error;

    forward! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_bytes
        deserialize_byte_buf deserialize_option deserialize_unit deserialize_seq deserialize_map
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.key.is_some() {
            // A skipped key is a plain string; serde-json-core's key deserializer supports this.
            return self.inner.deserialize_ignored_any(visitor);
        }
        // Skipped values are wrapped too, so that their nesting counts against `MAX_DEPTH`.
        // Their strings reach the visitor raw (no unescaping, no scratch).
        self.inner.deserialize_ignored_any(Self::visitor(self.side, visitor, None, &[]))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if self.key.is_some() {
            return self.string(visitor);
        }
        self.inner.deserialize_unit_struct(name, Self::visitor(self.side, visitor, None, &[]))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if self.key.is_some() {
            return self.string(visitor);
        }
        self.inner.deserialize_newtype_struct(name, Self::visitor(self.side, visitor, None, &[]))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if self.key.is_some() {
            return self.string(visitor);
        }
        self.inner.deserialize_tuple(len, Self::visitor(self.side, visitor, None, &[]))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if self.key.is_some() {
            return self.string(visitor);
        }
        self.inner.deserialize_tuple_struct(name, len, Self::visitor(self.side, visitor, None, &[]))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if self.key.is_some() {
            return self.string(visitor);
        }
        self.inner.deserialize_struct(
            name,
            fields,
            Self::visitor(self.side, visitor, Some(name), fields),
        )
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if self.key.is_some() {
            return self.string(visitor);
        }
        self.inner.deserialize_enum(
            name,
            variants,
            Self::visitor(self.side, visitor, Some(name), &[]),
        )
    }
}

/// Takes the raw (still escaped) text of a string.
struct RawStr;

impl<'de> Visitor<'de> for RawStr {
    type Value = &'de str;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(v)
    }
}

/// Wraps a visitor so the deserializers and accessors it is handed are wrapped too.
struct Vis<'x, 'de, V> {
    v: V,
    side: &'x mut Side<'de>,
    object: Option<&'static str>,
    fields: &'static [&'static str],
}

macro_rules! visit_forward {
    ($($method:ident: $ty:ty)*) => {$(
        fn $method<E: de::Error>(self, x: $ty) -> Result<Self::Value, E> {
            self.v.$method(x)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Vis<'_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.v.expecting(f)
    }

    visit_forward! {
        visit_bool: bool visit_i8: i8 visit_i16: i16 visit_i32: i32 visit_i64: i64
        visit_i128: i128 visit_u8: u8 visit_u16: u16 visit_u32: u32 visit_u64: u64
        visit_u128: u128 visit_f32: f32 visit_f64: f64 visit_char: char visit_str: &str
        visit_borrowed_str: &'de str visit_bytes: &[u8] visit_borrowed_bytes: &'de [u8]
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.v.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.v.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.v.visit_some(De::new(d, self.side))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.v.visit_newtype_struct(De::new(d, self.side))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let Vis { v, side, .. } = self;
        side.enter()?;
        let result = v.visit_seq(Seq { inner: seq, side: &mut *side });
        side.depth -= 1;
        result
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let Vis { v, side, object, fields } = self;
        side.enter()?;
        let mut state = MapState::default();
        let result = v.visit_map(Map { inner: map, side: &mut *side, fields, state: &mut state });
        side.depth -= 1;
        // Only derived structs (which have a name) locate errors; skipped objects and maps
        // leave that to the struct around them.
        if result.is_err() && object.is_some() {
            if state.ended {
                // A derived struct fails after the last member only for a missing member.
                side.kind.get_or_insert(JsonErrorKind::MissingField);
                side.locate(object, None);
            } else {
                side.locate(object, state.current);
            }
        }
        result
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.v.visit_enum(Enum { inner: data, side: self.side })
    }
}

#[derive(Default)]
struct MapState {
    ended: bool,
    current: Option<&'static str>,
}

struct Map<'x, 'y, 'de, A> {
    inner: A,
    side: &'x mut Side<'de>,
    fields: &'static [&'static str],
    state: &'y mut MapState,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Map<'_, '_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        self.side.last_key = None;
        let key = self.inner.next_key_seed(Seed {
            seed,
            side: &mut *self.side,
            key: Some(self.fields),
        })?;
        if key.is_some() {
            self.state.current = self.side.last_key.take();
        } else {
            self.state.ended = true;
        }
        Ok(key)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, Self::Error> {
        self.inner.next_value_seed(Seed { seed, side: &mut *self.side, key: None })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

struct Seq<'x, 'de, A> {
    inner: A,
    side: &'x mut Side<'de>,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Seq<'_, 'de, A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Self::Error> {
        self.inner.next_element_seed(Seed { seed, side: &mut *self.side, key: None })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// Wraps a seed so the deserializer it receives is wrapped (as a key when `key` is set).
struct Seed<'x, 'de, S> {
    seed: S,
    side: &'x mut Side<'de>,
    key: Option<&'static [&'static str]>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, 'de, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.seed.deserialize(De { inner: d, side: self.side, key: self.key })
    }
}

struct Enum<'x, 'de, A> {
    inner: A,
    side: &'x mut Side<'de>,
}

impl<'x, 'de, A: EnumAccess<'de>> EnumAccess<'de> for Enum<'x, 'de, A> {
    type Error = A::Error;
    type Variant = Variant<'x, 'de, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), Self::Error> {
        let Enum { inner, side } = self;
        let (value, variant) = inner.variant_seed(Seed { seed, side: &mut *side, key: None })?;
        Ok((value, Variant { inner: variant, side }))
    }
}

struct Variant<'x, 'de, A> {
    inner: A,
    side: &'x mut Side<'de>,
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Variant<'_, 'de, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, Self::Error> {
        self.inner.newtype_variant_seed(Seed { seed, side: self.side, key: None })
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner
            .tuple_variant(len, Vis { v: visitor, side: self.side, object: None, fields: &[] })
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.inner.struct_variant(fields, Vis { v: visitor, side: self.side, object: None, fields })
    }
}

#[cfg(test)]
mod tests;

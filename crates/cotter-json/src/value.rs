//! [`JsonValue`], one member value as read, and [`JsonNumber`].

use crate::JsonStr;

/// One member value as read: scalars decoded, containers as validated raw text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonValue<'a> {
    /// A string.
    Str(JsonStr<'a>),
    /// A number, as its text (grammar checked).
    Number(JsonNumber<'a>),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An object, as its raw text including the braces.
    Object(&'a str),
    /// An array, as its raw text including the brackets.
    Array(&'a str),
}

/// A JSON number as its text, checked against the JSON grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonNumber<'a> {
    pub(crate) raw: &'a str,
}

impl<'a> JsonNumber<'a> {
    /// The number's text.
    #[must_use]
    pub const fn raw(&self) -> &'a str {
        self.raw
    }

    /// The value as whole seconds, for NumericDate claims (`exp`, `nbf`, `iat`).
    ///
    /// A fraction is rounded down (RFC 7519 allows non-integer NumericDates). `None` for an
    /// exponent or a value outside `i64`.
    #[must_use]
    pub fn as_seconds(&self) -> Option<i64> {
        // One scan of the bytes rather than `split_once`, whose `str` searcher costs flash on a
        // microcontroller. The reader checked the grammar: there is at most one `.`.
        let bytes = self.raw.as_bytes();
        let mut dot = bytes.len();
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'e' | b'E' => return None,
                b'.' => dot = i,
                _ => {}
            }
        }
        let int = self.raw.get(..dot)?;
        let frac = bytes.get(dot + 1..).unwrap_or_default();
        let whole: i64 = int.parse().ok()?;
        let has_fraction = frac.iter().any(|&b| b != b'0');
        if has_fraction && whole <= 0 && bytes.first() == Some(&b'-') {
            whole.checked_sub(1)
        } else {
            Some(whole)
        }
    }

    /// The value when it is an integer that fits `i64`.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        self.raw.parse().ok()
    }
}

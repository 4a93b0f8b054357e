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
        // One scan of the bytes, accumulating the whole part as it goes, rather than
        // `split_once` and `str::parse`, whose searcher and generic integer parser cost
        // flash on a microcontroller. The reader checked the grammar (an optional `-`,
        // digits, at most one `.`); anything else gives `None`.
        let bytes = self.raw.as_bytes();
        let (negative, rest) = match bytes.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, bytes),
        };
        let mut whole: i64 = 0;
        let mut int_digits = false;
        let mut in_fraction = false;
        let mut has_fraction = false;
        for &b in rest {
            match b {
                b'0'..=b'9' if !in_fraction => {
                    // Negative values accumulate downwards, so that `i64::MIN` fits.
                    let d = i64::from(b - b'0');
                    let shifted = whole.checked_mul(10)?;
                    whole =
                        if negative { shifted.checked_sub(d)? } else { shifted.checked_add(d)? };
                    int_digits = true;
                }
                b'0' => {}
                b'1'..=b'9' => has_fraction = true,
                b'.' if !in_fraction => in_fraction = true,
                _ => return None,
            }
        }
        if !int_digits {
            return None;
        }
        // Rounded down: a negative value with a fraction is one less than its whole part.
        if has_fraction && negative { whole.checked_sub(1) } else { Some(whole) }
    }

    /// The value when it is an integer that fits `i64`.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        self.raw.parse().ok()
    }
}

//! Unix seconds carried as a JSON *string* (`"timestamp": "1586230498"`), as Cotter sends
//! `timestamp` and `expire_at`.

use core::fmt;

#[cfg(feature = "serde")]
use serde::{Deserialize, Deserializer, de};
use serde::{Serialize, Serializer};

/// Seconds since the Unix epoch, serialized as a decimal JSON string.
///
/// Decoding accepts only the canonical form Cotter's server writes (`"0"`, `"1586230498"`,
/// `"-62135596800"`): no sign `+`, no leading zeros, no `-0`, no spaces, within `i64`. This
/// keeps the text exactly reproducible, which matters because the timestamp is part of signed
/// messages (`docs/protocol.md#signed-messages`): [`Display`](fmt::Display) writes back the
/// same digits. A JSON number where the string is expected is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnixSeconds(pub i64);

const MAX_LEN: usize = UnixSeconds::MAX_TEXT_LEN;

impl UnixSeconds {
    /// Room for the longest `i64` in decimal (`-9223372036854775808`): the buffer size of
    /// [`format`](Self::format).
    pub const MAX_TEXT_LEN: usize = 20;

    /// Parses the canonical decimal text; `None` for anything else.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let bytes = digits.as_bytes();
        match bytes {
            [] => return None,
            [b'0'] if negative => return None,
            [b'0'] => return Some(Self(0)),
            [b'0', ..] => return None,
            _ => {}
        }
        // Accumulate negatively so that `i64::MIN` parses.
        let mut value: i64 = 0;
        for &b in bytes {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value.checked_mul(10)?.checked_sub(i64::from(b - b'0'))?;
        }
        if negative { Some(Self(value)) } else { value.checked_neg().map(Self) }
    }

    /// Writes the decimal text into `buf` and returns it.
    pub fn format(self, buf: &mut [u8; Self::MAX_TEXT_LEN]) -> &str {
        // |i64| has at most 19 digits, so `pos >= 1` leaves room for the sign.
        let mut pos = crate::decimal::digits(self.0.unsigned_abs(), buf);
        if self.0 < 0 && pos > 0 {
            pos -= 1;
            buf[pos] = b'-';
        }
        // Only ASCII digits and '-' were written; the fallback is unreachable.
        buf.get(pos..).and_then(|text| core::str::from_utf8(text).ok()).unwrap_or("")
    }
}

impl fmt::Display for UnixSeconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.format(&mut [0; MAX_LEN]))
    }
}

impl From<i64> for UnixSeconds {
    fn from(secs: i64) -> Self {
        Self(secs)
    }
}

impl Serialize for UnixSeconds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.format(&mut [0; MAX_LEN]))
    }
}

#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<'de> Deserialize<'de> for UnixSeconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl de::Visitor<'_> for Visit {
            type Value = UnixSeconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string of decimal Unix seconds")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<UnixSeconds, E> {
                UnixSeconds::parse(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        deserializer.deserialize_str(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_canonical_forms_only() {
        assert_eq!(UnixSeconds::parse("1586230498"), Some(UnixSeconds(1_586_230_498)));
        assert_eq!(UnixSeconds::parse("-62135596800"), Some(UnixSeconds(-62_135_596_800)));
        assert_eq!(UnixSeconds::parse("0"), Some(UnixSeconds(0)));
        assert_eq!(UnixSeconds::parse("-9223372036854775808"), Some(UnixSeconds(i64::MIN)));
        assert_eq!(UnixSeconds::parse("9223372036854775807"), Some(UnixSeconds(i64::MAX)));
        for bad in
            ["", "-", "-0", "01", "+1", " 1", "1 ", "1.0", "1e3", "9223372036854775808", "0x10"]
        {
            assert_eq!(UnixSeconds::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_extremes() {
        let mut buf = [0; MAX_LEN];
        assert_eq!(UnixSeconds(i64::MIN).format(&mut buf), "-9223372036854775808");
        assert_eq!(UnixSeconds(0).format(&mut buf), "0");
        assert_eq!(UnixSeconds(-5).format(&mut buf), "-5");
    }

    proptest! {
        #[test]
        fn format_parse_round_trip(n in any::<i64>()) {
            let mut buf = [0; MAX_LEN];
            prop_assert_eq!(UnixSeconds::parse(UnixSeconds(n).format(&mut buf)), Some(UnixSeconds(n)));
        }

        #[test]
        fn parse_never_panics_and_agrees_with_std(s in "\\PC{0,24}|-?[0-9]{0,21}") {
            let ours = UnixSeconds::parse(&s);
            if let Some(v) = ours {
                // Canonical text formats back to itself.
                let mut buf = [0; MAX_LEN];
                prop_assert_eq!(v.format(&mut buf), s.as_str());
                prop_assert_eq!(s.parse::<i64>().ok(), Some(v.0));
            }
        }
    }
}

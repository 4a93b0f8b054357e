//! Unit tests of the reader, the strings and the numbers.

use super::*;
use std::format;
use std::string::ToString;

fn members(text: &str) -> Result<usize, JsonError> {
    let mut n = 0;
    for_each_member(text, |_, _| {
        n += 1;
        Ok::<(), JsonError>(())
    })?;
    Ok(n)
}

#[test]
fn reads_members_of_all_types() {
    let text =
        r#" { "a" : "x" , "b":-1.5e3,"c":true,"d":false,"e":null,"f":{"g":[1,{"h":[]}]},"i":[] } "#;
    let mut seen = [false; 7];
    for_each_member(text, |k, v| {
        let i = match (k.raw(), v) {
            ("a", JsonValue::Str(s)) if s.eq_str("x") => 0,
            ("b", JsonValue::Number(n)) if n.raw() == "-1.5e3" => 1,
            ("c", JsonValue::Bool(true)) => 2,
            ("d", JsonValue::Bool(false)) => 3,
            ("e", JsonValue::Null) => 4,
            ("f", JsonValue::Object(r#"{"g":[1,{"h":[]}]}"#)) => 5,
            ("i", JsonValue::Array("[]")) => 6,
            other => panic!("unexpected {other:?}"),
        };
        seen[i] = true;
        Ok::<(), JsonError>(())
    })
    .expect("valid");
    assert!(seen.iter().all(|s| *s));
}

#[test]
fn rejects_malformed() {
    for (text, kind) in [
        ("", JsonErrorKind::UnexpectedEnd),
        ("[]", JsonErrorKind::NotAnObject),
        ("{", JsonErrorKind::UnexpectedEnd),
        (r#"{"a"}"#, JsonErrorKind::UnexpectedByte),
        (r#"{"a":}"#, JsonErrorKind::UnexpectedByte),
        (r#"{"a":1,}"#, JsonErrorKind::UnexpectedByte),
        (r#"{"a":01}"#, JsonErrorKind::InvalidNumber),
        (r#"{"a":1.}"#, JsonErrorKind::InvalidNumber),
        (r#"{"a":-}"#, JsonErrorKind::InvalidNumber),
        (r#"{"a":1e}"#, JsonErrorKind::InvalidNumber),
        (r#"{"a":tru}"#, JsonErrorKind::UnexpectedByte),
        (r#"{"a":"\q"}"#, JsonErrorKind::InvalidEscape),
        (r#"{"a":"\u12"}"#, JsonErrorKind::InvalidEscape),
        (r#"{"a":"\udc00"}"#, JsonErrorKind::InvalidEscape),
        (r#"{"a":"\ud800\u0041"}"#, JsonErrorKind::InvalidEscape),
        ("{\"a\":\"\n\"}", JsonErrorKind::ControlCharacter),
        (r#"{"a":1} {}"#, JsonErrorKind::TrailingCharacters),
        (r#"{"a":[1 2]}"#, JsonErrorKind::UnexpectedByte),
        (r#"{'a':1}"#, JsonErrorKind::UnexpectedByte),
    ] {
        assert_eq!(members(text).map_err(|e| e.kind()), Err(kind), "{text}");
    }
}

#[test]
fn depth_limit() {
    let ok = format!(r#"{{"a":{}{}}}"#, "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert_eq!(members(&ok), Ok(1));
    let deep = format!(r#"{{"a":{}{}}}"#, "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    assert_eq!(members(&deep).map_err(|e| e.kind()), Err(JsonErrorKind::TooDeep));
    // Far deeper than the limit: no stack overflow, the same error.
    let very = format!(r#"{{"a":{}}}"#, "[".repeat(100_000));
    assert_eq!(members(&very).map_err(|e| e.kind()), Err(JsonErrorKind::TooDeep));
}

#[test]
fn string_decoding() {
    let text = r#"{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"}"#;
    for_each_member(text, |_, v| {
        let JsonValue::Str(s) = v else { panic!("string") };
        let want = "a\"b\\c/d\u{8}\u{c}\n\r\té😀";
        assert!(s.eq_str(want));
        assert!(!s.eq_str("a"));
        assert_eq!(s.decoded_len(), want.len());
        let mut buf = [0u8; 64];
        assert_eq!(s.unescape_into(&mut buf), Ok(want));
        assert_eq!(s.unescape_into(&mut buf[..3]), Err(BufferTooSmall));
        assert_eq!(s.as_str(), None);
        Ok::<(), JsonError>(())
    })
    .expect("valid");
}

#[test]
fn numeric_dates() {
    let n = |raw| JsonNumber { raw }.as_seconds();
    assert_eq!(n("1598132692"), Some(1_598_132_692));
    assert_eq!(n("1598132692.999"), Some(1_598_132_692));
    assert_eq!(n("-1.5"), Some(-2));
    assert_eq!(n("-1.0"), Some(-1));
    assert_eq!(n("0.5"), Some(0));
    assert_eq!(n("1e9"), None);
    assert_eq!(n("99999999999999999999"), None);
}

#[test]
fn from_raw_accepts_what_the_reader_returns_and_nothing_else() {
    let text = r#"{"s":"a\"b\\c\u00e9\ud83d\ude00 \/"}"#;
    for_each_member(text, |_, v| {
        let JsonValue::Str(s) = v else { panic!("string") };
        assert_eq!(JsonStr::from_raw(s.raw()), Ok(s));
        Ok::<(), JsonError>(())
    })
    .expect("valid");
    assert_eq!(JsonStr::from_raw("").map(|s| s.raw()), Ok(""));
    for (raw, kind, offset) in [
        (r#"a"b"#, JsonErrorKind::UnexpectedByte, 1),
        (r"a\q", JsonErrorKind::InvalidEscape, 1),
        (r"\ud800", JsonErrorKind::InvalidEscape, 0),
        ("a\\", JsonErrorKind::UnexpectedEnd, 1),
        ("a\nb", JsonErrorKind::ControlCharacter, 1),
    ] {
        let e = JsonStr::from_raw(raw).expect_err(raw);
        assert_eq!((e.kind(), e.offset()), (kind, Some(offset)), "{raw:?}");
    }
}

#[test]
fn errors_say_where_when_they_know() {
    let e = members(r#"{"a":1,}"#).expect_err("trailing comma");
    assert_eq!((e.kind(), e.offset()), (JsonErrorKind::UnexpectedByte, Some(7)));
    assert_eq!(e.to_string(), "unexpected character at byte 7");
    let e = JsonError::new(JsonErrorKind::MissingMember);
    assert_eq!(e.offset(), None);
    assert_eq!(e.to_string(), "missing member");
    assert_eq!(format!("{e:?}"), "JsonError { kind: MissingMember, offset: None }");
    assert_eq!(JsonError::at(JsonErrorKind::TooDeep, 3).offset(), Some(3));
}

#[test]
fn errors_are_a_word_with_24_bit_offsets() {
    assert_eq!(core::mem::size_of::<JsonError>(), 4);
    assert_eq!(core::mem::size_of::<Result<(), JsonError>>(), 4);
    let at = |offset| JsonError::at(JsonErrorKind::UnexpectedByte, offset).offset();
    assert_eq!(at(0), Some(0));
    assert_eq!(at(0x12_3456), Some(0x12_3456));
    assert_eq!(at(0xFF_FFFE), Some(0xFF_FFFE));
    assert_eq!(at(0xFF_FFFF), None);
    assert_eq!(at(usize::MAX), None);
}

mod props {
    use super::*;
    use proptest::prelude::*;
    use std::{format, string::String};

    /// JSON numbers, up to beyond `i64`.
    const NUMBER: &str = r"-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,4})?([eE][+-]?[0-9]{1,2})?";

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC*") {
            let _ = members(&s);
        }

        #[test]
        fn jsonish_text_never_panics(s in r#"[{}\[\]":,\\a-z0-9 .eE+\-u]{0,64}"#) {
            let _ = members(&s);
            let _ = for_each_element(&s, |_| Ok::<(), JsonError>(()));
        }

        #[test]
        fn from_raw_agrees_with_the_reader(s in r#"[a\\"u0-9dD\n ]{0,24}"#) {
            // The reader's verdict on `s` between quotes: the string it returns is `s` itself
            // exactly when `from_raw` accepts `s`.
            let text = format!(r#"{{"k":"{s}"}}"#);
            let mut read = None;
            let whole = for_each_member(&text, |_, v| {
                if let JsonValue::Str(j) = v {
                    read = Some(j.raw());
                }
                Ok::<(), JsonError>(())
            });
            let reader_accepts = whole.is_ok() && read == Some(s.as_str());
            prop_assert_eq!(JsonStr::from_raw(&s).is_ok(), reader_accepts, "{:?}", s);
        }

        #[test]
        fn as_seconds_is_the_split_at_the_dot(s in NUMBER) {
            // The reference: `split_once` at the dot, as `as_seconds` is specified.
            let reference = |s: &str| -> Option<i64> {
                if s.contains(['e', 'E']) {
                    return None;
                }
                let (int, frac) = s.split_once('.').unwrap_or((s, ""));
                let whole: i64 = int.parse().ok()?;
                if frac.bytes().any(|b| b != b'0') && whole <= 0 && int.starts_with('-') {
                    whole.checked_sub(1)
                } else {
                    Some(whole)
                }
            };
            let text = format!(r#"{{"n":{s}}}"#);
            for_each_member(&text, |_, v| {
                let JsonValue::Number(n) = v else { panic!("number") };
                assert_eq!(n.as_seconds(), reference(&s), "{s}");
                Ok::<(), JsonError>(())
            }).expect("valid");
        }

        #[test]
        fn strings_round_trip(s in "\\PC{0,40}") {
            // Escape every character as \uXXXX (surrogate pairs above the BMP).
            let mut escaped = String::new();
            for c in s.chars() {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    escaped.push_str(&format!("\\u{u:04x}"));
                }
            }
            let text = format!(r#"{{"k":"{escaped}"}}"#);
            for_each_member(&text, |_, v| {
                let JsonValue::Str(j) = v else { panic!("string") };
                assert_eq!(j.to_string(), s.clone());
                Ok::<(), JsonError>(())
            }).expect("valid");
        }
    }
}

/// The hand-written UTF-8 encoder agrees with `char::encode_utf8` on every scalar value.
#[test]
fn utf8_matches_core_for_every_char() {
    for c in (0..=0x10_FFFFu32).filter_map(char::from_u32) {
        let mut ours = [0u8; 4];
        let n = crate::string::utf8(c, &mut ours);
        let mut core_buf = [0u8; 4];
        assert_eq!(&ours[..n], c.encode_utf8(&mut core_buf).as_bytes(), "{c:?}");
    }
}

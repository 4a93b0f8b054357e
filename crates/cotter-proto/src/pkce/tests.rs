//! Tests of PKCE and of the state value.

use proptest::prelude::*;
use std::format;

use super::*;
use crate::State;

/// RFC 7636 Appendix B: the 32 random octets, the verifier they encode to, and its challenge
/// (`E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM` in the RFC; the variant ending `…GGeMQfc9Q`
/// that circulates is not the SHA-256 of this verifier).
const RFC7636_OCTETS: [u8; 32] = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
    105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
];
const RFC7636_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC7636_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[test]
fn rfc7636_appendix_b() {
    let verifier = CodeVerifier::from_random(&RFC7636_OCTETS).unwrap();
    assert_eq!(verifier.as_str(), RFC7636_VERIFIER);
    assert_eq!(verifier.challenge().as_str(), RFC7636_CHALLENGE);
    let restored = CodeVerifier::parse(RFC7636_VERIFIER).unwrap();
    assert_eq!(restored.challenge().as_str(), RFC7636_CHALLENGE);
}

#[test]
fn random_length_limits() {
    assert_eq!(
        CodeVerifier::from_random(&[0; 31]).unwrap_err(),
        Error::RandomLength { min: 32, max: 96, actual: 31 }
    );
    assert!(CodeVerifier::from_random(&[0; 97]).is_err());
    assert_eq!(CodeVerifier::from_random(&[0; 32]).unwrap().as_str().len(), 43);
    assert_eq!(CodeVerifier::from_random(&[0; 96]).unwrap().as_str().len(), 128);
    assert_eq!(
        State::from_random(&[1; 15]).unwrap_err(),
        Error::RandomLength { min: 16, max: 64, actual: 15 }
    );
    assert_eq!(State::from_random(&[1; 16]).unwrap().as_str().len(), 22);
    assert_eq!(State::from_random(&[1; 64]).unwrap().as_str().len(), 86);
    assert!(State::from_random(&[1; 65]).is_err());
}

#[test]
fn parse_checks_alphabet_and_length() {
    assert_eq!(CodeVerifier::parse(&"a".repeat(42)).unwrap_err(), Error::InvalidVerifier);
    assert!(CodeVerifier::parse(&"a".repeat(43)).is_ok());
    assert!(CodeVerifier::parse(&"~._-".repeat(32)).is_ok());
    assert!(CodeVerifier::parse(&"a".repeat(129)).is_err());
    assert!(CodeVerifier::parse(&format!("{}+", "a".repeat(42))).is_err());
    assert!(CodeVerifier::parse(&format!("{}é", "a".repeat(42))).is_err());
    assert_eq!(State::parse("short").unwrap_err(), Error::InvalidState);
    assert!(State::parse(&"s".repeat(22)).is_ok());
    assert!(State::parse(&format!("{}=", "s".repeat(22))).is_err());
}

#[test]
fn secrets_are_redacted() {
    let verifier = CodeVerifier::from_random(&RFC7636_OCTETS).unwrap();
    assert_eq!(format!("{verifier:?}"), "CodeVerifier(<redacted>)");
    let state = State::from_random(&[5; 16]).unwrap();
    assert!(!format!("{state:?}").contains(state.as_str()));
    assert_eq!(
        format!("{:?}", verifier.challenge()),
        format!("CodeChallenge({RFC7636_CHALLENGE:?})")
    );
}

#[test]
fn state_matching() {
    let state = State::parse("abcdefghijklmnopqrstuv").unwrap();
    assert!(state.matches("abcdefghijklmnopqrstuv"));
    assert!(!state.matches("abcdefghijklmnopqrstuV"));
    assert!(!state.matches("abcdefghijklmnopqrstu"));
    assert!(!state.matches(""));
}

proptest! {
    #[test]
    fn verifier_is_rfc_conformant(random in prop::collection::vec(any::<u8>(), 32..=96)) {
        let v = CodeVerifier::from_random(&random).unwrap();
        let text = v.as_str();
        prop_assert!((43..=128).contains(&text.len()));
        prop_assert!(text.bytes().all(crate::percent::is_unreserved));
        // Round trip through the stored form.
        let restored = CodeVerifier::parse(text).unwrap();
        prop_assert_eq!(restored.as_str(), text);
        prop_assert_eq!(restored.challenge(), v.challenge());
        prop_assert_eq!(v.challenge().as_str().len(), 43);
    }

    #[test]
    fn parse_never_panics(text in "\\PC{0,140}|[A-Za-z0-9._~-]{40,130}") {
        if let Ok(v) = CodeVerifier::parse(&text) {
            prop_assert_eq!(v.as_str(), text.as_str());
        }
        if let Ok(s) = State::parse(&text) {
            prop_assert!(s.matches(&text));
        }
    }

    #[test]
    fn state_round_trips(random in prop::collection::vec(any::<u8>(), 16..=64)) {
        let s = State::from_random(&random).unwrap();
        let restored = State::parse(s.as_str()).unwrap();
        prop_assert!(restored.matches(s.as_str()));
    }
}

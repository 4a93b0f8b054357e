//! `redirect_query`: `RedirectParams::parse` and `check`, against a plain reference model of
//! the rules its documentation states.

use cotter_proto::{Error, RedirectParams, State};
use std::string::String;
use std::vec::Vec;

/// The state the fuzz inputs are checked against (the seeds use it).
pub const STATE: &str = "c3RhdGUtc3RhdGUtc3RhdGU";

/// Form-urlencoded decoding (`%XX`, `+` is a space), then UTF-8.
fn decode(text: &str) -> Result<String, Error> {
    let mut out = Vec::new();
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        out.push(match b {
            b'%' => {
                let hi = bytes.next().and_then(|c| char::from(c).to_digit(16));
                let lo = bytes.next().and_then(|c| char::from(c).to_digit(16));
                match (hi, lo) {
                    (Some(h), Some(l)) => (h * 16 + l) as u8,
                    _ => return Err(Error::InvalidPercentEncoding),
                }
            }
            b'+' => b' ',
            other => other,
        });
    }
    String::from_utf8(out).map_err(|_| Error::InvalidUtf8)
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Model {
    code: Option<String>,
    state: Option<String>,
    challenge_id: Option<u64>,
    error: Option<String>,
}

fn set<T>(slot: &mut Option<T>, name: &'static str, v: T) -> Result<(), Error> {
    if slot.replace(v).is_some() { Err(Error::DuplicateParameter(name)) } else { Ok(()) }
}

/// The rules as documented: the query (after `?`, before `#`; none for a URL without `?`),
/// `&`-separated `key=value` pairs, keys and values percent-decoded, unknown or undecodable
/// keys ignored, a known key twice is an error, `challenge_id` a plain decimal `u64`.
fn model(input: &str) -> Result<Model, Error> {
    let no_fragment = input.split('#').next().unwrap_or("");
    let query = match no_fragment.split_once('?') {
        Some((_, q)) => q,
        None if no_fragment.contains("://") => "",
        None => no_fragment,
    };
    let mut m = Model::default();
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let Ok(key) = decode(k) else { continue };
        match key.as_str() {
            "code" => set(&mut m.code, "code", decode(v)?)?,
            "state" => set(&mut m.state, "state", decode(v)?)?,
            "error" => set(&mut m.error, "error", decode(v)?)?,
            "challenge_id" => {
                let text = decode(v).map_err(|_| Error::InvalidChallengeId)?;
                // The implementation decodes an encoded id into 24 bytes (a u64 has at most
                // 20 digits); longer encoded ids are refused even when they would parse.
                let encoded = v.contains(['%', '+']);
                let ok = !text.is_empty()
                    && text.bytes().all(|b| b.is_ascii_digit())
                    && !(encoded && text.len() > 24);
                let id = text.parse().ok().filter(|_| ok).ok_or(Error::InvalidChallengeId)?;
                set(&mut m.challenge_id, "challenge_id", id)?;
            }
            _ => {}
        }
    }
    Ok(m)
}

/// The fuzz target: `data` as a redirect URL or query.
pub fn run(data: &[u8]) {
    let Ok(input) = core::str::from_utf8(data) else { return };
    // A scratch as long as the input is always enough.
    let mut scratch = vec![0u8; input.len()];
    let parsed = RedirectParams::parse(input, &mut scratch);
    assert_ne!(parsed, Err(Error::BufferTooSmall), "a scratch of the input's length was short");
    let expected = model(input);
    let got = parsed.map(|p| Model {
        code: p.code.map(String::from),
        state: p.state.map(String::from),
        challenge_id: p.challenge_id,
        error: p.error.map(String::from),
    });
    assert_eq!(got, expected, "for {input:?}");
    let Ok(p) = parsed else { return };
    // `Debug` shows whether the code and the state are there, never what they are.
    let masked = RedirectParams { code: p.code.map(|_| "x"), state: p.state.map(|_| "x"), ..p };
    assert_eq!(format!("{p:?}"), format!("{masked:?}"));
    let expected_state = State::parse(STATE).expect("a valid state");
    match p.check(&expected_state) {
        Ok(code) => {
            assert!(p.error.is_none());
            assert_eq!(p.state, Some(STATE));
            assert!(!code.code.is_empty());
            assert_eq!(Some(code.code), p.code);
            assert_eq!(Some(code.challenge_id), p.challenge_id);
        }
        Err(Error::AuthorizationRejected(_)) => assert!(p.error.is_some()),
        Err(Error::StateMissing) => assert!(p.state.is_none_or(str::is_empty)),
        Err(Error::StateMismatch) => assert_ne!(p.state, Some(STATE)),
        Err(Error::MissingParameter(_)) => {
            assert!(p.code.is_none_or(str::is_empty) || p.challenge_id.is_none());
        }
        Err(e) => panic!("check failed with {e:?}"),
    }
}

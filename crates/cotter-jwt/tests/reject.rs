//! The reject suite: every rule of the verifier, each case asserting the specific error.

mod common;

use base64ct::Encoding as _;

use common::*;
use cotter_jwt::{Error, Es256Key, JwkError, JwkKey, Jwks, Segment, Validation};

fn check(token: &str) -> Result<(), Error> {
    let sk = signing_key(1);
    let jwks = jwks_of(&[public_key(&sk, Some(KID))]);
    let v = Validation::cotter(AUD, NOW);
    let mut buf = [0u8; 4096];
    jwks.verify(token, &v, &mut buf).map(|_| ())
}

fn signed(header: &str, payload: &str) -> String {
    sign_json(&signing_key(1), header, payload)
}

fn with_payload(payload: &str) -> Result<(), Error> {
    check(&signed(HEADER, payload))
}

fn claims(extra: &str) -> String {
    // Base claims valid at NOW without exp/aud/iss, to which a case adds its own.
    format!(r#"{{"sub":"u1"{extra}}}"#)
}

const GOOD_TAIL: &str = r#","aud":"api-key-1","iss":"https://www.cotter.app","exp":1700003600"#;

#[test]
fn baseline_is_accepted() {
    check(&signed(HEADER, &payload())).expect("the crafted token verifies");
    with_payload(&claims(GOOD_TAIL)).expect("minimal claims verify");
}

// ---- compact form and base64 ----

#[test]
fn segments() {
    let t = signed(HEADER, &payload());
    let parts: Vec<&str> = t.split('.').collect();
    assert_eq!(check(&parts[..2].join(".")), Err(Error::MalformedSegments));
    assert_eq!(check(&format!("{t}.")), Err(Error::MalformedSegments));
    assert_eq!(check(&format!("{t}.xyz")), Err(Error::MalformedSegments));
    assert_eq!(check(""), Err(Error::MalformedSegments));
    assert_eq!(check(".."), Err(Error::MalformedSignature));
}

#[test]
fn base64_strictness() {
    let t = signed(HEADER, &payload());
    let parts: Vec<String> = t.split('.').map(str::to_owned).collect();
    let with = |seg: usize, s: String| {
        let mut p = parts.clone();
        p[seg] = s;
        p.join(".")
    };
    // Padding: re-encode the header so that its length needs padding, then add `=`.
    let header_padded = format!("{}==", b64(br#"{"alg":"ES256","kid":"test-key-1","typ":"JWT"} "#));
    assert_eq!(check(&with(0, header_padded)), Err(Error::MalformedBase64(Segment::Header)));
    // Standard alphabet characters.
    let std_alpha = parts[1].replacen(|c: char| c.is_ascii_alphanumeric(), "+", 1);
    assert_eq!(check(&with(1, std_alpha)), Err(Error::MalformedBase64(Segment::Payload)));
    let slash = parts[1].replacen(|c: char| c.is_ascii_alphanumeric(), "/", 1);
    assert_eq!(check(&with(1, slash)), Err(Error::MalformedBase64(Segment::Payload)));
    // Whitespace inside and around.
    let ws = format!("{} {}", &parts[1][..4], &parts[1][4..]);
    assert!(matches!(check(&with(1, ws)), Err(Error::MalformedBase64(Segment::Payload))));
    assert!(check(&format!(" {t}")).is_err());
    assert!(check(&format!("{t}\n")).is_err());
    // Non-ASCII.
    let non_ascii = format!("{}é", &parts[1][..parts[1].len() - 2]);
    assert_eq!(check(&with(1, non_ascii)), Err(Error::MalformedBase64(Segment::Payload)));
    // A length that no base64 has (4n+1).
    let bad_len = format!("{}A", parts[1]);
    let r = check(&with(1, bad_len));
    assert_eq!(r, Err(Error::MalformedBase64(Segment::Payload)));
    // Non-canonical trailing bits in the signature's last character.
    let sig = &parts[2];
    let last = sig.chars().last().expect("last");
    let alt = if last == 'A' { 'B' } else { 'A' };
    let noncanon = format!("{}{}", &sig[..sig.len() - 1], alt);
    assert!(matches!(
        check(&with(2, noncanon)),
        Err(Error::MalformedBase64(Segment::Signature) | Error::InvalidSignature)
    ));
}

#[test]
fn size_limit() {
    let big = format!(r#"{{"pad":"{}"{GOOD_TAIL}}}"#, "x".repeat(9000));
    let t = signed(HEADER, &big);
    assert!(matches!(check(&t), Err(Error::TokenTooLarge { max: 8192, .. })));
    // A raised limit accepts it.
    let sk = signing_key(1);
    let jwks = jwks_of(&[public_key(&sk, Some(KID))]);
    let v = Validation::cotter(AUD, NOW).max_token_len(16 * 1024);
    let mut buf = vec![0u8; 16 * 1024];
    jwks.verify(&t, &v, &mut buf).expect("accepted under a raised limit");
    // A buffer too small is reported, not a panic.
    let mut small = [0u8; 16];
    assert!(matches!(jwks.verify(&t, &v, &mut small), Err(Error::BufferTooSmall { .. })));
}

// ---- header and algorithm ----

#[test]
fn algorithm_is_pinned_to_es256() {
    let p = payload();
    for header in [
        r#"{"alg":"none","kid":"test-key-1"}"#,
        r#"{"alg":"HS256","kid":"test-key-1"}"#,
        r#"{"alg":"ES384","kid":"test-key-1"}"#,
        r#"{"alg":"RS256","kid":"test-key-1"}"#,
        r#"{"alg":"es256","kid":"test-key-1"}"#,
        r#"{"alg":"ES256 ","kid":"test-key-1"}"#,
        r#"{"alg":["ES256"],"kid":"test-key-1"}"#,
        r#"{"alg":null,"kid":"test-key-1"}"#,
        r#"{"kid":"test-key-1"}"#,
        r#"{"typ":"JWT"}"#,
    ] {
        assert_eq!(check(&signed(header, &p)), Err(Error::AlgorithmNotAllowed), "{header}");
    }
    // alg none with an empty signature: not even 64 bytes.
    let none = format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(p.as_bytes()));
    assert_eq!(check(&none), Err(Error::MalformedSignature));
}

#[test]
fn hs256_with_the_public_key_as_secret_is_refused() {
    // The classic confusion attack: an HMAC "signature" keyed with the public key bytes.
    // Whatever the 32 bytes are, the header names HS256 and is refused before any key use.
    let header = r#"{"alg":"HS256","kid":"test-key-1","typ":"JWT"}"#;
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload().as_bytes()));
    let token = format!("{input}.{}", b64(&[7u8; 32]));
    assert_eq!(check(&token), Err(Error::MalformedSignature));
    let token64 = format!("{input}.{}", b64(&[7u8; 64]));
    assert_eq!(check(&token64), Err(Error::AlgorithmNotAllowed));
}

#[test]
fn crit_is_refused() {
    let h = r#"{"alg":"ES256","kid":"test-key-1","crit":["exp"],"exp":1}"#;
    assert_eq!(check(&signed(h, &payload())), Err(Error::CriticalHeader));
    let empty = r#"{"alg":"ES256","kid":"test-key-1","crit":[]}"#;
    assert_eq!(check(&signed(empty, &payload())), Err(Error::CriticalHeader));
}

#[test]
fn header_shape() {
    let p = payload();
    let dup = r#"{"alg":"ES256","alg":"ES256","kid":"test-key-1"}"#;
    assert_eq!(check(&signed(dup, &p)), Err(Error::DuplicateMember(Segment::Header, "alg")));
    let num_kid = r#"{"alg":"ES256","kid":7}"#;
    assert_eq!(check(&signed(num_kid, &p)), Err(Error::MalformedHeader("kid")));
    assert!(matches!(check(&signed("[1]", &p)), Err(Error::MalformedJson(Segment::Header, _))));
    assert!(matches!(check(&signed("{", &p)), Err(Error::MalformedJson(Segment::Header, _))));
    let trailing = r#"{"alg":"ES256","kid":"test-key-1"} x"#;
    assert!(matches!(check(&signed(trailing, &p)), Err(Error::MalformedJson(Segment::Header, _))));
    let bad_utf8 = format!(
        "{}.{}.{}",
        b64(b"{\"alg\":\"ES256\",\"x\":\"\xff\"}"),
        b64(p.as_bytes()),
        b64(&[1u8; 64])
    );
    assert_eq!(check(&bad_utf8), Err(Error::MalformedUtf8(Segment::Header)));
    // An escaped member name is the same member: `"\u0061lg"` is `alg`.
    let escaped = r#"{"\u0061lg":"ES256","kid":"test-key-1"}"#;
    check(&signed(escaped, &p)).expect("escaped member name decodes to alg");
    let escaped_dup = r#"{"alg":"ES256","\u0061lg":"none","kid":"test-key-1"}"#;
    assert_eq!(
        check(&signed(escaped_dup, &p)),
        Err(Error::DuplicateMember(Segment::Header, "alg"))
    );
}

// ---- key selection ----

#[test]
fn kid_selects_the_key() {
    let (a, b) = (signing_key(1), signing_key(2));
    let jwks = jwks_of(&[public_key(&a, Some("a")), public_key(&b, Some("b"))]);
    let v = Validation::cotter(AUD, NOW);
    let mut buf = [0u8; 2048];
    let by_b = sign_json(&b, r#"{"alg":"ES256","kid":"b"}"#, &payload());
    jwks.verify(&by_b, &v, &mut buf).expect("kid b selects b");
    let lying = sign_json(&b, r#"{"alg":"ES256","kid":"a"}"#, &payload());
    assert_eq!(jwks.verify(&lying, &v, &mut buf).unwrap_err(), Error::InvalidSignature);
    let unknown = sign_json(&b, r#"{"alg":"ES256","kid":"c"}"#, &payload());
    assert_eq!(jwks.verify(&unknown, &v, &mut buf).unwrap_err(), Error::UnknownKid);
    let no_kid = sign_json(&b, r#"{"alg":"ES256"}"#, &payload());
    assert_eq!(jwks.verify(&no_kid, &v, &mut buf).unwrap_err(), Error::MissingKid);
    // With exactly one usable key, a token without kid is accepted.
    let one = jwks_of(&[public_key(&b, Some("b"))]);
    one.verify(&no_kid, &v, &mut buf).expect("sole key serves a kid-less token");
    // An escaped kid matches its decoded form.
    let escaped = sign_json(&b, r#"{"alg":"ES256","kid":"\u0062"}"#, &payload());
    jwks.verify(&escaped, &v, &mut buf).expect("escaped kid");
    // An empty set knows no key.
    let empty: Jwks<2> = Jwks::new();
    assert_eq!(empty.verify(&by_b, &v, &mut buf).unwrap_err(), Error::UnknownKid);
}

// ---- signature ----

#[test]
fn signature_shapes() {
    let t = signed(HEADER, &payload());
    let (input, sig) = t.rsplit_once('.').expect("dot");
    let sig = base64ct::Base64UrlUnpadded::decode_vec(sig).expect("b64");
    let (r, s) = sig.split_at(32);
    // DER encoding of the same (r, s): 0x30 len 0x02 len r 0x02 len s.
    let der_int = |x: &[u8]| {
        let mut v = vec![0x02];
        let pad = x[0] & 0x80 != 0;
        v.push((32 + usize::from(pad)) as u8);
        if pad {
            v.push(0);
        }
        v.extend_from_slice(x);
        v
    };
    let mut der = vec![0x30];
    let body = [der_int(r), der_int(s)].concat();
    der.push(body.len() as u8);
    der.extend(body);
    assert_eq!(check(&format!("{input}.{}", b64(&der))), Err(Error::MalformedSignature));
    assert_eq!(check(&format!("{input}.{}", b64(&sig[..63]))), Err(Error::MalformedSignature));
    assert_eq!(
        check(&format!("{input}.{}", b64(&[sig.clone(), vec![0]].concat()))),
        Err(Error::MalformedSignature)
    );
    // r = 0, s = 0.
    let zero_r = [vec![0u8; 32], s.to_vec()].concat();
    assert_eq!(check(&format!("{input}.{}", b64(&zero_r))), Err(Error::InvalidSignature));
    let zero_s = [r.to_vec(), vec![0u8; 32]].concat();
    assert_eq!(check(&format!("{input}.{}", b64(&zero_s))), Err(Error::InvalidSignature));
    // s = n and r = n (not below the group order).
    let n = hex_n();
    let s_n = [r.to_vec(), n.clone()].concat();
    assert_eq!(check(&format!("{input}.{}", b64(&s_n))), Err(Error::InvalidSignature));
    let r_n = [n, s.to_vec()].concat();
    assert_eq!(check(&format!("{input}.{}", b64(&r_n))), Err(Error::InvalidSignature));
}

fn hex_n() -> Vec<u8> {
    let n = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
    (0..64).step_by(2).map(|i| u8::from_str_radix(&n[i..i + 2], 16).expect("hex")).collect()
}

#[test]
fn high_s_is_accepted() {
    use p256::elliptic_curve::ops::Reduce;
    let t = signed(HEADER, &payload());
    let (input, sig) = t.rsplit_once('.').expect("dot");
    let sig = base64ct::Base64UrlUnpadded::decode_vec(sig).expect("b64");
    let s = p256::Scalar::reduce(&<p256::FieldBytes>::try_from(&sig[32..]).expect("32 bytes"));
    let high = (-s).to_bytes();
    let flipped = [sig[..32].to_vec(), high.to_vec()].concat();
    // Exactly one of (r, s) and (r, n - s) is high-S; both must verify.
    check(&format!("{input}.{}", b64(&flipped))).expect("n - s verifies too");
}

// ---- claims ----

#[test]
fn expiry_and_leeway() {
    let exp = NOW as i64 - 60;
    // now == exp + leeway: expired (RFC 7519: now must be before exp).
    let p = claims(&format!(r#","aud":"{AUD}","iss":"{ISS}","exp":{exp}"#));
    assert_eq!(with_payload(&p), Err(Error::Expired));
    let p = claims(&format!(r#","aud":"{AUD}","iss":"{ISS}","exp":{}"#, exp + 1));
    with_payload(&p).expect("one second inside the leeway");
    // Fractional NumericDate rounds down.
    let p = claims(&format!(r#","aud":"{AUD}","iss":"{ISS}","exp":{}.9"#, exp));
    assert_eq!(with_payload(&p), Err(Error::Expired));
    assert_eq!(
        with_payload(&claims(r#","aud":"api-key-1","iss":"https://www.cotter.app""#)),
        Err(Error::MissingClaim("exp"))
    );
}

#[test]
fn wrong_types_are_errors_not_absence() {
    for (extra, claim) in [
        (r#","exp":"1700003600""#, "exp"),
        (r#","exp":true"#, "exp"),
        (r#","exp":null"#, "exp"),
        (r#","exp":1.7e9"#, "exp"),
        (r#","exp":99999999999999999999"#, "exp"),
        (r#","exp":1700003600,"nbf":"0""#, "nbf"),
        (r#","exp":1700003600,"iat":[1]"#, "iat"),
        (r#","exp":1700003600,"iss":1"#, "iss"),
        (r#","exp":1700003600,"aud":7"#, "aud"),
        (r#","exp":1700003600,"aud":["api-key-1",7]"#, "aud"),
        (r#","exp":1700003600,"sub":{}"#, "sub"),
        (r#","exp":1700003600,"jti":false"#, "jti"),
    ] {
        let p = format!(r#"{{"x":1{extra}}}"#);
        assert_eq!(with_payload(&p), Err(Error::InvalidClaim(claim)), "{p}");
    }
}

#[test]
fn not_before() {
    let p = claims(&format!(r#"{GOOD_TAIL},"nbf":{}"#, NOW + 61));
    assert_eq!(with_payload(&p), Err(Error::NotYetValid));
    let p = claims(&format!(r#"{GOOD_TAIL},"nbf":{}"#, NOW + 60));
    with_payload(&p).expect("nbf within leeway");
}

#[test]
fn audience() {
    let tail = r#","iss":"https://www.cotter.app","exp":1700003600"#;
    with_payload(&claims(&format!(r#"{tail},"aud":["other","api-key-1"]"#)))
        .expect("array contains");
    assert_eq!(
        with_payload(&claims(&format!(r#"{tail},"aud":["other"]"#))),
        Err(Error::AudienceMismatch)
    );
    assert_eq!(with_payload(&claims(&format!(r#"{tail},"aud":[]"#))), Err(Error::AudienceMismatch));
    assert_eq!(
        with_payload(&claims(&format!(r#"{tail},"aud":"api-key-2""#))),
        Err(Error::AudienceMismatch)
    );
    assert_eq!(
        with_payload(&claims(&format!(r#"{tail},"aud":"API-KEY-1""#))),
        Err(Error::AudienceMismatch)
    );
    assert_eq!(with_payload(&claims(tail)), Err(Error::MissingClaim("aud")));
}

#[test]
fn issuer() {
    let tail = r#","aud":"api-key-1","exp":1700003600"#;
    assert_eq!(with_payload(&claims(tail)), Err(Error::MissingClaim("iss")));
    for iss in
        ["https://www.cotter.app/", "http://www.cotter.app", "https://www.cotter.app.evil", ""]
    {
        let p = claims(&format!(r#"{tail},"iss":"{iss}""#));
        assert_eq!(with_payload(&p), Err(Error::IssuerMismatch), "{iss}");
    }
}

#[test]
fn escapes_are_decoded() {
    // `\/` in the issuer, `\u00e9` and `\"` in the audience.
    let sk = signing_key(1);
    let jwks = jwks_of(&[public_key(&sk, Some(KID))]);
    let p = r#"{"iss":"https:\/\/www.cotter.app","aud":"caf\u00e9 \"q\"","exp":1700003600,"name":"\ud83d\ude00"}"#;
    let t = sign_json(&sk, HEADER, p);
    let v = Validation::cotter("café \"q\"", NOW);
    let mut buf = [0u8; 1024];
    let tok = jwks.verify(&t, &v, &mut buf).expect("escaped claims match decoded expectations");
    let name = tok.claims().get_str("name").expect("string").expect("present");
    assert_eq!(name.to_string(), "😀");
    let mut out = [0u8; 8];
    assert_eq!(name.unescape_into(&mut out).expect("fits"), "😀");
    assert_eq!(tok.claims().iss().expect("iss").to_string(), "https://www.cotter.app");
    // Invalid escapes and lone surrogates are malformed JSON.
    for bad in [r#"{"a":"\x"}"#, r#"{"a":"\ud83d"}"#, r#"{"a":"\ude00"}"#, "{\"a\":\"\u{1}\"}"] {
        assert!(
            matches!(with_payload(bad), Err(Error::MalformedJson(Segment::Payload, _))),
            "{bad}"
        );
    }
}

#[test]
fn duplicate_claims() {
    let p = r#"{"aud":"api-key-1","iss":"https://www.cotter.app","exp":1700003600,"exp":1}"#;
    assert_eq!(with_payload(p), Err(Error::DuplicateMember(Segment::Payload, "exp")));
    let p = r#"{"aud":"x","iss":"https://www.cotter.app","exp":1700003600,"a\u0075d":"api-key-1"}"#;
    assert_eq!(with_payload(p), Err(Error::DuplicateMember(Segment::Payload, "aud")));
}

#[test]
fn payload_shape() {
    assert!(matches!(with_payload("[]"), Err(Error::MalformedJson(Segment::Payload, _))));
    assert!(matches!(with_payload("not json"), Err(Error::MalformedJson(Segment::Payload, _))));
    assert!(matches!(with_payload(r#"{"a":1,}"#), Err(Error::MalformedJson(Segment::Payload, _))));
    let deep = format!(r#"{{"a":{}{}}}"#, "[".repeat(40), "]".repeat(40));
    assert!(matches!(with_payload(&deep), Err(Error::MalformedJson(Segment::Payload, _))));
}

#[test]
fn cotter_views() {
    let sk = signing_key(1);
    let jwks = jwks_of(&[public_key(&sk, Some(KID))]);
    let v = Validation::cotter(AUD, NOW);
    let mut buf = [0u8; 1024];
    let id = r#"{"client_user_id":"u1","auth_time":"-62135596800","identifier":"a@b.c","type":"client_id_token","aud":"api-key-1","exp":1700003600,"iss":"https://www.cotter.app","sub":"u1"}"#;
    let t = sign_json(&sk, HEADER, id);
    let tok = jwks.verify(&t, &v, &mut buf).expect("id token");
    let c = tok.claims().cotter_id().expect("id view");
    assert!(c.auth_time.eq_str("-62135596800"));
    assert!(c.identifier.eq_str("a@b.c"));
    assert_eq!(tok.claims().cotter_access().unwrap_err(), Error::InvalidClaim("type"));
    let numeric = id.replace(r#""auth_time":"-62135596800""#, r#""auth_time":5"#);
    let t = sign_json(&sk, HEADER, &numeric);
    let tok = jwks.verify(&t, &v, &mut buf).expect("registered claims fine");
    assert_eq!(tok.claims().cotter_id().unwrap_err(), Error::InvalidClaim("auth_time"));
}

// ---- keys ----

const X: &str = "Wr7OvV5WZnGp4mflhcfqAZCToNeIoLRT3cxJaZTp9kU";
const Y: &str = "bXRtPK48VAjPb0w6sl0er0gRifOvvtlovMDZC51Lob0";

fn jwk(extra: &str) -> String {
    format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"{extra}}}"#)
}

#[test]
fn jwk_rules() {
    Es256Key::from_jwk(&jwk("")).expect("minimal jwk");
    Es256Key::from_jwk(&jwk(r#","use":"sig","alg":"ES256","kid":"k""#)).expect("full jwk");
    let e = |s: &str| Es256Key::from_jwk(s).unwrap_err();
    assert_eq!(
        e(&jwk("").replace(r#""kty":"EC""#, r#""kty":"RSA""#)),
        JwkError::UnsupportedKeyType
    );
    assert_eq!(
        e(&jwk("").replace(r#""kty":"EC""#, r#""kty":"OKP""#)),
        JwkError::UnsupportedKeyType
    );
    assert_eq!(e(&jwk("").replace("P-256", "P-384")), JwkError::UnsupportedCurve);
    assert_eq!(e(&jwk("").replace("P-256", "secp256k1")), JwkError::UnsupportedCurve);
    assert_eq!(e(&jwk(r#","use":"enc""#)), JwkError::UnsupportedUse);
    assert_eq!(e(&jwk(r#","alg":"ES384""#)), JwkError::UnsupportedAlgorithm);
    assert_eq!(e(&jwk(r#","kid":5"#)), JwkError::InvalidMember("kid"));
    assert_eq!(e(&jwk(r#","kty":"EC""#)), JwkError::DuplicateMember("kty"));
    assert_eq!(e(&jwk(&format!(r#","kid":"{}""#, "k".repeat(200)))), JwkError::KidTooLong);
    assert_eq!(e(&jwk("").replace(&format!(r#","x":"{X}""#), "")), JwkError::MissingMember("x"));
    assert_eq!(e(&jwk("").replace(X, &X[..42])), JwkError::InvalidCoordinate("x"));
    assert_eq!(e(&jwk("").replace(X, &format!("{X}=="))), JwkError::InvalidCoordinate("x"));
    assert_eq!(e(&jwk("").replace(Y, &Y.replace('b', "+"))), JwkError::InvalidCoordinate("y"));
    assert_eq!(e(&jwk("").replace(X, &format!("{X}AA"))), JwkError::InvalidCoordinate("x"));
    // A point off the curve: y + 1.
    let mut y = base64ct::Base64UrlUnpadded::decode_vec(Y).expect("y");
    y[31] ^= 1;
    assert_eq!(e(&jwk("").replace(Y, &b64(&y))), JwkError::InvalidPoint);
    assert!(matches!(e("[]"), JwkError::Json(_)));
    assert_eq!(Es256Key::from_sec1_bytes(&[4u8; 65]).unwrap_err(), JwkError::InvalidPoint);
}

#[test]
fn jwks_skips_what_it_cannot_use() {
    let doc = format!(
        r#"{{"keys":[
            {{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"rsa"}},
            {},
            {},
            {},
            "not an object",
            {}
        ]}}"#,
        jwk(r#","kid":"enc","use":"enc""#),
        jwk(r#","kid":"good""#),
        jwk(r#","kid":"p384""#).replace("P-256", "P-384"),
        jwk(r#","kid":"good2""#),
    );
    let set = Jwks::<4>::from_json(&doc).expect("set parses");
    assert_eq!(set.len(), 2);
    assert!(set.get("good").is_some() && set.get("good2").is_some());
    let reasons: Vec<(usize, JwkError)> =
        set.skipped().iter().map(|s| (s.index, s.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (0, JwkError::UnsupportedKeyType),
            (1, JwkError::UnsupportedUse),
            (3, JwkError::UnsupportedCurve),
            (4, JwkError::InvalidMember("keys")),
        ]
    );
    // Capacity: a set of one keeps the first usable key and skips the next.
    let small = Jwks::<1>::from_json(&doc).expect("parses");
    assert_eq!(small.len(), 1);
    assert_eq!(small.skipped_count(), 5);
    assert_eq!(Jwks::<1>::from_json("{}").unwrap_err(), JwkError::MissingKeys);
    assert_eq!(Jwks::<1>::from_json(r#"{"keys":{}}"#).unwrap_err(), JwkError::MissingKeys);
    assert!(matches!(Jwks::<1>::from_json(r#"{"keys":[}"#).unwrap_err(), JwkError::Json(_)));
}

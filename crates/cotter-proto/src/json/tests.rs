//! Decoding of realistic Cotter bodies, JSON escapes, error detail and limits.

use super::*;
use crate::{
    ApiError, AuthMethod, EnrolledMethod, Event, GetIdentityRequest, IdentityResponse, OAuthToken,
    RefreshRequest, UnixSeconds, User,
};

macro_rules! sample {
    ($name:literal) => {
        include_bytes!(concat!("../../testdata/", $name))
    };
}

/// The kind of JSON error a decode failed with, and the object and member it names.
fn json_err<T>(r: Result<T, Error>) -> (JsonErrorKind, Option<&'static str>, Option<&'static str>) {
    match r {
        Err(Error::Json { error, object, member }) => (error.kind(), object, member),
        Err(other) => panic!("expected a json error, got {other:?}"),
        Ok(_) => panic!("expected a json error, got a value"),
    }
}

#[test]
fn identity_response_sample() {
    let mut scratch = [0u8; 0];
    let r: IdentityResponse<'_> = decode(sample!("identity_response.json"), &mut scratch).unwrap();
    let token = r.token.unwrap();
    assert_eq!(token.expire_at, UnixSeconds(1_600_721_092));
    assert_eq!(token.timestamp, Some(UnixSeconds(1_598_129_092)));
    assert_eq!(token.receiver, "19024767-a0b2-4221-8faa-ef116dc853d0");
    let identifier = r.identifier.unwrap();
    assert_eq!(identifier.id, "a4b2c9f0-6b1e-4a53-9c39-1e1d5a0f8e11");
    assert_eq!(identifier.deleted_at, None);
    assert_eq!(identifier.public_key, "qqOaiQGjGsxBMgI5rdAasaACRiJthOqadmefjY5mS/c=");
    assert_eq!(r.user.id, "ee1982e9-1596-41db-b1a1-4c1880c1f016");
    assert_eq!(r.user.updated(), Some("2020-08-22T20:44:52.13291Z"));
    assert!(r.user.is_enrolled(AuthMethod::Webauthn));
    assert!(!r.user.is_enrolled(AuthMethod::TrustedDevice));
    assert!(r.user.exists());
    assert_eq!(r.oauth_token.expires_in, 3600);
    assert_eq!(r.oauth_token.method(), Some(AuthMethod::Otp));
    assert!(r.oauth_token.is_bearer());
    assert_eq!(
        r.oauth_token.rotated_refresh_token(),
        Some("39560:XSMAWf1c3NPutqJzmzdHO6UMStrx9tzWelUnLZeBqcCtbmBJaH")
    );
}

#[test]
fn refresh_responses_apply_the_rotation_rule() {
    let t: OAuthToken<'_> = decode(sample!("refresh_response.json"), &mut []).unwrap();
    assert_eq!(
        t.rotated_refresh_token(),
        Some("39560:951xd5Kq2rTzW8vNcYb3LmP0sAeHgUjIoFtRyD4EwQxZk7nVhG")
    );
    let t: OAuthToken<'_> = decode(sample!("refresh_response_no_rotation.json"), &mut []).unwrap();
    assert_eq!(t.refresh_token, None);
    assert_eq!(t.rotated_refresh_token(), None);
    let empty = br#"{"access_token":"a","auth_method":"OTP","expires_in":1,"id_token":"i","refresh_token":"","token_type":"Bearer"}"#;
    let t: OAuthToken<'_> = decode(empty, &mut []).unwrap();
    assert_eq!(t.rotated_refresh_token(), None);
}

#[test]
fn user_samples() {
    let u: User<'_> = decode(sample!("user.json"), &mut []).unwrap();
    assert_eq!(u.updated(), Some("2020-07-10T04:33:20.431227Z"));
    assert_eq!(u.identifiers, None);
    assert_eq!(u.default_method, None);
    assert!(u.is_enrolled(AuthMethod::TrustedDevice));
    assert_eq!(u.oauth_token, None);

    let u: User<'_> = decode(sample!("user_enrolled_with_token.json"), &mut []).unwrap();
    assert_eq!(u.enrolled.as_deref(), Some(&["TRUSTED_DEVICE", "OTP"][..]));
    assert_eq!(u.identifiers.as_deref(), Some(&["hello@example.com"][..]));
    assert_eq!(u.default_method, Some("TRUSTED_DEVICE"));
    assert_eq!(u.oauth_token.unwrap().method(), Some(AuthMethod::TrustedDevice));

    let nil = br#"{"ID":"00000000-0000-0000-0000-000000000000","client_user_id":"","issuer":"","created_at":"0001-01-01T00:00:00Z","enrolled":null}"#;
    let u: User<'_> = decode(nil, &mut []).unwrap();
    assert!(!u.exists());
}

#[test]
fn event_samples() {
    let e: Event<'_> = decode(sample!("event_pending.json"), &mut []).unwrap();
    assert_eq!(e.id, 1521);
    assert_eq!(e.created(), Some("2020-03-19T23:04:38.412Z"));
    assert_eq!(e.deleted_at_pascal, None);
    assert_eq!(e.timestamp, UnixSeconds(1_584_659_078));
    assert!(e.approved && !e.new);

    let e: Event<'_> = decode(sample!("event_approved.json"), &mut []).unwrap();
    assert_eq!(e.user_id, Some("ee1982e9-1596-41db-b1a1-4c1880c1f016"));
    assert_eq!(e.updated(), Some("2021-02-01T10:00:05Z"));
    assert_eq!(
        e.oauth_token.unwrap().rotated_refresh_token(),
        Some("94:qv2SAJN5u2uRcLk8mD3xWz7YbT1pQ9fH6sG4jE0aV5nB2cX8oZ")
    );

    // `GET /event/new` answers `null` when nothing is pending.
    let none: Option<Event<'_>> = decode(b" null ", &mut []).unwrap();
    assert_eq!(none, None);
}

#[test]
fn api_error_sample_and_invalid_grant() {
    let e: ApiError<'_> = decode(sample!("api_error.json"), &mut []).unwrap();
    assert!(e.msg.starts_with("The redirect URL http://localhost:1234"));
    assert_eq!(e.r#type, "");
    assert!(!e.is_invalid_grant());
    let e: ApiError<'_> =
        decode(br#"{"msg":"refresh token is not valid","type":"invalid"}"#, &mut []).unwrap();
    assert!(e.is_invalid_grant());
    let e: ApiError<'_> = decode(b"{}", &mut []).unwrap();
    assert_eq!(e, ApiError::default());
    assert_eq!(
        json_err(decode::<ApiError<'_>>(br#"{"msg":5}"#, &mut [])).0,
        JsonErrorKind::InvalidType
    );
}

#[test]
fn enrolled_method() {
    let m: EnrolledMethod<'_> =
        decode(br#"{"method":"TRUSTED_DEVICE","enrolled":true}"#, &mut []).unwrap();
    assert!(m.is_enrolled("TRUSTED_DEVICE"));
    assert!(!m.is_enrolled("OTP"));
}

#[test]
fn escapes_decode_to_the_real_text() {
    let body = br#"{"msg":"a\/b caf\u00e9 \ud83d\ude00 \"q\" \\ \n\t\u0026","type":"caf\u00E9"}"#;
    let mut scratch = [0u8; 64];
    let e: ApiError<'_> = decode(body, &mut scratch).unwrap();
    assert_eq!(e.msg, "a/b café 😀 \"q\" \\ \n\t&");
    assert_eq!(e.r#type, "café");
}

#[test]
fn unescaped_strings_borrow_from_the_body() {
    let body = br#"{"msg":"plain","type":"t"}"#;
    let e: ApiError<'_> = decode(body, &mut []).unwrap();
    assert!(body.as_ptr_range().contains(&e.msg.as_ptr()));
}

#[test]
fn bad_strings_are_rejected() {
    use JsonErrorKind::{ControlCharacter, InvalidEscape, InvalidUtf8};
    for (body, kind) in [
        (&br#"{"msg":"\x"}"#[..], InvalidEscape),
        (br#"{"msg":"\u12"}"#, InvalidEscape),
        (br#"{"msg":"\u+041"}"#, InvalidEscape),
        (br#"{"msg":"\ud83d"}"#, InvalidEscape),
        (br#"{"msg":"\ud83d\u0041"}"#, InvalidEscape),
        (br#"{"msg":"\ude00"}"#, InvalidEscape),
        (b"{\"msg\":\"raw\ncontrol\"}", ControlCharacter),
        (b"{\"msg\":\"\xff\"}", InvalidUtf8),
    ] {
        let e = json_err(decode::<ApiError<'_>>(body, &mut [0; 32]));
        assert_eq!(e.0, kind, "{:?}", core::str::from_utf8(body));
    }
}

#[test]
fn scratch_exhaustion_is_reported_and_skipped_members_cost_nothing() {
    let body = br#"{"msg":"\u00e9\u00e9","type":""}"#;
    let e = json_err(decode::<ApiError<'_>>(body, &mut [0; 3]));
    assert_eq!(e, (JsonErrorKind::BufferTooSmall, Some("ApiError"), Some("msg")));
    let skipped = br#"{"msg":"x","unknown":"\u00e9\u00e9\u00e9\u00e9"}"#;
    assert_eq!(decode::<ApiError<'_>>(skipped, &mut []).unwrap().msg, "x");
}

#[test]
fn unknown_members_are_ignored_at_every_level() {
    let body =
        br#"{"future":{"a":[1,{"b":null}],"c":"\u00e9"},"msg":"m","x":-1.5e3,"type":"t","y":true}"#;
    let e: ApiError<'_> = decode(body, &mut []).unwrap();
    assert_eq!((e.msg, e.r#type), ("m", "t"));
}

#[test]
fn wrong_types_and_quirks_are_errors_with_location() {
    // `expire_at` must be a string of seconds, not a number.
    let body = br#"{"expire_at":1600721092,"identifier":"i","identifier_type":"EMAIL","receiver":"r","signature":"s"}"#;
    let e = json_err(decode::<crate::IdentityToken<'_>>(body, &mut []));
    assert_eq!(e, (JsonErrorKind::InvalidType, Some("IdentityToken"), Some("expire_at")));

    // A non-canonical timestamp string.
    let body = br#"{"expire_at":"016","identifier":"i","identifier_type":"EMAIL","receiver":"r","signature":"s"}"#;
    let (kind, _, member) = json_err(decode::<crate::IdentityToken<'_>>(body, &mut []));
    assert_eq!((kind, member), (JsonErrorKind::InvalidValue, Some("expire_at")));

    // `expires_in` as a string.
    let body = br#"{"access_token":"a","auth_method":"OTP","expires_in":"3600","id_token":"i","token_type":"Bearer"}"#;
    let (kind, _, member) = json_err(decode::<OAuthToken<'_>>(body, &mut []));
    assert_eq!((kind, member), (JsonErrorKind::InvalidType, Some("expires_in")));

    // Negative and fractional integers.
    let (kind, _, member) =
        json_err(decode::<EnrolledMethod<'_>>(br#"{"method":"M","enrolled":1}"#, &mut []));
    assert_eq!((kind, member), (JsonErrorKind::InvalidType, Some("enrolled")));
    let body = br#"{"ID":-1,"client_user_id":"c","issuer":"i","event":"e","ip":"","location":"","timestamp":"1","method":"m","new":true,"approved":false}"#;
    assert_eq!(json_err(decode::<Event<'_>>(body, &mut [])).0, JsonErrorKind::InvalidNumber);
}

#[test]
fn nested_errors_name_the_innermost_object() {
    let mut body =
        std::string::String::from_utf8(sample!("identity_response.json").to_vec()).unwrap();
    body = body.replace("\"expires_in\": 3600", "\"expires_in\": null");
    let (_, object, member) = json_err(decode::<IdentityResponse<'_>>(body.as_bytes(), &mut []));
    assert_eq!((object, member), (Some("OAuthToken"), Some("expires_in")));
}

#[test]
fn missing_members_are_reported() {
    let body = br#"{"access_token":"a","auth_method":"OTP","id_token":"i","token_type":"Bearer"}"#;
    let e = decode::<OAuthToken<'_>>(body, &mut []).unwrap_err();
    assert_eq!(json_err::<()>(Err(e)), (JsonErrorKind::MissingMember, Some("OAuthToken"), None));
    assert_eq!(e.reason(), "invalid json body");
    assert_eq!(std::format!("{e}"), "invalid json body in `OAuthToken`");
    let source = core::error::Error::source(&e).expect("the json error");
    assert_eq!(std::format!("{source}"), "missing member");
}

#[test]
fn structural_errors() {
    let e = |body: &[u8]| json_err(decode::<ApiError<'_>>(body, &mut [])).0;
    assert_eq!(e(br#"{"msg":"m"} x"#), JsonErrorKind::TrailingCharacters);
    assert_eq!(e(br#"{"msg":"m""#), JsonErrorKind::UnexpectedEnd);
    assert_eq!(e(br#"{"msg" "m"}"#), JsonErrorKind::UnexpectedByte);
    assert_eq!(e(br#"{"msg":"m",}"#), JsonErrorKind::UnexpectedByte);
    assert_eq!(e(b""), JsonErrorKind::UnexpectedEnd);
    assert_eq!(e(b"[]"), JsonErrorKind::InvalidType);
    let mut deep = std::vec::Vec::new();
    deep.extend_from_slice(br#"{"x":"#);
    // The body's object is the first level.
    deep.extend(core::iter::repeat_n(b'[', MAX_DEPTH));
    assert_eq!(e(&deep), JsonErrorKind::TooDeep);
    deep.truncate(deep.len() - 1);
    deep.extend(core::iter::repeat_n(b']', MAX_DEPTH - 1));
    deep.push(b'}');
    assert_eq!(decode::<ApiError<'_>>(&deep, &mut []), Ok(ApiError::default()));
    // Brackets inside strings do not count.
    let mut ok = std::vec::Vec::new();
    ok.extend_from_slice(br#"{"msg":""#);
    ok.extend(core::iter::repeat_n(b'[', 100));
    ok.extend_from_slice(br#"\"["}"#);
    assert_eq!(decode::<ApiError<'_>>(&ok, &mut [0; 128]).unwrap().msg.len(), 102);
}

#[test]
fn duplicate_members_are_rejected() {
    let (kind, _, member) = json_err(decode::<ApiError<'_>>(br#"{"msg":"a","msg":"b"}"#, &mut []));
    assert_eq!((kind, member), (JsonErrorKind::InvalidValue, Some("msg")));
}

#[test]
fn duplicates_of_null_and_escaped_names_are_rejected() {
    // A `null` counts as an occurrence; an escaped name is the same name.
    let body = br#"{"ID":"i","client_user_id":"c","issuer":"s","created_at":"t","deleted_at":null,"deleted_\u0061t":"x"}"#;
    let e = json_err(decode::<User<'_>>(body, &mut [0; 8]));
    assert_eq!(e, (JsonErrorKind::InvalidValue, Some("User"), Some("deleted_at")));
    // Unknown members may repeat.
    assert_eq!(decode::<ApiError<'_>>(br#"{"x":1,"x":2,"msg":"m"}"#, &mut []).unwrap().msg, "m");
}

#[test]
fn null_is_absent_only_for_optional_members() {
    let body = br#"{"access_token":"a","auth_method":"OTP","expires_in":1,"id_token":"i","refresh_token":null,"token_type":null}"#;
    let (kind, _, member) = json_err(decode::<OAuthToken<'_>>(body, &mut []));
    assert_eq!((kind, member), (JsonErrorKind::InvalidType, Some("token_type")));
    let (kind, _, member) = json_err(decode::<ApiError<'_>>(br#"{"msg":null}"#, &mut []));
    assert_eq!((kind, member), (JsonErrorKind::InvalidType, Some("msg")));
    let top = |body: &[u8]| json_err(decode::<Option<Event<'_>>>(body, &mut [])).0;
    assert_eq!(top(b"nul"), JsonErrorKind::UnexpectedEnd);
    assert_eq!(top(b"null x"), JsonErrorKind::TrailingCharacters);
    assert_eq!(top(b"nil"), JsonErrorKind::UnexpectedByte);
}

#[test]
fn escaped_names_and_timestamps_decode() {
    let body = br#"{"expire_\u0061t":"\u0031\u0036","identifier":"i","identifier_type":"EMAIL","receiver":"r","signature":"s"}"#;
    let t: crate::IdentityToken<'_> = decode(body, &mut []).unwrap();
    assert_eq!(t.expire_at, UnixSeconds(16));
}

#[test]
fn a_scratch_as_long_as_the_body_is_enough() {
    let body = br#"{"msg":"\u00e9\ud83d\ude00\n","type":"\/"}"#;
    let mut scratch = std::vec![0u8; body.len()];
    let e: ApiError<'_> = decode(body, &mut scratch).unwrap();
    assert_eq!((e.msg, e.r#type), ("é😀\n", "/"));
}

#[cfg(feature = "alloc")]
#[test]
fn owned_variants_decode_directly() {
    let u: crate::UserOwned = decode(sample!("user_enrolled_with_token.json"), &mut []).unwrap();
    assert_eq!(u.identifiers, Some(std::vec![std::string::String::from("hello@example.com")]));
}

#[test]
fn too_many_list_items_are_rejected() {
    let mut body = std::string::String::from(
        r#"{"ID":"i","client_user_id":"c","issuer":"s","created_at":"t","enrolled":["#,
    );
    for i in 0..=crate::MAX_LIST {
        body.push_str(if i == 0 { "\"A\"" } else { ",\"A\"" });
    }
    body.push_str("]}");
    let (kind, _, member) = json_err(decode::<User<'_>>(body.as_bytes(), &mut []));
    assert_eq!((kind, member), (JsonErrorKind::InvalidValue, Some("enrolled")));
}

#[test]
fn request_bodies_encode_exactly() {
    let mut buf = [0u8; 256];
    let req = GetIdentityRequest {
        code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        authorization_code: "code-1",
        challenge_id: 123,
        redirect_url: "http://127.0.0.1:8080/cb",
    };
    assert_eq!(
        encode(&req, &mut buf).unwrap(),
        r#"{"code_verifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk","authorization_code":"code-1","challenge_id":123,"redirect_url":"http://127.0.0.1:8080/cb"}"#
    );
    assert_eq!(
        encode(&RefreshRequest::new("39560:XSMAW"), &mut buf).unwrap(),
        r#"{"grant_type":"refresh_token","refresh_token":"39560:XSMAW"}"#
    );
    let cookie_only = RefreshRequest { refresh_token: None, ..RefreshRequest::new("") };
    assert_eq!(encode(&cookie_only, &mut buf).unwrap(), r#"{"grant_type":"refresh_token"}"#);
    let enrol = crate::UpdateMethodsRequest::enroll_trusted_device(
        "PUB\nKEY",
        crate::ALGORITHM_EC,
        "MOBILE",
        "Pixel 5 11",
    );
    assert_eq!(
        encode(&enrol, &mut buf).unwrap(),
        r#"{"method":"TRUSTED_DEVICE","enrolled":true,"code":"PUB\nKEY","device_type":"MOBILE","device_name":"Pixel 5 11","algorithm":"EC","change_code":false,"current_code":null}"#
    );
    assert_eq!(encode(&req, &mut [0u8; 20]), Err(Error::BufferTooSmall));
}

#[test]
fn event_bodies_encode_timestamps_as_strings() {
    let mut buf = [0u8; 512];
    let body = crate::CreateEventRequest {
        issuer: "KEY",
        event: "LOGIN_WITH_DEVICE",
        ip: "unknown",
        location: "unknown",
        timestamp: UnixSeconds(1_598_129_092),
        method: "TRUSTED_DEVICE",
        code: "c2ln",
        approved: true,
        public_key: "PUB",
        algorithm: "EC",
        user_id: Some("uid"),
        client_user_id: None,
        register_new_device: None,
        new_device_public_key: None,
        new_device_algorithm: None,
        device_type: None,
        device_name: None,
    };
    assert_eq!(
        encode(&body, &mut buf).unwrap(),
        r#"{"issuer":"KEY","event":"LOGIN_WITH_DEVICE","ip":"unknown","location":"unknown","timestamp":"1598129092","method":"TRUSTED_DEVICE","code":"c2ln","approved":true,"public_key":"PUB","algorithm":"EC","user_id":"uid"}"#
    );
}

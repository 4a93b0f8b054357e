//! Tests of the owned variants: conversion keeps every member, and they serialize like the
//! borrowed types.

use std::format;

use super::*;
use crate::json::{decode, encode};

/// Owned → JSON → borrowed must give back the borrowed value it was made from.
macro_rules! check {
    ($ty:ident, $file:literal) => {{
        let body = include_bytes!(concat!("../../testdata/", $file));
        let mut scratch = [0u8; 256];
        let borrowed: $ty<'_> = decode(body, &mut scratch).unwrap();
        let owned = borrowed.to_owned();
        let mut buf = [0u8; 8192];
        let json = encode(&owned, &mut buf).unwrap();
        let mut scratch2 = [0u8; 256];
        let back: $ty<'_> = decode(json.as_bytes(), &mut scratch2).unwrap();
        assert_eq!(back, borrowed, $file);
        owned
    }};
}

#[test]
fn owned_variants_keep_everything() {
    let identity = check!(IdentityResponse, "identity_response.json");
    assert_eq!(identity.user.enrolled.as_deref(), Some(&[String::from("WEBAUTHN")][..]));
    check!(OAuthToken, "refresh_response.json");
    check!(OAuthToken, "refresh_response_no_rotation.json");
    check!(User, "user.json");
    let user = check!(User, "user_enrolled_with_token.json");
    assert!(user.oauth_token.is_some());
    check!(Event, "event_pending.json");
    check!(Event, "event_approved.json");
    let error = check!(ApiError, "api_error.json");
    assert!(!error.is_invalid_grant());
    assert!(
        ApiErrorOwned { msg: "token not valid".into(), r#type: String::new() }.is_invalid_grant()
    );
}

#[test]
fn owned_tokens_are_redacted() {
    let body = include_bytes!("../../testdata/refresh_response.json");
    let token: OAuthToken<'_> = decode(body, &mut []).unwrap();
    let text = format!("{:?}", token.to_owned());
    assert!(
        text.contains("access_token: <redacted>")
            && text.contains("refresh_token: Some(<redacted>)")
    );
    assert!(!text.contains("39560"));
    assert!(!format!("{token:?}").contains("39560"));
}

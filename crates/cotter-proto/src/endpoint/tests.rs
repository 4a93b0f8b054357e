//! Tests of the endpoint URLs (`docs/protocol.md#endpoints`).

use proptest::prelude::*;
use std::format;
use std::string::ToString;

use super::*;

const BASE: &str = "http://127.0.0.1:8080/api/v0";

fn url(e: Endpoint<'_>) -> std::string::String {
    e.url(BASE).unwrap().to_string()
}

#[test]
fn every_endpoint() {
    let cases: [(Endpoint<'_>, &str, &str); 18] = [
        (Endpoint::GetIdentity, "POST", "/verify/get_identity?oauth_token=true"),
        (Endpoint::Refresh { api_key_id: "KEY-1" }, "POST", "/token/KEY-1"),
        (Endpoint::RefreshLegacy, "POST", "/token"),
        (Endpoint::Revoke { api_key_id: "KEY-1" }, "DELETE", "/token/KEY-1"),
        (Endpoint::Jwks, "GET", "/token/jwks"),
        (Endpoint::CreateUser { oauth_token: false }, "POST", "/user/create"),
        (Endpoint::CreateUser { oauth_token: true }, "POST", "/user/create?oauth_token=true"),
        (Endpoint::UserByIdentifier { identifier: "+1 555" }, "GET", "/user?identifier=%2B1%20555"),
        (Endpoint::UserByClientId { client_user_id: "a/b" }, "GET", "/user/a%2Fb"),
        (
            Endpoint::UpdateMethods { cotter_user_id: "u-1" },
            "PUT",
            "/user/methods?cotter_user_id=u-1&oauth_token=true",
        ),
        (
            Endpoint::UpdateMethodsByClientId { client_user_id: "c" },
            "PUT",
            "/user/c?oauth_token=true",
        ),
        (
            Endpoint::TrustedDeviceStatus { cotter_user_id: "u", public_key: "MFkw\n+/=" },
            "GET",
            "/user/methods?cotter_user_id=u&method=TRUSTED_DEVICE&public_key=TUZrdworLz0",
        ),
        (
            Endpoint::TrustedDeviceEnrolled { client_user_id: "c", public_key: "MFkw\n+/=" },
            "GET",
            "/user/enrolled/c/TRUSTED_DEVICE/TUZrdworLz0",
        ),
        (Endpoint::CreateEvent { oauth_token: true }, "POST", "/event/create?oauth_token=true"),
        (Endpoint::CreatePendingEvent, "POST", "/event/create_pending"),
        (
            Endpoint::GetEvent { id: 18_446_744_073_709_551_615 },
            "GET",
            "/event/get/18446744073709551615?oauth_token=true",
        ),
        (Endpoint::NewEvent { cotter_user_id: "u" }, "GET", "/event/new?cotter_user_id=u"),
        (Endpoint::RespondEvent { id: 0 }, "POST", "/event/respond/0"),
    ];
    for (endpoint, method, path) in cases {
        assert_eq!(endpoint.method(), method, "{endpoint:?}");
        assert_eq!(url(endpoint), format!("{BASE}{path}"));
        assert_eq!(endpoint.has_body(), matches!(method, "POST" | "PUT"));
    }
    assert_eq!(
        url(Endpoint::NewEventByClientId { client_user_id: "c d" }),
        format!("{BASE}/event/new/c%20d")
    );
    assert_eq!(url(Endpoint::CreateEvent { oauth_token: false }), format!("{BASE}/event/create"));
}

#[test]
fn public_key_path_part_is_unpadded_base64url_of_the_key_string() {
    // "MFkw\n+/=" is 8 bytes: two full groups and a 2-byte tail, no padding.
    let e = Endpoint::TrustedDeviceEnrolled { client_user_id: "c", public_key: "abc" };
    assert!(url(e).ends_with("/TRUSTED_DEVICE/YWJj"));
    let e = Endpoint::TrustedDeviceEnrolled { client_user_id: "c", public_key: "ab" };
    assert!(url(e).ends_with("/TRUSTED_DEVICE/YWI"));
    let e = Endpoint::TrustedDeviceEnrolled { client_user_id: "c", public_key: "" };
    assert!(url(e).ends_with("/TRUSTED_DEVICE/"));
}

#[test]
fn base_urls() {
    let jwks = |base: &'static str| Endpoint::Jwks.url(base).map(|u| u.to_string());
    assert_eq!(
        jwks("https://www.cotter.app/api/v0").unwrap(),
        "https://www.cotter.app/api/v0/token/jwks"
    );
    assert_eq!(jwks("HTTP://127.0.0.1:1/api/v0/").unwrap(), "HTTP://127.0.0.1:1/api/v0/token/jwks");
    assert_eq!(jwks(BASE_URL).unwrap(), "https://www.cotter.app/api/v0/token/jwks");
    for bad in [
        "",
        "ftp://x",
        "http://",
        "https:///p",
        "http://x?y",
        "http://x#y",
        "http://x y",
        "//x",
        "x",
    ] {
        assert_eq!(jwks(bad), Err(Error::InvalidBaseUrl), "{bad:?}");
    }
}

#[test]
fn outputs_and_limits() {
    let u = Endpoint::GetIdentity.url(BASE).unwrap();
    assert_eq!(u.method(), "POST");
    let mut buf = [0u8; 128];
    assert_eq!(
        u.write_to(&mut buf).unwrap(),
        format!("{BASE}/verify/get_identity?oauth_token=true")
    );
    assert_eq!(u.write_to(&mut [0u8; 40]), Err(Error::BufferTooSmall));
    assert_eq!(u.to_heapless::<128>().unwrap().as_str(), u.to_string());
    assert_eq!(u.to_heapless::<40>(), Err(Error::BufferTooSmall));
}

proptest! {
    #[test]
    fn query_values_decode_back(identifier in "\\PC{0,40}") {
        let text = url(Endpoint::UserByIdentifier { identifier: &identifier });
        let query = text.split_once('?').unwrap().1;
        let value = query.strip_prefix("identifier=").unwrap();
        prop_assert!(value.bytes().all(|b| crate::percent::is_unreserved(b) || b == b'%'));
        let mut buf = std::vec![0u8; value.len()];
        let decoded = crate::percent::decode(value, &mut crate::bump::Bump::new(&mut buf)).unwrap();
        prop_assert_eq!(decoded, identifier.as_str());
    }

    #[test]
    fn path_segments_stay_one_segment(id in "\\PC{0,30}") {
        let text = url(Endpoint::UserByClientId { client_user_id: &id });
        let rest = text.strip_prefix(BASE).unwrap().strip_prefix("/user/").unwrap();
        prop_assert!(!rest.contains('/') && !rest.contains('?') && !rest.contains('#'));
    }
}

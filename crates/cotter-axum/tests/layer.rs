//! The layer against a JWKS served over loopback HTTP whose answers the test switches:
//! claims reaching handlers, the unknown-`kid` refetch and its limit, a garbage answer that
//! keeps the last good set, and 503 before any good set.

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use base64ct::{Base64UrlUnpadded, Encoding as _};
use core::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use cotter_axum::{AuthError, Claims, CotterAuth, CotterClaims};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use std::sync::Arc;
use tower::ServiceExt as _;

const AUD: &str = "test-api-key";

fn signing_key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).expect("a valid scalar")
}

fn jwk(key: &SigningKey, kid: &str) -> String {
    let point = key.verifying_key().to_sec1_point(false);
    let x = Base64UrlUnpadded::encode_string(point.x().expect("x"));
    let y = Base64UrlUnpadded::encode_string(point.y().expect("y"));
    format!(
        r#"{{"kty":"EC","crv":"P-256","kid":"{kid}","use":"sig","alg":"ES256","x":"{x}","y":"{y}"}}"#
    )
}

fn token(key: &SigningKey, kid: &str, claims: &serde_json::Value) -> String {
    let header = serde_json::json!({ "alg": "ES256", "kid": kid, "typ": "JWT" });
    let mut t = Base64UrlUnpadded::encode_string(header.to_string().as_bytes());
    t.push('.');
    t.push_str(&Base64UrlUnpadded::encode_string(claims.to_string().as_bytes()));
    let sig: Signature = key.sign(t.as_bytes());
    t.push('.');
    t.push_str(&Base64UrlUnpadded::encode_string(&sig.to_bytes()));
    t
}

fn claims() -> serde_json::Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    serde_json::json!({
        "client_user_id": "app-7", "authentication_method": "MAGIC_LINK",
        "type": "client_access_token", "scope": "access", "identifier": "ada@example.com",
        "identifier_type": "EMAIL", "plan": "pro", "aud": AUD, "exp": now + 600,
        "jti": "j-1", "iat": now, "iss": "https://www.cotter.app", "sub": "user-1",
    })
}

/// What the JWKS server answers: 0 the first key, 1 both keys, 2 garbage, 3 status 500.
#[derive(Clone)]
struct Issuer {
    mode: Arc<AtomicU8>,
    hits: Arc<AtomicU32>,
    jwks: Arc<[String; 2]>,
}

async fn jwks(
    State(issuer): State<Issuer>,
) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    issuer.hits.fetch_add(1, Ordering::SeqCst);
    let cc = [("cache-control", "public, max-age=600")];
    match issuer.mode.load(Ordering::SeqCst) {
        0 => (StatusCode::OK, cc, issuer.jwks[0].clone()),
        1 => (StatusCode::OK, cc, issuer.jwks[1].clone()),
        2 => (StatusCode::OK, cc, "<html>maintenance</html>".to_owned()),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, cc, String::new()),
    }
}

async fn issuer(mode: u8) -> (Issuer, String) {
    let (a, b) = (signing_key(1), signing_key(2));
    let issuer = Issuer {
        mode: Arc::new(AtomicU8::new(mode)),
        hits: Arc::new(AtomicU32::new(0)),
        jwks: Arc::new([
            format!(r#"{{"keys":[{}]}}"#, jwk(&a, "k1")),
            format!(r#"{{"keys":[{},{}]}}"#, jwk(&a, "k1"), jwk(&b, "k2")),
        ]),
    };
    let app = Router::new().route("/api/v0/token/jwks", get(jwks)).with_state(issuer.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (issuer, url)
}

#[derive(serde::Deserialize)]
struct Mine {
    sub: String,
    plan: String,
}

fn app(auth: &CotterAuth) -> Router {
    Router::new()
        .route(
            "/whoami",
            get(|c: CotterClaims| async move {
                Json(serde_json::json!({
                    "sub": c.sub, "identifier": c.identifier, "identifier_type": c.identifier_type,
                    "auth_method": c.auth_method, "scope": c.scope, "client_user_id": c.client_user_id,
                    "type": c.raw().get_str("type").ok().flatten().map(|s| s.to_string()),
                }))
            }),
        )
        .route("/mine", get(|Claims(m): Claims<Mine>| async move { format!("{} {}", m.sub, m.plan) }))
        .route_layer(auth.layer())
}

async fn call(app: &Router, path: &str, token: &str) -> (StatusCode, Option<String>, String) {
    let request = Request::get(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let challenge =
        response.headers().get("www-authenticate").map(|v| v.to_str().expect("ascii").to_owned());
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
    (status, challenge, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn typed_raw_and_serde_claims_reach_handlers() {
    let (_issuer, url) = issuer(0).await;
    let auth = CotterAuth::builder(AUD).issuer_url(&url).build().expect("build");
    let app = app(&auth);
    let t = token(&signing_key(1), "k1", &claims());
    let (status, _, body) = call(&app, "/whoami", &t).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        json,
        serde_json::json!({
            "sub": "user-1", "identifier": "ada@example.com", "identifier_type": "EMAIL",
            "auth_method": "MAGIC_LINK", "scope": "access", "client_user_id": "app-7",
            "type": "client_access_token",
        })
    );
    assert_eq!(call(&app, "/mine", &t).await.2, "user-1 pro");

    // A claim of an unexpected type: the others are still read, that one is absent.
    let mut odd = claims();
    odd["identifier"] = serde_json::json!(42);
    let (status, _, body) = call(&app, "/whoami", &token(&signing_key(1), "k1", &odd)).await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!((json["sub"].as_str(), json["identifier"].is_null()), (Some("user-1"), true));

    // Claims that do not fit the app's type: 401, the serde error not shown.
    let mut no_plan = claims();
    no_plan.as_object_mut().expect("object").remove("plan");
    let (status, challenge, _) = call(&app, "/mine", &token(&signing_key(1), "k1", &no_plan)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge.as_deref(),
        Some(
            "Bearer error=\"invalid_token\", error_description=\"claims do not match the expected type\""
        )
    );

    // The same token again is a cache hit.
    let before = auth.cache_stats();
    assert_eq!(call(&app, "/whoami", &t).await.0, StatusCode::OK);
    assert_eq!(auth.cache_stats().hits, before.hits + 1);
    assert_eq!(auth.cache_stats().verifications, before.verifications);
}

#[tokio::test]
async fn unknown_kid_refetches_once_then_is_rate_limited() {
    let (issuer, url) = issuer(0).await;
    let auth = CotterAuth::builder(AUD).issuer_url(&url).build().expect("build");
    auth.ready().await.expect("first fetch");
    assert_eq!((issuer.hits.load(Ordering::SeqCst), auth.key_count()), (1, 1));
    let app = app(&auth);

    // The issuer rotates in k2: the first k2 token fetches again and passes.
    issuer.mode.store(1, Ordering::SeqCst);
    let (status, _, body) = call(&app, "/whoami", &token(&signing_key(2), "k2", &claims())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((issuer.hits.load(Ordering::SeqCst), auth.key_count()), (2, 2));

    // A forged kid right after: no fetch (one per 30 s), refused as an unknown key.
    let (status, challenge, _) =
        call(&app, "/whoami", &token(&signing_key(3), "k3", &claims())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge.as_deref(),
        Some("Bearer error=\"invalid_token\", error_description=\"unknown signing key (kid)\"")
    );
    assert_eq!(issuer.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_garbage_answer_keeps_the_last_good_set() {
    let (issuer, url) = issuer(0).await;
    let auth = CotterAuth::builder(AUD).issuer_url(&url).build().expect("build");
    auth.ready().await.expect("first fetch");
    let app = app(&auth);
    issuer.mode.store(2, Ordering::SeqCst);
    // An unknown kid makes it fetch: garbage, so no decision is possible (503), …
    let (status, _, _) = call(&app, "/whoami", &token(&signing_key(2), "k2", &claims())).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(issuer.hits.load(Ordering::SeqCst), 2);
    // … and k1's tokens still pass.
    let (status, _, _) = call(&app, "/whoami", &token(&signing_key(1), "k1", &claims())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(auth.key_count(), 1);
}

#[tokio::test]
async fn no_good_set_yet_is_503() {
    let (issuer, url) = issuer(3).await;
    let auth = CotterAuth::builder(AUD).issuer_url(&url).build().expect("build");
    let refused = auth.ready().await.expect_err("the issuer answers 500");
    assert!(
        matches!(refused, AuthError::Unavailable { retry_after } if retry_after >= 1),
        "{refused:?}"
    );
    let app = app(&auth);
    let request = Request::get("/whoami")
        .header("authorization", format!("Bearer {}", token(&signing_key(1), "k1", &claims())))
        .body(Body::empty())
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let retry: u64 =
        response.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=5).contains(&retry), "{retry}");
    // Backing off: the requests did not each fetch.
    assert!(issuer.hits.load(Ordering::SeqCst) <= 2, "{}", issuer.hits.load(Ordering::SeqCst));
    // The issuer is back, but within the back-off nobody fetches: still 503, no request.
    let hits = issuer.hits.load(Ordering::SeqCst);
    issuer.mode.store(0, Ordering::SeqCst);
    let refused = auth.verify(&token(&signing_key(1), "k1", &claims())).await;
    assert!(matches!(refused, Err(AuthError::Unavailable { .. })), "{refused:?}");
    assert_eq!(issuer.hits.load(Ordering::SeqCst), hits);
}

#[test]
fn build_needs_a_runtime_and_a_safe_url() {
    assert_eq!(
        CotterAuth::builder(AUD).build().expect_err("no runtime"),
        cotter_axum::BuildError::NoRuntime
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    rt.block_on(async {
        assert!(matches!(
            CotterAuth::builder(AUD).issuer_url("http://issuer.example").build(),
            Err(cotter_axum::BuildError::InsecureUrl(_))
        ));
    });
}

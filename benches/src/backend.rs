//! The fixture of `cargo xtask bench backend`: a P-256 key made here, its JWKS, Cotter-shaped
//! access tokens signed with it (each distinct: its own `jti` and `sub`), and the arguments
//! the two bench apps (`backend_cotter`, `backend_jwt_authorizer`) share.

use crate::{AUD, ISS};
use base64ct::{Base64UrlUnpadded, Encoding};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};

/// The `kid` of the bench key.
pub const BENCH_KID: &str = "SPACE_JWT_PUBLIC:BENCH-0001";

/// The one route of both apps.
pub const ROUTE: &str = "/whoami";

/// The first line both apps print, followed by `127.0.0.1:PORT`.
pub const LISTENING: &str = "listening on ";

fn key(seed: u8) -> SigningKey {
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = seed.wrapping_mul(53).wrapping_add(u8::try_from(i).unwrap_or(0)) | 3;
    }
    SigningKey::from_slice(&bytes).expect("fixed scalar is valid")
}

fn jwk(sk: &SigningKey, kid: &str) -> String {
    let point = sk.verifying_key().to_sec1_point(false);
    let x = Base64UrlUnpadded::encode_string(point.x().expect("x"));
    let y = Base64UrlUnpadded::encode_string(point.y().expect("y"));
    format!(
        r#"{{"kty":"EC","crv":"P-256","kid":"{kid}","use":"sig","alg":"ES256","x":"{x}","y":"{y}"}}"#
    )
}

/// The signing key and what the apps are served.
#[derive(Debug)]
pub struct BenchKeys {
    signer: SigningKey,
}

impl Default for BenchKeys {
    fn default() -> Self {
        Self::new()
    }
}

impl BenchKeys {
    /// The bench key.
    #[must_use]
    pub fn new() -> Self {
        Self { signer: key(1) }
    }

    /// A JWKS of the bench key and `extra` other keys (to measure memory per key).
    #[must_use]
    pub fn jwks(&self, extra: u8) -> String {
        let mut keys = vec![jwk(&self.signer, BENCH_KID)];
        keys.extend((0..extra).map(|i| jwk(&key(i + 2), &format!("SPACE_JWT_PUBLIC:BENCH-X{i}"))));
        format!(r#"{{"keys":[{}]}}"#, keys.join(","))
    }

    /// Access token number `n`, valid until `exp`, in Cotter's layout (with `identifier`).
    #[must_use]
    pub fn token(&self, n: u64, exp: u64) -> String {
        let header = format!(r#"{{"alg":"ES256","kid":"{BENCH_KID}","typ":"JWT"}}"#);
        let payload = format!(
            r#"{{"client_user_id":"app-user-{n}","authentication_method":"OTP","type":"client_access_token","scope":"access","identifier":"user{n}@example.com","aud":"{AUD}","exp":{exp},"jti":"901528f3-d4b5-4d3f-a5a7-{n:012}","iat":{iat},"iss":"{ISS}","sub":"ee1982e9-1596-41db-b1a1-{n:012}"}}"#,
            iat = exp.saturating_sub(3600)
        );
        let input = format!(
            "{}.{}",
            Base64UrlUnpadded::encode_string(header.as_bytes()),
            Base64UrlUnpadded::encode_string(payload.as_bytes())
        );
        let sig: Signature = self.signer.sign(input.as_bytes());
        format!("{input}.{}", Base64UrlUnpadded::encode_string(&sig.to_bytes()))
    }
}

/// The arguments of both bench apps:
/// `--jwks-url URL --workers N [--blocking] [--cache N]` (the audience is [`AUD`]).
#[derive(Clone, Debug)]
pub struct AppArgs {
    /// Where the JWKS is.
    pub jwks_url: String,
    /// Tokio worker threads.
    pub workers: usize,
    /// cotter-axum only: verify on the blocking pool.
    pub blocking: bool,
    /// cotter-axum only: verified-token cache capacity.
    pub cache: usize,
    /// Most threads of tokio's blocking pool (default tokio's, 512).
    pub blocking_threads: Option<usize>,
}

impl AppArgs {
    /// Parses the process arguments.
    ///
    /// # Errors
    /// A usage message.
    pub fn parse() -> Result<Self, String> {
        let usage =
            "usage: APP --jwks-url URL --workers N [--blocking] [--blocking-threads N] [--cache N]";
        let mut args = std::env::args().skip(1);
        let mut parsed = Self {
            jwks_url: String::new(),
            workers: 1,
            blocking: false,
            cache: 20_000,
            blocking_threads: None,
        };
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| usage.to_owned());
            match flag.as_str() {
                "--jwks-url" => parsed.jwks_url = value()?,
                "--workers" => parsed.workers = value()?.parse().map_err(|_| usage.to_owned())?,
                "--cache" => parsed.cache = value()?.parse().map_err(|_| usage.to_owned())?,
                "--blocking" => parsed.blocking = true,
                "--blocking-threads" => {
                    parsed.blocking_threads = Some(value()?.parse().map_err(|_| usage.to_owned())?);
                }
                _ => return Err(usage.to_owned()),
            }
        }
        if parsed.jwks_url.is_empty() || parsed.workers == 0 {
            return Err(usage.to_owned());
        }
        Ok(parsed)
    }

    /// The app's runtime: multi-threaded with exactly `workers` worker threads.
    ///
    /// # Errors
    /// When tokio cannot start it.
    pub fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.workers)
            .enable_all()
            .build()
    }
}

/// The `main` of both bench apps: parses [`AppArgs`] (usage and exit code 2 when they are
/// wrong), runs `serve` on [`AppArgs::runtime`], and prints `NAME: error` with exit code 1
/// when it fails.
pub fn app_main<F, Fut>(name: &str, serve: F) -> std::process::ExitCode
where
    F: FnOnce(AppArgs) -> Fut,
    Fut: core::future::Future<Output = Result<(), Box<dyn core::error::Error>>>,
{
    let args = match AppArgs::parse() {
        Ok(args) => args,
        Err(usage) => {
            eprintln!("{usage}");
            return std::process::ExitCode::from(2);
        }
    };
    let result = args.runtime().map_err(Into::into).and_then(|rt| rt.block_on(serve(args)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

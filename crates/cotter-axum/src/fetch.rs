//! The JWKS fetch: one `GET` over hyper 1's client, HTTPS through rustls with ring, trusting
//! the web PKI roots plus any CA the app adds (never "accept any certificate").

use crate::BuildError;
use bytes::Bytes;
use core::time::Duration;
use http::{Request, Uri, header};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use rustls::{ClientConfig, RootCertStore};
use std::sync::Arc;

/// Largest JWKS body read (a Cotter JWKS is about 300 bytes a key).
const MAX_BODY: usize = 64 * 1024;

/// One answer of the issuer.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
    /// `Cache-Control: max-age` in seconds (0 for `no-cache`/`no-store`), when present.
    pub(crate) max_age: Option<u64>,
}

pub(crate) struct Fetcher {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    uri: Uri,
    timeout: Duration,
}

impl core::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Fetcher").field("uri", &self.uri).finish_non_exhaustive()
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<core::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Fetcher {
    pub(crate) fn new(
        url: &str,
        ca_pem: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, BuildError> {
        let uri: Uri = url.parse().map_err(|_| BuildError::InvalidUrl(url.to_owned()))?;
        let host = uri.host().ok_or_else(|| BuildError::InvalidUrl(url.to_owned()))?;
        match uri.scheme_str() {
            Some("https") => {}
            // Plain HTTP only to this machine (the emulator); a real issuer is HTTPS.
            Some("http") if is_loopback(host) => {}
            Some("http") => return Err(BuildError::InsecureUrl(url.to_owned())),
            _ => return Err(BuildError::InvalidUrl(url.to_owned())),
        }
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
        if let Some(pem) = ca_pem {
            let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| BuildError::InvalidCa("not a PEM certificate"))?;
            if certs.is_empty() {
                return Err(BuildError::InvalidCa("no CERTIFICATE block"));
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|_| BuildError::InvalidCa("not a usable CA certificate"))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| BuildError::Tls)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self { client, uri, timeout })
    }

    /// `GET` the JWKS; the body is read up to [`MAX_BODY`] bytes.
    pub(crate) async fn fetch(&self) -> Result<Fetched, &'static str> {
        let request = Request::get(self.uri.clone())
            .header(header::ACCEPT, "application/json")
            .body(Empty::new())
            .map_err(|_| "request")?;
        let answer = async {
            let response = self.client.request(request).await.map_err(|_| "connection failed")?;
            let status = response.status().as_u16();
            let max_age = response
                .headers()
                .get_all(header::CACHE_CONTROL)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(max_age);
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|_| "body unreadable or too large")?
                .to_bytes();
            Ok(Fetched { status, body, max_age })
        };
        tokio::time::timeout(self.timeout, answer).await.map_err(|_| "timed out")?
    }
}

/// `max-age` of one `Cache-Control` value; 0 for `no-cache` or `no-store`.
pub(crate) fn max_age(value: &str) -> Option<u64> {
    let mut found = None;
    for directive in value.split(',').map(str::trim) {
        let (name, arg) = directive.split_once('=').unwrap_or((directive, ""));
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return Some(0);
        }
        if name.eq_ignore_ascii_case("max-age") {
            found = arg.trim_matches('"').parse().ok();
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control() {
        assert_eq!(max_age("public, max-age=600"), Some(600));
        assert_eq!(max_age("max-age=\"60\""), Some(60));
        assert_eq!(max_age("no-store, max-age=600"), Some(0));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=x"), None);
    }

    #[test]
    fn plain_http_only_to_loopback() {
        let t = Duration::from_secs(1);
        assert!(Fetcher::new("http://127.0.0.1:1/jwks", None, t).is_ok());
        assert!(Fetcher::new("http://localhost:1/jwks", None, t).is_ok());
        assert!(Fetcher::new("http://[::1]:1/jwks", None, t).is_ok());
        assert!(matches!(
            Fetcher::new("http://example.com/jwks", None, t),
            Err(BuildError::InsecureUrl(_))
        ));
        assert!(Fetcher::new("https://example.com/jwks", None, t).is_ok());
        assert!(matches!(Fetcher::new("ftp://x/", None, t), Err(BuildError::InvalidUrl(_))));
        assert!(matches!(
            Fetcher::new("https://example.com/jwks", Some("nope"), t),
            Err(BuildError::InvalidCa(_))
        ));
    }
}

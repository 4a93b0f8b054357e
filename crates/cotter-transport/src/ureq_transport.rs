//! [`UreqTransport`]: the [`Transport`] for hosts with `std`, on one reused [`ureq::Agent`].

use crate::{Error, ErrorKind, ErrorType, Headers, Method, Request, Response, Transport, Url};
use core::fmt;
use core::time::Duration;
use std::io::{self, Read as _};
#[cfg(feature = "rustls")]
use std::vec::Vec;
use ureq::RequestBuilder;
use ureq::http::Uri;

/// Default limit for establishing a connection, TLS handshake included: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default limit for a whole exchange, from resolving the host to the body's last byte: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

const USER_AGENT: &str = concat!("cotter-transport/", env!("CARGO_PKG_VERSION"));

/// Settings of a [`UreqTransport`]. The defaults are the safe ones and are listed per setter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UreqConfig {
    connect_timeout: Duration,
    timeout: Duration,
    proxy_from_env: bool,
}

impl UreqConfig {
    /// The defaults: [`DEFAULT_CONNECT_TIMEOUT`], [`DEFAULT_TIMEOUT`], no proxy.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            proxy_from_env: false,
        }
    }

    /// Limit for establishing a connection (resolution, TCP, TLS). Default 10 s.
    #[must_use]
    pub const fn connect_timeout(mut self, limit: Duration) -> Self {
        self.connect_timeout = limit;
        self
    }

    /// Limit for a whole exchange, body included. Default 30 s.
    #[must_use]
    pub const fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    /// Route requests through the proxy named by `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`
    /// (honouring `NO_PROXY`), as ureq does by default. Default `false` here: a stray proxy
    /// variable must not send loopback traffic elsewhere. HTTPS through a proxy stays end-to-end
    /// (`CONNECT`).
    #[must_use]
    pub const fn proxy_from_env(mut self, on: bool) -> Self {
        self.proxy_from_env = on;
        self
    }

    /// The connect limit in force.
    #[must_use]
    pub const fn connect_timeout_value(&self) -> Duration {
        self.connect_timeout
    }

    /// The overall limit in force.
    #[must_use]
    pub const fn timeout_value(&self) -> Duration {
        self.timeout
    }
}

impl Default for UreqConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// A blocking [`Transport`] on ureq 3, for desktops, servers and CLIs.
///
/// * Redirects are never followed: a `302` is returned as a [`Response`] with status 302.
/// * `4xx`/`5xx` are responses, not errors.
/// * Plain `http://` is refused with [`ErrorKind::InsecureUrl`] unless the host is `localhost`,
///   `127.0.0.0/8` or `::1`; the check runs before any connection.
/// * The body is read into the caller's buffer; a longer body fails with
///   [`ErrorKind::ResponseTooLarge`] after reading at most `buf.len() + 1` bytes of it (at once,
///   without reading, when `Content-Length` already says so).
/// * One agent serves every request, so connections are kept alive and reused.
/// * HTTPS needs the `rustls` feature; without it an `https://` URL fails with
///   [`ErrorKind::Tls`]. Server certificates are always verified against the
///   `TrustedRoots` given to `with_roots` (Mozilla's roots by default); an untrusted
///   chain or a certificate for another name fails with [`ErrorKind::Tls`].
pub struct UreqTransport {
    agent: ureq::Agent,
    config: UreqConfig,
}

/// The certificate authorities a [`UreqTransport`] trusts for HTTPS (feature `rustls`).
///
/// [`TrustedRoots::web_pki`] (the default) is Mozilla's root programme. [`with_ca_pem`]
/// adds a private CA *besides* them (a staging server, the emulator's `--tls-ca-out` file);
/// [`TrustedRoots::none`] starts from nothing, to trust only the CAs added (pinning). Every
/// server certificate is verified, chain and name: there is no way to turn verification off.
///
/// [`with_ca_pem`]: TrustedRoots::with_ca_pem
#[cfg(feature = "rustls")]
#[derive(Clone)]
pub struct TrustedRoots {
    web_pki: bool,
    extra: Vec<ureq::tls::Certificate<'static>>,
}

#[cfg(feature = "rustls")]
impl TrustedRoots {
    /// Mozilla's root certificates (the `webpki-root-certs` crate), nothing else.
    #[must_use]
    pub fn web_pki() -> Self {
        Self { web_pki: true, extra: Vec::new() }
    }

    /// No root at all: only the CAs added with [`with_ca_pem`](Self::with_ca_pem) are trusted.
    #[must_use]
    pub fn none() -> Self {
        Self { web_pki: false, extra: Vec::new() }
    }

    /// Also trusts every certificate in `pem` (one or more `CERTIFICATE` blocks) as a root.
    ///
    /// # Errors
    ///
    /// [`CaError::InvalidPem`] for malformed PEM, [`CaError::NoCertificate`] when `pem` has
    /// no `CERTIFICATE` block (a key file passed by mistake, an empty file). Nothing is added
    /// then.
    pub fn with_ca_pem(mut self, pem: &[u8]) -> Result<Self, CaError> {
        let mut added = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            if let ureq::tls::PemItem::Certificate(cert) = item.map_err(|_| CaError::InvalidPem)? {
                added.push(cert);
            }
        }
        if added.is_empty() {
            return Err(CaError::NoCertificate);
        }
        self.extra.extend(added);
        Ok(self)
    }

    /// How many CAs were added with [`with_ca_pem`](Self::with_ca_pem).
    #[must_use]
    pub fn added(&self) -> usize {
        self.extra.len()
    }

    fn root_certs(&self) -> ureq::tls::RootCerts {
        if self.web_pki && self.extra.is_empty() {
            return ureq::tls::RootCerts::WebPki;
        }
        let web = if self.web_pki { webpki_root_certs::TLS_SERVER_ROOT_CERTS } else { &[] };
        let web = web.iter().map(|der| ureq::tls::Certificate::from_der(der.as_ref()));
        ureq::tls::RootCerts::from(web.chain(self.extra.iter().cloned()))
    }
}

#[cfg(feature = "rustls")]
impl Default for TrustedRoots {
    fn default() -> Self {
        Self::web_pki()
    }
}

#[cfg(feature = "rustls")]
impl fmt::Debug for TrustedRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedRoots")
            .field("web_pki", &self.web_pki)
            .field("added", &self.extra.len())
            .finish()
    }
}

/// Why [`TrustedRoots::with_ca_pem`] refused a PEM file.
#[cfg(feature = "rustls")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaError {
    /// The text is not well-formed PEM.
    InvalidPem,
    /// The PEM holds no `CERTIFICATE` block.
    NoCertificate,
}

#[cfg(feature = "rustls")]
impl fmt::Display for CaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidPem => "the CA file is not valid PEM",
            Self::NoCertificate => "the CA file holds no CERTIFICATE block",
        })
    }
}

#[cfg(feature = "rustls")]
impl core::error::Error for CaError {}

impl UreqTransport {
    /// A transport with [`UreqConfig::new`]'s defaults.
    #[must_use]
    pub fn new() -> Self {
        Self::with_config(UreqConfig::new())
    }

    /// A transport with `config`; HTTPS trusts [`TrustedRoots::web_pki`].
    #[must_use]
    pub fn with_config(config: UreqConfig) -> Self {
        Self::build(config, |builder| builder)
    }

    /// A transport with `config` whose HTTPS trusts `roots`.
    ///
    /// ```no_run
    /// use cotter_transport::{TrustedRoots, UreqConfig, UreqTransport};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pem = std::fs::read("emulator-ca.pem")?; // `cotter-emulator --tls --tls-ca-out emulator-ca.pem`
    /// let roots = TrustedRoots::web_pki().with_ca_pem(&pem)?;
    /// let transport = UreqTransport::with_roots(UreqConfig::new(), &roots);
    /// # let _ = transport; Ok(()) }
    /// ```
    #[cfg(feature = "rustls")]
    #[must_use]
    pub fn with_roots(config: UreqConfig, roots: &TrustedRoots) -> Self {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(roots.root_certs())
            .build();
        Self::build(config, |builder| builder.tls_config(tls))
    }

    fn build(
        config: UreqConfig,
        tls: impl FnOnce(
            ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
        ) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope>,
    ) -> Self {
        let mut builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .save_redirect_history(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.timeout))
            .user_agent(USER_AGENT);
        if !config.proxy_from_env {
            builder = builder.proxy(None);
        }
        let builder = tls(builder);
        Self { agent: ureq::Agent::new_with_config(builder.build()), config }
    }

    /// The settings this transport was made with.
    #[must_use]
    pub const fn config(&self) -> &UreqConfig {
        &self.config
    }

    fn call(
        &self,
        req: &Request<'_>,
        uri: Uri,
    ) -> Result<ureq::http::Response<ureq::Body>, UreqError> {
        let agent = &self.agent;
        let result = match req.method {
            Method::Get | Method::Delete => {
                let builder = match req.method {
                    Method::Get => agent.get(uri),
                    _ => agent.delete(uri),
                };
                let builder = with_headers(builder, req.headers);
                if req.body.is_empty() {
                    builder.call()
                } else {
                    builder.force_send_body().send(req.body)
                }
            }
            Method::Post | Method::Put => {
                let builder = match req.method {
                    Method::Post => agent.post(uri),
                    _ => agent.put(uri),
                };
                with_headers(builder, req.headers).send(req.body)
            }
        };
        result.map_err(UreqError::Ureq)
    }
}

fn with_headers<B>(mut builder: RequestBuilder<B>, headers: &[(&str, &str)]) -> RequestBuilder<B> {
    for (name, value) in headers {
        builder = builder.header_raw(name, value.as_bytes());
    }
    builder
}

impl Default for UreqTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UreqTransport").field("config", &self.config).finish_non_exhaustive()
    }
}

impl ErrorType for UreqTransport {
    type Error = UreqError;
}

impl Transport for UreqTransport {
    fn send<'b>(
        &mut self,
        req: &Request<'_>,
        buf: &'b mut [u8],
    ) -> Result<Response<'b>, Self::Error> {
        let url = Url::parse(req.url).map_err(UreqError::before_send)?;
        url.ensure_secure().map_err(UreqError::before_send)?;
        req.check_headers().map_err(UreqError::before_send)?;
        // Defence in depth: the host that ureq will connect to is the host that was checked.
        let uri: Uri = req.url.parse().map_err(|_| UreqError::InvalidUrl)?;
        let uri_host = uri.host().map(|h| h.trim_start_matches('[').trim_end_matches(']'));
        if uri_host != Some(url.host()) {
            return Err(UreqError::InvalidUrl);
        }

        let mut response = self.call(req, uri)?;
        let status = response.status().as_u16();
        let mut headers = Headers::new();
        for (name, value) in response.headers() {
            headers.add(name.as_str(), value.as_bytes());
        }
        let body = response.body_mut();
        let capacity = buf.len();
        if body.content_length().is_some_and(|len| len > capacity as u64) {
            return Err(UreqError::ResponseTooLarge { capacity });
        }
        let mut reader = body.as_reader();
        let mut filled = 0;
        loop {
            let read = if filled < capacity {
                reader.read(&mut buf[filled..])
            } else {
                // The buffer is full: one more byte means the body does not fit.
                match reader.read(&mut [0u8; 1]) {
                    Ok(0) => break,
                    Ok(_) => return Err(UreqError::ResponseTooLarge { capacity }),
                    Err(e) => Err(e),
                }
            };
            match read {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(UreqError::Ureq(ureq::Error::from(e))),
            }
        }
        Ok(Response::new(status, &buf[..filled]).with_headers(headers))
    }
}

/// Why a [`UreqTransport`] request failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum UreqError {
    /// The URL was refused before sending ([`ErrorKind::InvalidUrl`]); fix the configured URL.
    InvalidUrl,
    /// `http://` to a non-loopback host ([`ErrorKind::InsecureUrl`]); use `https://`.
    InsecureUrl,
    /// A header was refused before sending ([`ErrorKind::InvalidRequest`]).
    InvalidRequest,
    /// The body is longer than the buffer ([`ErrorKind::ResponseTooLarge`]); retry with a
    /// larger one. The connection was dropped, not returned to the pool.
    ResponseTooLarge {
        /// The buffer's length.
        capacity: usize,
    },
    /// ureq failed; [`Error::kind`] sorts it (connect, timeout, TLS, protocol, I/O).
    Ureq(ureq::Error),
}

impl UreqError {
    fn before_send(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InsecureUrl => Self::InsecureUrl,
            ErrorKind::InvalidRequest => Self::InvalidRequest,
            _ => Self::InvalidUrl,
        }
    }
}

fn ureq_kind(error: &ureq::Error) -> ErrorKind {
    use ureq::Error as E;
    match error {
        E::BadUri(_) => ErrorKind::InvalidUrl,
        E::Http(_) => ErrorKind::InvalidRequest,
        E::Io(e) => io_kind(e),
        E::Timeout(_) => ErrorKind::Timeout,
        E::HostNotFound | E::ConnectionFailed | E::ConnectProxyFailed(_) => ErrorKind::Connect,
        E::Tls(_) | E::TlsRequired => ErrorKind::Tls,
        #[cfg(feature = "rustls")]
        E::Rustls(_) | E::Pem(_) => ErrorKind::Tls,
        E::Protocol(_) | E::LargeResponseHeader(..) => ErrorKind::Protocol,
        E::RequireHttpsOnly(_) => ErrorKind::InsecureUrl,
        _ => ErrorKind::Other,
    }
}

fn io_kind(error: &io::Error) -> ErrorKind {
    use io::ErrorKind as K;
    // rustls reports handshake and certificate failures as `InvalidData` I/O errors around a
    // `rustls::Error`.
    #[cfg(feature = "rustls")]
    if error.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
        return ErrorKind::Tls;
    }
    match error.kind() {
        K::ConnectionRefused
        | K::AddrNotAvailable
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::NetworkDown => ErrorKind::Connect,
        K::TimedOut | K::WouldBlock => ErrorKind::Timeout,
        K::UnexpectedEof | K::InvalidData => ErrorKind::Protocol,
        _ => ErrorKind::Io,
    }
}

impl Error for UreqError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidUrl => ErrorKind::InvalidUrl,
            Self::InsecureUrl => ErrorKind::InsecureUrl,
            Self::InvalidRequest => ErrorKind::InvalidRequest,
            Self::ResponseTooLarge { .. } => ErrorKind::ResponseTooLarge,
            Self::Ureq(e) => ureq_kind(e),
        }
    }
}

impl fmt::Display for UreqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ResponseTooLarge { capacity } => {
                write!(f, "response body larger than the {capacity}-byte buffer")
            }
            Self::Ureq(_) => write!(f, "http request failed: {}", self.kind()),
            _ => fmt::Display::fmt(&self.kind(), f),
        }
    }
}

impl core::error::Error for UreqError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Ureq(e) => Some(e),
            _ => None,
        }
    }
}

//! Where the client talks to, and how much clock skew it tolerates.

use core::fmt;
#[cfg(feature = "alloc")]
use cotter_transport::Scheme;
use cotter_transport::Url;

// The defaults are defined once, in the crate below that needs each, and re-exported here
// under the facade's names.
/// The leeway [`Config::new`] uses: a token counts as expired this many seconds before `exp`.
pub use cotter_jwt::DEFAULT_LEEWAY;
/// The API base [`Config::new`] uses (Cotter's historical one).
pub use cotter_proto::BASE_URL as DEFAULT_BASE_URL;
/// The hosted login page [`Config::new`] uses (Cotter's historical one).
pub use cotter_proto::HOSTED_PAGE_URL as DEFAULT_HOSTED_PAGE_URL;

/// The client's configuration, checked by [`Config::validate`] when a client is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config<'a> {
    /// The API key ID (`API_KEY_ID` header, `aud` of the tokens).
    pub api_key_id: &'a str,
    /// The API base, e.g. `https://www.cotter.app/api/v0` or an emulator's
    /// `http://127.0.0.1:PORT/api/v0`, or the server's root URL (`http://127.0.0.1:PORT`, no
    /// path), to which the client adds `/api/v0` ([`Config::api_base`]).
    pub base_url: &'a str,
    /// The hosted login page, e.g. `https://js.cotter.app/app`. Left at
    /// [`DEFAULT_HOSTED_PAGE_URL`] with a base URL other than Cotter's own, the page used is
    /// the base URL's `<scheme>://<host>[:port]/app` ([`Config::hosted_page`]).
    pub hosted_page_url: &'a str,
    /// Seconds before `exp` at which the access token is refreshed (and clock leeway when
    /// verifying).
    pub leeway: u64,
}

impl<'a> Config<'a> {
    /// The historical Cotter URLs with the default leeway.
    #[must_use]
    pub const fn new(api_key_id: &'a str) -> Self {
        Self {
            api_key_id,
            base_url: DEFAULT_BASE_URL,
            hosted_page_url: DEFAULT_HOSTED_PAGE_URL,
            leeway: DEFAULT_LEEWAY,
        }
    }

    /// Sets the API base URL.
    #[must_use]
    pub const fn base_url(mut self, url: &'a str) -> Self {
        self.base_url = url;
        self
    }

    /// Sets the hosted login page URL.
    #[must_use]
    pub const fn hosted_page_url(mut self, url: &'a str) -> Self {
        self.hosted_page_url = url;
        self
    }

    /// Sets the leeway in seconds.
    #[must_use]
    pub const fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// The API base requests go to: [`Config::base_url`], or, with `alloc`, when that is a
    /// server's root URL (nothing after `host[:port]` but an optional `/`), the root with
    /// `/api/v0` added, written into `buf`. Without `alloc` (firmware, whose base URL is fixed
    /// at build time) the base URL is used as given: the check costs no flash there.
    ///
    /// # Errors
    /// [`ConfigError::InvalidBaseUrl`] when the root and `/api/v0` do not fit `buf`.
    pub fn api_base<'b, const N: usize>(
        &'b self,
        buf: &'b mut heapless::String<N>,
    ) -> Result<&'b str, ConfigError> {
        #[cfg(feature = "alloc")]
        if let Ok(url) = Url::parse(self.base_url)
            && url.path().len() <= 1
            && url.query().is_none()
        {
            if !push_all(buf, &[scheme_prefix(&url), url.authority(), "/api/v0"]) {
                return Err(ConfigError::InvalidBaseUrl);
            }
            return Ok(buf.as_str());
        }
        let _ = buf;
        Ok(self.base_url)
    }

    /// The hosted login page: [`Config::hosted_page_url`], except that, with `alloc`, the
    /// default page goes with Cotter's own base URL only; with any other base URL the page is
    /// `<scheme>://<host>[:port]/app` of that base (the emulator's, a self-hosted server's),
    /// written into `buf`. Without `alloc` the configured page is used as given.
    ///
    /// # Errors
    /// [`ConfigError::InvalidHostedPageUrl`] when that page does not fit `buf`.
    pub fn hosted_page<'b, const N: usize>(
        &'b self,
        buf: &'b mut heapless::String<N>,
    ) -> Result<&'b str, ConfigError> {
        #[cfg(feature = "alloc")]
        if self.hosted_page_url == DEFAULT_HOSTED_PAGE_URL
            && let Ok(url) = Url::parse(self.base_url)
            && Url::parse(DEFAULT_BASE_URL).map(|c| c.authority()) != Ok(url.authority())
        {
            if !push_all(buf, &[scheme_prefix(&url), url.authority(), "/app"]) {
                return Err(ConfigError::InvalidHostedPageUrl);
            }
            return Ok(buf.as_str());
        }
        let _ = buf;
        Ok(self.hosted_page_url)
    }

    /// Checks the configuration: a non-empty key of safe characters, and both URLs `https://`
    /// unless their host is a loopback address.
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.api_key_id.is_empty() {
            return Err(ConfigError::EmptyApiKey);
        }
        if !self.api_key_id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::InvalidApiKey);
        }
        check_url(self.base_url, ConfigError::InvalidBaseUrl, ConfigError::InsecureBaseUrl)?;
        check_url(
            self.hosted_page_url,
            ConfigError::InvalidHostedPageUrl,
            ConfigError::InsecureHostedPageUrl,
        )
    }
}

/// `https://` or `http://` for `url`.
#[cfg(feature = "alloc")]
const fn scheme_prefix(url: &Url<'_>) -> &'static str {
    match url.scheme() {
        Scheme::Https => "https://",
        Scheme::Http => "http://",
    }
}

/// `buf` := the concatenation of `parts`; `false` when it does not fit.
#[cfg(feature = "alloc")]
fn push_all<const N: usize>(buf: &mut heapless::String<N>, parts: &[&str]) -> bool {
    buf.clear();
    parts.iter().all(|part| buf.push_str(part).is_ok())
}

fn check_url(url: &str, invalid: ConfigError, insecure: ConfigError) -> Result<(), ConfigError> {
    let parsed = Url::parse(url).map_err(|_| invalid)?;
    parsed.ensure_secure().map_err(|_| insecure)
}

/// Why a [`Config`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The API key ID is empty.
    EmptyApiKey,
    /// The API key ID has spaces or control characters.
    InvalidApiKey,
    /// The base URL does not parse.
    InvalidBaseUrl,
    /// The base URL is plain HTTP to a host that is not a loopback address.
    InsecureBaseUrl,
    /// The hosted page URL does not parse.
    InvalidHostedPageUrl,
    /// The hosted page URL is plain HTTP to a host that is not a loopback address.
    InsecureHostedPageUrl,
}

impl ConfigError {
    /// The [`Display`](fmt::Display) text, available without `core::fmt`.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::EmptyApiKey => "the api key id is empty",
            Self::InvalidApiKey => "the api key id has spaces or control characters",
            Self::InvalidBaseUrl => "the base url is not a valid http(s) url",
            Self::InsecureBaseUrl => "the base url must be https unless it is a loopback address",
            Self::InvalidHostedPageUrl => "the hosted page url is not a valid http(s) url",
            Self::InsecureHostedPageUrl => {
                "the hosted page url must be https unless it is a loopback address"
            }
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl core::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert_eq!(Config::new("k").validate(), Ok(()));
        assert_eq!(Config::new("").validate(), Err(ConfigError::EmptyApiKey));
        assert_eq!(Config::new("a b").validate(), Err(ConfigError::InvalidApiKey));
        let local = Config::new("k").base_url("http://127.0.0.1:9/api/v0");
        assert_eq!(local.validate(), Ok(()));
        let remote = Config::new("k").base_url("http://example.com/api/v0");
        assert_eq!(remote.validate(), Err(ConfigError::InsecureBaseUrl));
        let page = Config::new("k").hosted_page_url("http://example.com/app");
        assert_eq!(page.validate(), Err(ConfigError::InsecureHostedPageUrl));
        assert_eq!(Config::new("k").base_url("nope").validate(), Err(ConfigError::InvalidBaseUrl));
    }

    #[test]
    fn root_urls_and_the_default_page() {
        let mut api = heapless::String::<128>::new();
        let mut page = heapless::String::<128>::new();
        let cotter = Config::new("k");
        assert_eq!(cotter.api_base(&mut api), Ok(DEFAULT_BASE_URL));
        assert_eq!(cotter.hosted_page(&mut page), Ok(DEFAULT_HOSTED_PAGE_URL));
        for root in ["http://127.0.0.1:8080", "http://127.0.0.1:8080/"] {
            let emulator = Config::new("k").base_url(root);
            assert_eq!(emulator.validate(), Ok(()));
            assert_eq!(emulator.api_base(&mut api), Ok("http://127.0.0.1:8080/api/v0"));
            assert_eq!(emulator.hosted_page(&mut page), Ok("http://127.0.0.1:8080/app"));
        }
        let api_base = Config::new("k").base_url("https://auth.example.com/api/v0");
        assert_eq!(api_base.api_base(&mut api), Ok("https://auth.example.com/api/v0"));
        assert_eq!(api_base.hosted_page(&mut page), Ok("https://auth.example.com/app"));
        let own_page = api_base.hosted_page_url("https://login.example.com/signin");
        assert_eq!(own_page.hosted_page(&mut page), Ok("https://login.example.com/signin"));
        let mut tiny = heapless::String::<8>::new();
        let root = Config::new("k").base_url("http://127.0.0.1:8080");
        assert_eq!(root.api_base(&mut tiny), Err(ConfigError::InvalidBaseUrl));
        assert_eq!(root.hosted_page(&mut tiny), Err(ConfigError::InvalidHostedPageUrl));
        // Not a URL: passed on as given, for `validate` and the request builder to refuse.
        assert_eq!(Config::new("k").base_url("ftp://x").api_base(&mut api), Ok("ftp://x"));
    }
}

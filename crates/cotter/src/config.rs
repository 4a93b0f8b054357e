//! Where the client talks to, and how much clock skew it tolerates.

use core::fmt;
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
    /// `http://127.0.0.1:PORT/api/v0`.
    pub base_url: &'a str,
    /// The hosted login page, e.g. `https://js.cotter.app/app`.
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
}

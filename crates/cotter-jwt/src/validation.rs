//! What a verified token's claims must satisfy.

use crate::claims::Claims;
use crate::error::Error;

/// Cotter's issuer, `https://www.cotter.app`.
pub const COTTER_ISSUER: &str = "https://www.cotter.app";

/// The default clock leeway for `exp` and `nbf`: 60 seconds.
pub const DEFAULT_LEEWAY: u64 = 60;

/// The default limit on a token's length: 8 KiB.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;

/// Rules for the claims of a token, checked after its signature.
///
/// Defaults are the secure ones: `exp` is required, leeway is [`DEFAULT_LEEWAY`], tokens over
/// [`DEFAULT_MAX_TOKEN_LEN`] are refused. There is no clock in `no_std`: the caller supplies
/// `now` in Unix seconds. A configured audience or issuer makes that claim required;
/// [`Validation::cotter`] configures both as Cotter issues them. Without them only the
/// signature and times are checked, which accepts tokens minted for other applications by
/// the same issuer key: always set the audience for a backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validation<'v> {
    now: u64,
    leeway: u64,
    audience: Option<&'v str>,
    issuer: Option<&'v str>,
    require_exp: bool,
    max_token_len: usize,
}

impl<'v> Validation<'v> {
    /// Checks times against `now` (Unix seconds) with the default leeway; no audience or issuer.
    #[must_use]
    pub const fn new(now: u64) -> Self {
        Self {
            now,
            leeway: DEFAULT_LEEWAY,
            audience: None,
            issuer: None,
            require_exp: true,
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
        }
    }

    /// Cotter's rules: `aud` must be `api_key_id`, `iss` must be [`COTTER_ISSUER`].
    #[must_use]
    pub const fn cotter(api_key_id: &'v str, now: u64) -> Self {
        Self::new(now).audience(api_key_id).issuer(COTTER_ISSUER)
    }

    /// Requires `aud` to be, or contain, `audience`.
    #[must_use]
    pub const fn audience(mut self, audience: &'v str) -> Self {
        self.audience = Some(audience);
        self
    }

    /// Requires `iss` to equal `issuer` exactly.
    #[must_use]
    pub const fn issuer(mut self, issuer: &'v str) -> Self {
        self.issuer = Some(issuer);
        self
    }

    /// Sets the leeway in seconds applied to `exp` and `nbf`.
    #[must_use]
    pub const fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Sets `now` (Unix seconds).
    #[must_use]
    pub const fn at(mut self, now: u64) -> Self {
        self.now = now;
        self
    }

    /// Whether a token without `exp` is refused (the default) or accepted.
    #[must_use]
    pub const fn require_exp(mut self, required: bool) -> Self {
        self.require_exp = required;
        self
    }

    /// Sets the longest token accepted, in bytes.
    #[must_use]
    pub const fn max_token_len(mut self, bytes: usize) -> Self {
        self.max_token_len = bytes;
        self
    }

    /// The configured `now`.
    #[must_use]
    pub const fn now(&self) -> u64 {
        self.now
    }

    /// The longest token accepted, in bytes.
    #[must_use]
    pub const fn token_len_limit(&self) -> usize {
        self.max_token_len
    }

    /// Checks `claims` against these rules: `exp`, `nbf`, `iss`, then `aud`.
    ///
    /// # Errors
    /// [`Error::Expired`], [`Error::NotYetValid`], [`Error::MissingClaim`],
    /// [`Error::IssuerMismatch`] or [`Error::AudienceMismatch`].
    pub fn check(&self, claims: &Claims<'_>) -> Result<(), Error> {
        let now = i128::from(self.now);
        let leeway = i128::from(self.leeway);
        match claims.exp() {
            Some(exp) if now >= i128::from(exp) + leeway => return Err(Error::Expired),
            None if self.require_exp => return Err(Error::MissingClaim("exp")),
            _ => {}
        }
        if let Some(nbf) = claims.nbf()
            && now + leeway < i128::from(nbf)
        {
            return Err(Error::NotYetValid);
        }
        if let Some(issuer) = self.issuer {
            let iss = claims.iss().ok_or(Error::MissingClaim("iss"))?;
            if !iss.eq_str(issuer) {
                return Err(Error::IssuerMismatch);
            }
        }
        if let Some(audience) = self.audience {
            let aud = claims.aud().ok_or(Error::MissingClaim("aud"))?;
            if !aud.contains(audience) {
                return Err(Error::AudienceMismatch);
            }
        }
        Ok(())
    }
}

//! Names of Cotter's authentication methods, as they appear in `auth_method`,
//! `authentication_method` and `enrolled`.

use core::fmt;

/// An authentication method Cotter names in tokens and user records.
///
/// Wire structs keep the text (`&str`) so unknown future values still decode; use
/// [`AuthMethod::parse`] to classify it. A sign-in through the hosted page chooses one of two
/// of them, [`LoginMethod`](crate::LoginMethod), which converts into this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMethod {
    /// `OTP`: one-time code by email or SMS/WhatsApp.
    Otp,
    /// `MAGIC_LINK`: link by email.
    MagicLink,
    /// `TRUSTED_DEVICE`: signed by an enrolled device key.
    TrustedDevice,
    /// `WEBAUTHN`.
    Webauthn,
    /// `SOCIAL_LOGIN`.
    SocialLogin,
    /// `PIN`.
    Pin,
    /// `BIOMETRIC`.
    Biometric,
}

impl AuthMethod {
    /// Every known method.
    pub const ALL: [Self; 7] = [
        Self::Otp,
        Self::MagicLink,
        Self::TrustedDevice,
        Self::Webauthn,
        Self::SocialLogin,
        Self::Pin,
        Self::Biometric,
    ];

    /// The wire text (`"OTP"`, `"MAGIC_LINK"`, …).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Otp => "OTP",
            Self::MagicLink => "MAGIC_LINK",
            Self::TrustedDevice => "TRUSTED_DEVICE",
            Self::Webauthn => "WEBAUTHN",
            Self::SocialLogin => "SOCIAL_LOGIN",
            Self::Pin => "PIN",
            Self::Biometric => "BIOMETRIC",
        }
    }

    /// Classifies wire text (exact, case-sensitive match); `None` for unknown values.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

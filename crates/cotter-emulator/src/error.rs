//! The crate's error type: why an emulator could not start.

use core::fmt;
use std::string::String;

/// Why [`Emulator::start`](crate::Emulator::start) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Binding the configured address and port failed (port in use, no permission, an address
    /// this machine does not have).
    Bind(std::io::Error),
    /// A server thread could not be spawned.
    Spawn(std::io::Error),
    /// The operating system gave no random bytes to seed the generator (only without a seed in the
    /// [`Config`](crate::Config)).
    Entropy(std::io::Error),
    /// The configuration is unusable; the text says which field.
    InvalidConfig(&'static str),
    /// HTTPS could not be set up: the PEM certificate chain or key does not parse or does not suit
    /// rustls, or the certificates could not be made. The text says which.
    Tls(String),
    /// The `--state` file ([`Config::state_file`](crate::Config::state_file)) could not be read,
    /// parsed or written. The text says which and why.
    State(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bind(_) => f.write_str("could not bind the listening address"),
            Self::Spawn(_) => f.write_str("could not spawn a server thread"),
            Self::Entropy(_) => f.write_str("could not seed the random generator from the system"),
            Self::InvalidConfig(what) => write!(f, "invalid configuration: {what}"),
            Self::Tls(what) => write!(f, "could not set up TLS: {what}"),
            Self::State(what) => write!(f, "state file: {what}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Bind(e) | Self::Spawn(e) | Self::Entropy(e) => Some(e),
            Self::InvalidConfig(_) | Self::Tls(_) | Self::State(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Error;
    use core::error::Error as _;

    #[test]
    fn display_and_source() {
        let bind = Error::Bind(std::io::Error::from(std::io::ErrorKind::AddrInUse));
        assert_eq!(bind.to_string(), "could not bind the listening address");
        assert!(bind.source().is_some());
        let config = Error::InvalidConfig("token_ttl must be positive");
        assert_eq!(config.to_string(), "invalid configuration: token_ttl must be positive");
        assert!(config.source().is_none());
        let entropy = Error::Entropy(std::io::Error::from(std::io::ErrorKind::Unsupported));
        assert_eq!(entropy.to_string(), "could not seed the random generator from the system");
        assert!(entropy.source().is_some());
    }
}

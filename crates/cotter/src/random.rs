//! Randomness for PKCE verifiers, `state` and device keys.
//!
//! `no_std` has no random source: the caller passes one (a hardware RNG, or a CSPRNG seeded
//! from one). Under `std`, [`OsRandom`] reads the operating system's generator.

/// A cryptographically secure source of random bytes.
pub trait Entropy {
    /// Fills `buf` with random bytes.
    ///
    /// # Errors
    /// [`RandomError`] when no randomness could be had; the caller's flow is abandoned.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError>;
}

impl<E: Entropy + ?Sized> Entropy for &mut E {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        E::fill(self, buf)
    }
}

/// The random source failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RandomError;

impl RandomError {
    /// The [`Display`](core::fmt::Display) text, available without `core::fmt`.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        "the random source failed"
    }
}

impl core::fmt::Display for RandomError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

impl core::error::Error for RandomError {}

/// The operating system's random generator (`getrandom`).
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

#[cfg(feature = "std")]
impl Entropy for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(buf).map_err(|_| RandomError)
    }
}

//! The emulator's random source: ChaCha20 seeded from `--seed` (reproducible) or from the operating system
//! (`getrandom`).

use chacha20::ChaCha20Rng;
use chacha20::rand_core::{Rng as _, SeedableRng as _};
use core::fmt;
use std::string::String;

const ALNUM: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A ChaCha20 CSPRNG with the few draws the emulator needs.
pub(crate) struct Csprng {
    inner: ChaCha20Rng,
}

impl fmt::Debug for Csprng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Csprng(..)")
    }
}

impl Csprng {
    /// A generator whose whole output is fixed by `seed`.
    pub(crate) fn from_seed(seed: u64) -> Self {
        Self { inner: ChaCha20Rng::seed_from_u64(seed) }
    }

    /// A generator fixed by `seed` but independent of [`Csprng::from_seed`]'s for the same seed: its key
    /// is SHA-256 of `label` and the seed.
    pub(crate) fn from_seed_labelled(label: &[u8], seed: u64) -> Self {
        use sha2::{Digest as _, Sha256};
        let key = Sha256::new().chain_update(label).chain_update(seed.to_le_bytes()).finalize();
        Self { inner: ChaCha20Rng::from_seed(key.into()) }
    }

    /// A generator seeded from the operating system's random source.
    ///
    /// # Errors
    ///
    /// When the operating system gives no random bytes.
    pub(crate) fn from_os() -> Result<Self, getrandom::Error> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)?;
        Ok(Self { inner: ChaCha20Rng::from_seed(seed) })
    }

    /// Fills `dst` with random bytes.
    pub(crate) fn fill(&mut self, dst: &mut [u8]) {
        self.inner.fill_bytes(dst);
    }

    /// `N` random bytes.
    pub(crate) fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        self.fill(&mut out);
        out
    }

    /// A uniform integer in `0..bound` (`bound > 0`), by rejection sampling.
    pub(crate) fn below(&mut self, bound: u32) -> u32 {
        let bound = bound.max(1);
        let zone = u32::MAX - (u32::MAX % bound);
        loop {
            let value = self.inner.next_u32();
            if value < zone {
                return value % bound;
            }
        }
    }

    /// `len` characters from `[A-Za-z0-9]`, uniformly.
    pub(crate) fn alnum(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(ALNUM[self.below(62) as usize])).collect()
    }

    /// `len` decimal digits, uniformly (leading zeros allowed).
    pub(crate) fn digits(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }

    /// A random (version 4) UUID in lowercase hyphenated form.
    pub(crate) fn uuid_v4(&mut self) -> String {
        let mut b: [u8; 16] = self.bytes();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_output_is_reproducible() {
        let mut a = Csprng::from_seed(7);
        let mut b = Csprng::from_seed(7);
        assert_eq!(a.alnum(50), b.alnum(50));
        assert_ne!(Csprng::from_seed(8).alnum(50), Csprng::from_seed(7).alnum(50));
    }

    #[test]
    fn shapes() {
        let mut rng = Csprng::from_os().expect("the OS random source");
        let s = rng.alnum(50);
        assert_eq!(s.len(), 50);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
        let d = rng.digits(6);
        assert!(d.len() == 6 && d.bytes().all(|b| b.is_ascii_digit()));
        let u = rng.uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        for _ in 0..1000 {
            assert!(rng.below(3) < 3);
        }
    }
}

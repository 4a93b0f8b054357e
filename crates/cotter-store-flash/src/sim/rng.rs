//! [`SplitMix64`]: a tiny deterministic generator for simulated faults and test data.

/// SplitMix64 (Steele, Lea and Flood, 2014): 64 bits of state, good enough statistics for
/// tests, identical output on every platform for a given seed. Not for secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub const fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`, or 0 when `n` is 0 (slightly biased for huge `n`; fine for tests).
    ///
    /// For `n` up to `u32::MAX` (every use in a simulation) it is a multiply-shift of the high
    /// 32 bits, with no 64-bit division: on a 32-bit microcontroller `u64 % n` is a call into
    /// a ~1 KB software divider.
    pub const fn below(&mut self, n: u64) -> u64 {
        let x = self.next_u64();
        if n == 0 {
            0
        } else if n <= u32::MAX as u64 {
            ((x >> 32) * n) >> 32
        } else {
            x % n
        }
    }
}

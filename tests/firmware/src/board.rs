//! Time and randomness for the client on a board without a real-time clock or a random
//! number generator (the LM3S6965 has neither).
//!
//! - [`millis`]: a monotonic millisecond counter for `AnchoredClock`. On a real board it is fed
//!   by the SysTick interrupt; here the firmware moves it forward itself, so that the hour
//!   that passes between two checks takes no real time (the emulator's clock is moved by the
//!   same amount through `POST /dev/clock`).
//! - [`TestEntropy`]: **deterministic, for tests on QEMU only**. It makes every run send the
//!   same PKCE-free device signatures and keys, which is what a reproducible test wants and
//!   exactly what a real device must never do: a real board draws from its TRNG (e.g. the
//!   RNG peripheral of an STM32, or the `getrandom`-backed `OsRandom` on std).

use core::cell::Cell;
use cortex_m::interrupt::{self, Mutex};
use cotter::{Entropy, RandomError};

/// Milliseconds since boot, advanced by hand (a static, so that the clock's tick source can be
/// a plain `fn() -> u64` and the client a nameable type).
static TICKS: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

/// The tick source of the firmware's `AnchoredClock`: milliseconds since boot.
pub(crate) fn millis() -> u64 {
    interrupt::free(|cs| TICKS.borrow(cs).get())
}

/// Lets `seconds` pass.
pub(crate) fn advance(seconds: u64) {
    interrupt::free(|cs| {
        let ticks = TICKS.borrow(cs);
        ticks.set(ticks.get().saturating_add(seconds.saturating_mul(1000)));
    });
}

/// The server's time (Unix seconds) at a tick count: what the board knows of the time of day
/// once it has asked (a board with a real-time clock would keep it across resets).
#[cfg(feature = "tls")]
static WALL: Mutex<Cell<Option<(u64, u64)>>> = Mutex::new(Cell::new(None));

/// Sets the time of day: `unix` seconds now.
#[cfg(feature = "tls")]
pub(crate) fn set_unix_time(unix: u64) {
    let now = millis();
    interrupt::free(|cs| WALL.borrow(cs).set(Some((unix, now))));
}

/// The time of day in Unix seconds, once set.
#[cfg(feature = "tls")]
pub(crate) fn unix_time() -> Option<u64> {
    let (unix, at) = interrupt::free(|cs| WALL.borrow(cs).get())?;
    // 32-bit division (no `__aeabi_uldivmod`): a board up for 49 days would resynchronise first.
    let elapsed = u32::try_from(millis().saturating_sub(at)).unwrap_or(u32::MAX);
    Some(unix.saturating_add(u64::from(elapsed / 1000)))
}

/// SplitMix64 from a fixed seed: NOT random. See the module documentation.
#[derive(Debug)]
pub(crate) struct TestEntropy {
    state: u64,
}

impl TestEntropy {
    /// The generator at `seed`.
    pub(crate) const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Entropy for TestEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        for chunk in buf.chunks_mut(8) {
            let word = self.next().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

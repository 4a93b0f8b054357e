//! Time for token expiry: the [`Clock`] trait and its implementations.
//!
//! `no_std` has no clock. A device without a real-time clock uses [`AnchoredClock`]: it learns
//! Unix time from the `iat` of the first verified token that arrives from the server and
//! advances it with a monotonic tick source. Until then it reports `None`, and the client
//! treats stored tokens as expired (it refreshes, which anchors the clock) rather than trusting
//! them.

use core::cell::Cell;
#[cfg(target_has_atomic = "64")]
use core::sync::atomic::{AtomicU64, Ordering};

/// A source of Unix time in seconds.
pub trait Clock {
    /// Seconds since the Unix epoch, or `None` while the time is not known.
    fn now(&self) -> Option<u64>;

    /// Told the server's time: the `iat` of a verified token that has just arrived from the
    /// server (a sign-in or refresh answer), never of a stored token verified again, whose
    /// `iat` is the past. Clocks that cannot keep time themselves anchor to it; others ignore
    /// it.
    fn observe_server_time(&self, _unix: u64) {}
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Option<u64> {
        C::now(self)
    }

    fn observe_server_time(&self, unix: u64) {
        C::observe_server_time(self, unix);
    }
}

/// The operating system's clock.
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

#[cfg(feature = "std")]
impl Clock for SystemClock {
    fn now(&self) -> Option<u64> {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs())
    }
}

/// A clock set by hand, for tests and simulations (thread-safe where the target has 64-bit
/// atomics).
#[derive(Debug, Default)]
pub struct ManualClock {
    #[cfg(target_has_atomic = "64")]
    now: AtomicU64,
    #[cfg(not(target_has_atomic = "64"))]
    now: Cell<u64>,
}

#[cfg(target_has_atomic = "64")]
impl ManualClock {
    /// A clock showing `unix` seconds.
    #[must_use]
    pub const fn new(unix: u64) -> Self {
        Self { now: AtomicU64::new(unix) }
    }

    /// Sets the time.
    pub fn set(&self, unix: u64) {
        self.now.store(unix, Ordering::Relaxed);
    }

    /// Moves the time forward.
    pub fn advance(&self, seconds: u64) {
        self.now.fetch_add(seconds, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.now.load(Ordering::Relaxed)
    }
}

#[cfg(not(target_has_atomic = "64"))]
impl ManualClock {
    /// A clock showing `unix` seconds.
    #[must_use]
    pub const fn new(unix: u64) -> Self {
        Self { now: Cell::new(unix) }
    }

    /// Sets the time.
    pub fn set(&self, unix: u64) {
        self.now.set(unix);
    }

    /// Moves the time forward.
    pub fn advance(&self, seconds: u64) {
        self.now.set(self.now.get().saturating_add(seconds));
    }

    fn get(&self) -> u64 {
        self.now.get()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Option<u64> {
        Some(self.get())
    }
}

/// A monotonic tick source in milliseconds (e.g. a SysTick counter or an RTOS tick), which
/// never goes backwards but says nothing about the calendar.
pub trait Monotonic {
    /// Milliseconds since an arbitrary fixed start (boot).
    fn millis(&self) -> u64;
}

impl<F: Fn() -> u64> Monotonic for F {
    fn millis(&self) -> u64 {
        self()
    }
}

/// Unix time for a device without a real-time clock: anchored to the server's time when
/// verified tokens arrive, advanced by a [`Monotonic`] tick source in between.
///
/// The anchor is the `iat` of a token whose signature has been verified and that has just
/// arrived from the server, so only the token issuer can set it. Before the first anchor, and
/// after a reboot, [`Clock::now`] is `None`.
///
/// Once anchored, the clock never runs backwards: a later server time moves it forward (it
/// corrects a tick source that runs slow), and a server time behind it, by a second or by a
/// day, is ignored. A token's `iat` is when it was issued, so it trails the true time by the
/// request's round trip; and an answer that is older than it looks (a replayed response, a
/// stored token) must not pull the device back to the past, where expired tokens would pass
/// and fresh ones would never be renewed. The price: a tick source that runs fast is not
/// corrected until the device reboots (tokens then look older than they are, so they are
/// renewed a little early).
#[derive(Debug)]
pub struct AnchoredClock<M> {
    ticks: M,
    /// Unix milliseconds at tick zero once anchored; 0 before (no real time is that close to
    /// the epoch).
    offset: Cell<u64>,
}

impl<M: Monotonic> AnchoredClock<M> {
    /// A clock not yet anchored.
    pub const fn new(ticks: M) -> Self {
        Self { ticks, offset: Cell::new(0) }
    }

    /// Whether the clock has been anchored.
    pub fn is_anchored(&self) -> bool {
        self.offset.get() != 0
    }
}

impl<M: Monotonic> Clock for AnchoredClock<M> {
    fn now(&self) -> Option<u64> {
        let offset = self.offset.get();
        (offset != 0).then(|| div_small(offset.saturating_add(self.ticks.millis()), 1000))
    }

    fn observe_server_time(&self, unix: u64) {
        let offset = unix.saturating_mul(1000).saturating_sub(self.ticks.millis());
        // Forward only: a larger offset is a later time (and any is later than unanchored).
        if offset > self.offset.get() {
            self.offset.set(offset);
        }
    }
}

/// `n / d` for a divisor below 2^16 with 32-bit divisions only: on a 32-bit microcontroller
/// `u64 / u64` is a call into a ~1 KB software divider, `u32 / u32` one instruction.
const fn div_small(n: u64, d: u16) -> u64 {
    let d = d as u32;
    if d == 0 {
        return u64::MAX;
    }
    // Long division in base 2^16 after the high word: every partial dividend is below
    // d * 2^16 < 2^32.
    let hi = (n >> 32) as u32;
    let lo = n as u32;
    let (q_hi, r) = (hi / d, hi % d);
    let mid = (r << 16) | (lo >> 16);
    let (q_mid, r) = (mid / d, mid % d);
    let low = (r << 16) | (lo & 0xffff);
    ((q_hi as u64) << 32) | ((q_mid as u64) << 16) | (low / d) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn div_small_matches_division() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for n in [0, 1, 999, 1000, 1001, u64::from(u32::MAX), u64::MAX, u64::MAX - 1]
            .into_iter()
            .chain((0..10_000).map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            }))
        {
            for d in [1u16, 7, 10, 1000, u16::MAX] {
                assert_eq!(div_small(n, d), n / u64::from(d), "{n} / {d}");
            }
        }
    }

    #[test]
    fn manual_clock_moves() {
        let c = ManualClock::new(100);
        c.advance(5);
        assert_eq!(c.now(), Some(105));
        c.set(7);
        assert_eq!(c.now(), Some(7));
    }

    #[test]
    fn anchored_clock_follows_ticks_after_anchor() {
        let ticks = Cell::new(5_000u64);
        let clock = AnchoredClock::new(|| ticks.get());
        assert_eq!(clock.now(), None);
        clock.observe_server_time(1_700_000_000);
        assert_eq!(clock.now(), Some(1_700_000_000));
        ticks.set(5_000 + 3_600_500);
        assert_eq!(clock.now(), Some(1_700_003_600));
        // A server time ahead of the clock moves it forward (the ticks ran slow).
        clock.observe_server_time(1_700_003_700);
        assert_eq!(clock.now(), Some(1_700_003_700));
    }

    #[test]
    fn anchored_clock_never_runs_backwards() {
        let ticks = Cell::new(0u64);
        let clock = AnchoredClock::new(|| ticks.get());
        clock.observe_server_time(1_700_000_000);
        ticks.set(3_600_000);
        // The sign-in token's `iat`, an hour old, and a server time a few seconds behind.
        for past in [1_700_000_000, 1_700_003_590, 1_700_003_599] {
            clock.observe_server_time(past);
            assert_eq!(clock.now(), Some(1_700_003_600), "observed {past}");
        }
        // The same second again changes nothing either.
        clock.observe_server_time(1_700_003_600);
        assert_eq!(clock.now(), Some(1_700_003_600));
    }
}

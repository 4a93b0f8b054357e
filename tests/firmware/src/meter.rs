//! Instructions executed by a region of code, counted in QEMU (builds `bench` and `tls`).
//!
//! QEMU emulates no cycle counter (the Cortex-M3 has no `DWT.CYCCNT` in QEMU) and this QEMU
//! has no TCG plugins. `cargo xtask qemu` runs the firmware with `-icount shift=3`: the
//! virtual clock then advances exactly 2³ = 8 ns per executed instruction, whatever the host
//! does. SysTick counts down on the core clock, which QEMU's LM3S6965 runs at 200 MHz after
//! reset (5 ns a tick) on that virtual clock: 1.6 ticks per instruction, so a tick count
//! converts to instructions to within one instruction. QEMU ends a translation block at an
//! I/O access when counting, so the SysTick read sees the count up to that instruction.
//!
//! SysTick is 24 bits wide (10.5 M instructions a turn here): its exception counts turns
//! ([`SysTick`]), and a reading is `turns · 2²⁴ + (2²⁴ − 1 − current)`. The exception
//! handler's own instructions (about ten a turn, one turn every 10.5 M instructions) are
//! counted with the region. A timed region must not mask interrupts for a whole turn (a
//! critical section around a long computation, such as `cortex_m::singleton!` evaluating its
//! value): the exception is pending once however many turns pass, and the turns lost would
//! show as 10 485 760 instructions fewer.
//!
//! [`calibrate`] checks the method on the chip: it times an empty region (the cost of two
//! readings, subtracted from every figure by `cargo xtask qemu`) and a loop of a known number
//! of instructions, and prints the ticks of both, which `cargo xtask qemu` compares with the
//! expected 1.6 ticks per instruction.
//!
//! Time the firmware spends waiting for the host (polling UART0 for the next byte) is
//! instructions too; [`waiting`] keeps it apart so that a region's figure is its own work.

use crate::console;
use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m_rt::exception;

/// SysTick registers (ARMv7-M ARM B3.3): control and status, reload value, current value.
const CSR: usize = 0xE000_E010;
const RVR: usize = 0xE000_E014;
const CVR: usize = 0xE000_E018;
/// CSR: counter on, exception on wrap, core clock.
const ENABLE_TICKINT_CORE: u32 = 0b111;
/// The counter's width: it counts `RELOAD, …, 0`, then wraps.
const RELOAD: u32 = (1 << 24) - 1;

/// Turns of the 24-bit counter since [`start`].
static TURNS: AtomicU32 = AtomicU32::new(0);
/// Ticks spent waiting for input on UART0 since [`start`].
static WAITED: AtomicU32 = AtomicU32::new(0);

fn read(addr: usize) -> u32 {
    #[allow(unsafe_code, reason = "memory-mapped I/O")]
    // SAFETY: `addr` is one of SysTick's 4-aligned registers (constants above), present on
    // every ARMv7-M core; volatile 32-bit reads have no side effect (CSR's COUNTFLAG is not
    // used), and no Rust object lives there.
    unsafe {
        core::ptr::read_volatile(addr as *const u32)
    }
}

fn write(addr: usize, value: u32) {
    #[allow(unsafe_code, reason = "memory-mapped I/O")]
    // SAFETY: as in `read`; only this module writes SysTick's registers.
    unsafe {
        core::ptr::write_volatile(addr as *mut u32, value);
    }
}

/// Starts SysTick on the core clock, free-running over its full 24 bits.
pub(crate) fn start() {
    write(CSR, 0);
    write(RVR, RELOAD);
    write(CVR, 0);
    TURNS.store(0, Ordering::Relaxed);
    WAITED.store(0, Ordering::Relaxed);
    write(CSR, ENABLE_TICKINT_CORE);
}

/// A full turn of the counter.
#[exception]
fn SysTick() {
    TURNS.fetch_add(1, Ordering::Relaxed);
}

/// Ticks since [`start`] (wrapping after 2³² ticks, 2.7 G instructions).
#[inline(never)]
pub(crate) fn now() -> u32 {
    loop {
        let turns = TURNS.load(Ordering::Relaxed);
        let current = read(CVR);
        // A turn that ended between the two loads has been counted by now: read again.
        if TURNS.load(Ordering::Relaxed) == turns {
            return turns.wrapping_mul(RELOAD + 1).wrapping_add(RELOAD - current);
        }
    }
}

/// Ticks spent in [`wait_for`] since [`start`].
pub(crate) fn waiting() -> u32 {
    WAITED.load(Ordering::Relaxed)
}

/// Spins until `ready()`, counting the ticks as waiting (input from the host).
#[cfg(feature = "tls")]
pub(crate) fn wait_for(ready: impl Fn() -> bool) {
    if ready() {
        return;
    }
    let from = now();
    while !ready() {
        core::hint::spin_loop();
    }
    WAITED.fetch_add(now().wrapping_sub(from), Ordering::Relaxed);
}

/// A region being timed.
pub(crate) struct Region {
    from: u32,
    waited: u32,
}

impl Region {
    /// Starts timing.
    #[inline(never)]
    pub(crate) fn begin() -> Self {
        let waited = waiting();
        Self { from: now(), waited }
    }

    /// Ticks since [`Region::begin`], without the time spent waiting for the host.
    #[inline(never)]
    pub(crate) fn ticks(&self) -> u32 {
        let to = now();
        let waited = waiting().wrapping_sub(self.waited);
        to.wrapping_sub(self.from).wrapping_sub(waited)
    }

    /// Prints `meter-<name>-ticks=N`.
    pub(crate) fn report(&self, name: &str) {
        let ticks = self.ticks();
        report(name, ticks);
    }
}

/// Prints `meter-<name>-ticks=N`.
pub(crate) fn report(name: &str, ticks: u32) {
    console::line(&["meter-", name, "-ticks=", console::Decimal::new(ticks).as_str()]);
}

/// Iterations of the calibration loop: two instructions each, 20 M in all.
const LOOP: u32 = 10_000_000;

/// Times an empty region and a loop of `2 · LOOP` instructions, and prints both with the
/// loop's instruction count (`meter-empty-ticks`, `meter-loop-ticks`, `meter-loop-instr`).
pub(crate) fn calibrate() {
    let empty = Region::begin();
    let ticks = empty.ticks();
    report("empty", ticks);
    let region = Region::begin();
    spin(LOOP);
    let ticks = region.ticks();
    report("loop", ticks);
    console::value("meter-loop-instr", 2 * LOOP);
}

/// Exactly `2 · n` instructions for `n ≥ 1`: `subs` and `bne`, `n` times.
#[inline(always)]
fn spin(n: u32) {
    #[allow(unsafe_code, reason = "a loop of a known instruction count")]
    // SAFETY: the loop only counts a register down to zero; it touches no memory and no flags
    // the compiler relies on (`subs` sets them, declared by the absence of `preserves_flags`).
    unsafe {
        core::arch::asm!(
            "2:",
            "subs {n}, #1",
            "bne 2b",
            n = inout(reg) n => _,
            options(nomem, nostack),
        );
    }
}

//! Stack high-water mark: cortex-m-rt's `paint-stack` feature fills the whole stack region
//! (from the end of the statics, `__sheap`, to the top of RAM) with `0xCCCC_CCCC` at reset, before
//! `main`. The lowest word that no longer holds the pattern is as deep as the stack ever went.
//!
//! Each check runs in a [`phase`]: the region below the current stack pointer is painted again
//! first, so the peak of every phase is reported on its own as well as the overall one.

use crate::console;
use crate::report::Failure;
use cortex_m_rt::STACK_PAINT_VALUE;

/// One past the last byte of the LM3S6965's RAM, where the stack starts (`memory.x`).
const RAM_END: usize = 0x2000_0000 + 64 * 1024;

/// Bytes kept unpainted just below the stack pointer when painting again: the painting
/// function's own callees never go deeper than this.
const MARGIN: usize = 64;

/// How deep the stack went.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peak {
    /// Bytes from the top of RAM down to the deepest word ever written.
    pub(crate) bytes: usize,
    /// Bytes of the whole stack region (RAM not taken by statics).
    pub(crate) size: usize,
}

/// The lowest address of the stack region (the end of `.bss`/`.uninit`).
fn bottom() -> usize {
    cortex_m_rt::heap_start() as usize
}

/// The overall peak since reset (painting again never covers used words above the current
/// stack pointer, and the deepest point of every phase is measured before the next repaint;
/// [`phase`] keeps the maximum).
pub(crate) fn peak() -> Peak {
    let deepest = lowest_used().min(DEEPEST.get());
    Peak { bytes: RAM_END - deepest, size: RAM_END - bottom() }
}

/// The lowest address that does not hold the paint pattern (scanning up from the bottom).
fn lowest_used() -> usize {
    let mut addr = bottom();
    while addr < RAM_END {
        #[allow(unsafe_code, reason = "reads the stack region below the stack pointer")]
        // SAFETY: `addr` is 4-aligned (`__sheap` is aligned by link.x and we step by 4) and lies
        // in RAM between the end of the statics and the top of RAM, which only the stack uses.
        // The scan stops at the first word that is not the pattern, at the latest at the current
        // stack pointer, so it reads no live Rust object; a volatile read of a `u32` there has
        // no side effects.
        let word = unsafe { core::ptr::read_volatile(addr as *const u32) };
        if word != STACK_PAINT_VALUE {
            return addr;
        }
        addr += 4;
    }
    RAM_END
}

/// Paints the free stack below the current stack pointer again.
#[inline(never)]
fn repaint() {
    let sp = cortex_m::register::msp::read() as usize;
    let end = sp.saturating_sub(MARGIN) & !3;
    let mut addr = bottom();
    while addr < end {
        #[allow(unsafe_code, reason = "writes the unused stack region below the stack pointer")]
        // SAFETY: `[bottom, sp - MARGIN)` is RAM reserved for the stack and below the current
        // stack pointer, so no live object is there (no interrupt handler runs in this firmware);
        // this function's own frame lies above `sp`, and the loop calls nothing. `addr` is
        // 4-aligned.
        unsafe {
            core::ptr::write_volatile(addr as *mut u32, STACK_PAINT_VALUE)
        };
        addr += 4;
    }
}

/// The deepest address seen by earlier phases (RAM_END: none yet).
static DEEPEST: Deepest = Deepest(core::sync::atomic::AtomicUsize::new(RAM_END));

struct Deepest(core::sync::atomic::AtomicUsize);

impl Deepest {
    fn get(&self) -> usize {
        self.0.load(core::sync::atomic::Ordering::Relaxed)
    }

    fn record(&self, addr: usize) {
        self.0.fetch_min(addr, core::sync::atomic::Ordering::Relaxed);
    }
}

/// Runs `check` as the phase `name`, then prints `stack-phase-<name>-bytes=N`: how deep the
/// stack went from the top of RAM during it.
///
/// # Errors
/// The check's failure.
pub(crate) fn phase(name: &str, check: fn() -> Result<(), Failure>) -> Result<(), Failure> {
    DEEPEST.record(lowest_used());
    repaint();
    let result = check();
    let deepest = lowest_used();
    DEEPEST.record(deepest);
    console::line(&[
        "stack-phase-",
        name,
        "-bytes=",
        console::Decimal::new((RAM_END - deepest) as u32).as_str(),
    ]);
    result
}

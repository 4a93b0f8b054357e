//! Instruction counts from the firmware's SysTick readings (`tests/firmware/src/meter.rs`).
//!
//! QEMU runs every firmware with `-icount shift=`[`ICOUNT_SHIFT`]: its virtual clock advances
//! 2^7 = 128 ns per executed instruction, and the LM3S6965's SysTick, on the 12.5 MHz core
//! clock QEMU gives it after reset (80 ns a tick), counts on that clock: 1.6 ticks per
//! instruction. Each run calibrates: the firmware times an empty region (the readings' own
//! cost) and a loop of a known number of instructions; the run is refused unless the loop
//! gives 1.6 ticks per instruction to within [`TOLERANCE`]. A region's instructions are then
//! `(ticks − empty) / 1.6`, exact to about one instruction plus the SysTick handler's ten or
//! so per 10.5 M instructions (one turn of the 24-bit counter), and without the time the
//! firmware spent waiting for bytes from the host (which the firmware subtracts).

use super::Run;

/// `-icount shift=N`: 2^N ns of virtual time per instruction.
pub(super) const ICOUNT_SHIFT: u32 = 7;

/// Expected SysTick ticks per instruction: 2^7 ns per instruction over 80 ns per tick.
const TICKS_PER_INSTR: f64 = 128.0 / 80.0;

/// Largest relative error the calibration loop may show.
const TOLERANCE: f64 = 1e-5;

/// The calibration of one run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Calibration {
    /// Ticks of an empty region.
    empty: u64,
    /// Ticks per instruction, as measured on the loop.
    ticks_per_instr: f64,
    /// Instructions of the calibration loop and the difference the meter found (its error).
    pub(crate) loop_instr: u64,
    pub(crate) loop_error: i64,
}

impl Calibration {
    /// The run's calibration lines, checked against the expected rate.
    pub(crate) fn of(run: &Run) -> Result<Self, String> {
        let get = |key: &str| {
            run.value(key).ok_or_else(|| format!("the firmware printed no {key}= (meter)"))
        };
        let empty = get("meter-empty-ticks")?;
        let loop_ticks = get("meter-loop-ticks")?;
        let loop_instr = get("meter-loop-instr")?;
        let ticks_per_instr = loop_ticks.saturating_sub(empty) as f64 / loop_instr as f64;
        let off = (ticks_per_instr / TICKS_PER_INSTR - 1.0).abs();
        if off > TOLERANCE {
            return Err(format!(
                "meter calibration: {ticks_per_instr} SysTick ticks per instruction on a loop of \
                 {loop_instr} instructions, expected {TICKS_PER_INSTR} (is QEMU running with \
                 -icount shift={ICOUNT_SHIFT}?)"
            ));
        }
        let measured = (loop_ticks.saturating_sub(empty) as f64 / TICKS_PER_INSTR).round() as i64;
        Ok(Self { empty, ticks_per_instr, loop_instr, loop_error: measured - loop_instr as i64 })
    }

    /// Instructions of a region that took `ticks`.
    pub(crate) fn instructions(&self, ticks: u64) -> u64 {
        (ticks.saturating_sub(self.empty) as f64 / TICKS_PER_INSTR).round() as u64
    }

    /// Ticks per instruction found on the loop.
    pub(crate) const fn ticks_per_instr(&self) -> f64 {
        self.ticks_per_instr
    }
}

/// Every `meter-<name>-ticks=N` line of a run, converted to instructions, in order (a name
/// printed twice, as the handshake of each boot, appears twice).
pub(crate) fn regions(run: &Run) -> Result<Vec<(String, u64)>, String> {
    let calibration = Calibration::of(run)?;
    let mut out = Vec::new();
    for line in &run.lines {
        let Some(rest) = line.strip_prefix("meter-") else { continue };
        let Some((name, value)) = rest.split_once("-ticks=") else { continue };
        if name == "empty" || name == "loop" {
            continue;
        }
        let ticks: u64 =
            value.trim().parse().map_err(|_| format!("meter: not a number in {line:?}"))?;
        out.push((name.to_owned(), calibration.instructions(ticks)));
    }
    Ok(out)
}

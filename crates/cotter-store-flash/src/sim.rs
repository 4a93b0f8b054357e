//! [`SimFlash`]: a RAM-backed NOR flash for tests, with power cuts on demand.
//!
//! It behaves like the strictest real part the `NorFlash` contract allows: programming only
//! clears bits (the result is the AND of old and new), writes and erases must be aligned, and by
//! default each `WRITE_SIZE` word may be programmed only once between erases (as ECC flash
//! requires). It counts operations and bytes, and per-sector erases for wear figures.
//!
//! A *step* is one `write` call or the erase of one sector. [`SimFlash::cut_after`] lets a
//! number of steps complete and cuts power during the next one, in one of three ways
//! ([`CutModel`]); from then on every call fails with [`SimError::PowerOff`] until
//! [`SimFlash::reboot`]. Randomness comes from a [`SplitMix64`] seeded by the test.

mod rng;
#[cfg(test)]
mod tests;

pub use rng::SplitMix64;

use core::fmt;
use embedded_storage::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};

/// How an operation interrupted by a power cut leaves the flash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CutModel {
    /// The interrupted operation changes nothing.
    Clean,
    /// A write keeps a random number of whole words plus one half-programmed word (a random
    /// subset of its bits cleared); an erase resets the sector from its start up to a random
    /// point.
    Partial,
    /// A write clears a random subset of the bits it would have cleared, anywhere in its range;
    /// an erase resets a random subset of the sector's bytes (random density).
    Scatter,
}

impl CutModel {
    /// All three models.
    pub const ALL: [Self; 3] = [Self::Clean, Self::Partial, Self::Scatter];
}

/// Operation and byte counters of a [`SimFlash`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// `write` calls that were carried out (an interrupted one included).
    pub program_ops: u64,
    /// Bytes passed to those calls.
    pub bytes_programmed: u64,
    /// Sector erases carried out (an interrupted one included).
    pub erase_ops: u64,
    /// `read` calls.
    pub read_ops: u64,
    /// Bytes read.
    pub bytes_read: u64,
}

/// Why a [`SimFlash`] call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimError {
    /// Power is cut; call [`SimFlash::reboot`].
    PowerOff,
    /// An offset or length is not a multiple of the read, write or erase size.
    NotAligned,
    /// The range is outside the flash, or `from > to`.
    OutOfBounds,
    /// Program-once mode: the word at `offset` was already programmed since its last erase.
    WordAlreadyProgrammed {
        /// Offset of the word.
        offset: u32,
    },
}

impl NorFlashError for SimError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            Self::NotAligned => NorFlashErrorKind::NotAligned,
            Self::OutOfBounds => NorFlashErrorKind::OutOfBounds,
            _ => NorFlashErrorKind::Other,
        }
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PowerOff => f.write_str("simulated flash has no power"),
            Self::NotAligned => f.write_str("unaligned flash access"),
            Self::OutOfBounds => f.write_str("flash access out of bounds"),
            Self::WordAlreadyProgrammed { offset } => {
                write!(f, "flash word at {offset:#x} programmed twice without an erase")
            }
        }
    }
}

impl core::error::Error for SimError {}

/// A simulated NOR flash of `SECTORS` sectors of `ERASE_SIZE` bytes, programmed in
/// `WRITE_SIZE`-byte words; `READ_SIZE` is 1. The memory lives inline, so large instances
/// belong in a `Box` or a `static`.
///
/// ```
/// use cotter_store_flash::sim::{CutModel, SimError, SimFlash};
/// use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};
///
/// let mut flash = SimFlash::<4, 1024, 2>::new().with_seed(7);
/// flash.write(0, &[0x0F, 0xFF, 0xFF, 0xFF])?;
/// flash.cut_after(0, CutModel::Partial);
/// assert_eq!(flash.erase(0, 1024), Err(SimError::PowerOff));
/// assert_eq!(flash.read(0, &mut [0u8; 4]), Err(SimError::PowerOff));
/// flash.reboot();
/// let mut word = [0u8; 4];
/// flash.read(0, &mut word)?;
/// assert!(word[0] == 0x0F || word[0] == 0xFF); // erased or not, nothing else
/// # Ok::<(), SimError>(())
/// ```
#[derive(Clone)]
pub struct SimFlash<const WRITE_SIZE: usize, const ERASE_SIZE: usize, const SECTORS: usize> {
    memory: [[u8; ERASE_SIZE]; SECTORS],
    erase_counts: [u32; SECTORS],
    stats: SimStats,
    steps: u64,
    program_once: bool,
    /// Steps still to complete before the cut, and how to cut.
    cut: Option<(u64, CutModel)>,
    powered: bool,
    rng: SplitMix64,
}

impl<const W: usize, const E: usize, const S: usize> SimFlash<W, E, S> {
    /// An erased flash, program-once mode on, random seed 0.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            memory: [[0xFF; E]; S],
            erase_counts: [0; S],
            stats: SimStats {
                program_ops: 0,
                bytes_programmed: 0,
                erase_ops: 0,
                read_ops: 0,
                bytes_read: 0,
            },
            steps: 0,
            program_once: true,
            cut: None,
            powered: true,
            rng: SplitMix64::new(0),
        }
    }

    /// The same flash with the random generator reseeded.
    #[must_use]
    pub const fn with_seed(mut self, seed: u64) -> Self {
        self.rng = SplitMix64::new(seed);
        self
    }

    /// Reseeds the random generator that shapes interrupted operations.
    pub const fn set_seed(&mut self, seed: u64) {
        self.rng = SplitMix64::new(seed);
    }

    /// Whether a word may be programmed only once between erases (default `true`). When off,
    /// programming an already programmed word ANDs the new value in.
    pub const fn set_program_once(&mut self, on: bool) {
        self.program_once = on;
    }

    /// Lets `steps` more program or erase steps complete, then cuts power during the next one
    /// as `model` says. Replaces any cut already scheduled.
    pub const fn cut_after(&mut self, steps: u64, model: CutModel) {
        self.cut = Some((steps, model));
    }

    /// Cancels a scheduled cut.
    pub const fn cancel_cut(&mut self) {
        self.cut = None;
    }

    /// Whether power is on (no cut has happened since the last [`reboot`](Self::reboot)).
    #[must_use]
    pub const fn is_powered(&self) -> bool {
        self.powered
    }

    /// Restores power and cancels any scheduled cut; the memory keeps whatever the cut left.
    pub const fn reboot(&mut self) {
        self.powered = true;
        self.cut = None;
    }

    /// Program and erase steps begun so far.
    #[must_use]
    pub const fn steps(&self) -> u64 {
        self.steps
    }

    /// The counters.
    #[must_use]
    pub const fn stats(&self) -> SimStats {
        self.stats
    }

    /// Zeroes the counters and the per-sector erase counts.
    pub const fn reset_stats(&mut self) {
        self.stats = SimStats {
            program_ops: 0,
            bytes_programmed: 0,
            erase_ops: 0,
            read_ops: 0,
            bytes_read: 0,
        };
        self.erase_counts = [0; S];
    }

    /// Completed erases of each sector.
    #[must_use]
    pub const fn erase_counts(&self) -> &[u32; S] {
        &self.erase_counts
    }

    /// The content of sector `index`.
    ///
    /// # Panics
    ///
    /// When `index >= SECTORS`.
    #[must_use]
    pub const fn sector(&self, index: usize) -> &[u8; E] {
        &self.memory[index]
    }

    /// The content of sector `index`, to inject faults (no NOR rule applies here).
    ///
    /// # Panics
    ///
    /// When `index >= SECTORS`.
    pub const fn sector_mut(&mut self, index: usize) -> &mut [u8; E] {
        &mut self.memory[index]
    }

    fn byte_mut(&mut self, offset: usize) -> &mut u8 {
        &mut self.memory[offset / E][offset % E]
    }

    /// Counts a step; `Some(model)` if power fails during it.
    fn step(&mut self) -> Option<CutModel> {
        self.steps += 1;
        match &mut self.cut {
            Some((0, model)) => {
                let model = *model;
                self.cut = None;
                self.powered = false;
                Some(model)
            }
            Some((n, _)) => {
                *n -= 1;
                None
            }
            None => None,
        }
    }

    fn check(&self, offset: u32, len: usize, align: usize) -> Result<usize, SimError> {
        if !self.powered {
            return Err(SimError::PowerOff);
        }
        let offset = offset as usize;
        if len > E * S || offset > E * S - len {
            return Err(SimError::OutOfBounds);
        }
        if !offset.is_multiple_of(align) || !len.is_multiple_of(align) {
            return Err(SimError::NotAligned);
        }
        Ok(offset)
    }

    /// Clears, at `offset + i`, the bits of `!bytes[i]` selected by `mask(i)`.
    fn program(
        &mut self,
        offset: usize,
        bytes: &[u8],
        mut mask: impl FnMut(&mut SplitMix64) -> u8,
    ) {
        for (i, &b) in bytes.iter().enumerate() {
            let m = mask(&mut self.rng);
            *self.byte_mut(offset + i) &= !(!b & m);
        }
    }
}

impl<const W: usize, const E: usize, const S: usize> Default for SimFlash<W, E, S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize, const E: usize, const S: usize> fmt::Debug for SimFlash<W, E, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimFlash")
            .field("write_size", &W)
            .field("erase_size", &E)
            .field("sectors", &S)
            .field("powered", &self.powered)
            .field("steps", &self.steps)
            .field("cut", &self.cut)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<const W: usize, const E: usize, const S: usize> ErrorType for SimFlash<W, E, S> {
    type Error = SimError;
}

impl<const W: usize, const E: usize, const S: usize> ReadNorFlash for SimFlash<W, E, S> {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let offset = self.check(offset, bytes.len(), 1)?;
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = self.memory[(offset + i) / E][(offset + i) % E];
        }
        self.stats.read_ops += 1;
        self.stats.bytes_read += bytes.len() as u64;
        Ok(())
    }

    fn capacity(&self) -> usize {
        E * S
    }
}

impl<const W: usize, const E: usize, const S: usize> NorFlash for SimFlash<W, E, S> {
    const WRITE_SIZE: usize = W;
    const ERASE_SIZE: usize = E;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        if from > to {
            return Err(if self.powered { SimError::OutOfBounds } else { SimError::PowerOff });
        }
        let start = self.check(from, (to - from) as usize, E)?;
        for sector in start / E..to as usize / E {
            self.stats.erase_ops += 1;
            let Some(model) = self.step() else {
                self.memory[sector].fill(0xFF);
                self.erase_counts[sector] += 1;
                continue;
            };
            match model {
                CutModel::Clean => {}
                CutModel::Partial => {
                    let end = self.rng.below(E as u64) as usize;
                    self.memory[sector][..end].fill(0xFF);
                }
                CutModel::Scatter => {
                    let density = self.rng.below(256);
                    for i in 0..E {
                        if self.rng.below(256) < density {
                            self.memory[sector][i] = 0xFF;
                        }
                    }
                }
            }
            return Err(SimError::PowerOff);
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        let offset = self.check(offset, bytes.len(), W)?;
        if bytes.is_empty() {
            return Ok(());
        }
        if self.program_once {
            for word in (offset..offset + bytes.len()).step_by(W) {
                if (word..word + W).any(|i| self.memory[i / E][i % E] != 0xFF) {
                    // `word < E * S`, which `capacity` reports as a `usize` the caller's `u32`
                    // offsets fit in.
                    return Err(SimError::WordAlreadyProgrammed { offset: word as u32 });
                }
            }
        }
        self.stats.program_ops += 1;
        self.stats.bytes_programmed += bytes.len() as u64;
        let Some(model) = self.step() else {
            self.program(offset, bytes, |_| 0xFF);
            return Ok(());
        };
        match model {
            CutModel::Clean => {}
            CutModel::Partial => {
                let words = bytes.len() / W;
                let whole = self.rng.below(words as u64) as usize * W;
                self.program(offset, &bytes[..whole], |_| 0xFF);
                let half = &bytes[whole..whole + W];
                self.program(offset + whole, half, |rng| rng.next_u64() as u8);
            }
            CutModel::Scatter => self.program(offset, bytes, |rng| rng.next_u64() as u8),
        }
        Err(SimError::PowerOff)
    }
}

//! [`RamFlash`]: the NOR flash the client's session lives in — 4 KiB sectors and 4-byte words,
//! like a small SPI NOR part — emulated in RAM. It keeps NOR's rules (programming only clears
//! bits; aligned writes and erases).
//!
//! Bytes are stored inverted, so that the erased state (all ones) is all zeros in RAM: the
//! flash can then live in `.bss` and costs nothing in the flash image. [`FlashHandle`] is the
//! driver value the store owns; every operation borrows the one static flash inside a
//! critical section, as a driver of a memory-mapped peripheral would.

use core::cell::RefCell;
use cortex_m::interrupt::{self, Mutex};
use embedded_storage::nor_flash::{
    ErrorType, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
};

/// Sector size.
pub(crate) const SECTOR: usize = 4096;
/// Two sectors: the least `FlashStore` takes (a session record is about 1.8 KiB).
pub(crate) const FLASH_BYTES: usize = 2 * SECTOR;

/// The flash itself, in `.bss`.
static FLASH: Mutex<RefCell<RamFlash<FLASH_BYTES>>> = Mutex::new(RefCell::new(RamFlash::new()));

/// The driver handle of the static flash (a zero-sized value, like a HAL's peripheral token).
#[derive(Debug)]
pub(crate) struct FlashHandle;

impl FlashHandle {
    /// Runs `f` on the flash. (`try_borrow_mut`: a second borrow, impossible inside the
    /// critical section, is an error rather than a panic with its formatting code.)
    fn with(
        f: impl FnOnce(&mut RamFlash<FLASH_BYTES>) -> Result<(), RamFlashError>,
    ) -> Result<(), RamFlashError> {
        interrupt::free(|cs| {
            let mut flash = FLASH.borrow(cs).try_borrow_mut().map_err(|_| RamFlashError::Busy)?;
            f(&mut flash)
        })
    }
}

impl ErrorType for FlashHandle {
    type Error = RamFlashError;
}

impl ReadNorFlash for FlashHandle {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        Self::with(|f| f.read(offset, bytes))
    }

    fn capacity(&self) -> usize {
        FLASH_BYTES
    }
}

impl NorFlash for FlashHandle {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = SECTOR;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        Self::with(|f| f.erase(from, to))
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        Self::with(|f| f.write(offset, bytes))
    }
}

/// `N` bytes of NOR flash in RAM (`N` a multiple of [`SECTOR`]).
#[derive(Debug)]
pub(crate) struct RamFlash<const N: usize> {
    /// The complement of each byte (0 = erased).
    inverted: [u8; N],
}

/// A misaligned or out-of-range access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RamFlashError {
    NotAligned,
    OutOfBounds,
    /// The flash was already borrowed (never inside one critical section).
    Busy,
}

impl NorFlashError for RamFlashError {
    fn kind(&self) -> NorFlashErrorKind {
        match self {
            Self::NotAligned => NorFlashErrorKind::NotAligned,
            Self::OutOfBounds => NorFlashErrorKind::OutOfBounds,
            Self::Busy => NorFlashErrorKind::Other,
        }
    }
}

impl<const N: usize> RamFlash<N> {
    /// An erased flash.
    pub(crate) const fn new() -> Self {
        Self { inverted: [0; N] }
    }

    fn range(
        offset: u32,
        len: usize,
        align: usize,
    ) -> Result<core::ops::Range<usize>, RamFlashError> {
        let start = offset as usize;
        let end = start.checked_add(len).filter(|&e| e <= N).ok_or(RamFlashError::OutOfBounds)?;
        if !start.is_multiple_of(align) || !len.is_multiple_of(align) {
            return Err(RamFlashError::NotAligned);
        }
        Ok(start..end)
    }
}

impl<const N: usize> ErrorType for RamFlash<N> {
    type Error = RamFlashError;
}

impl<const N: usize> ReadNorFlash for RamFlash<N> {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let range = Self::range(offset, bytes.len(), 1)?;
        for (out, stored) in bytes.iter_mut().zip(&self.inverted[range]) {
            *out = !stored;
        }
        Ok(())
    }

    fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize> NorFlash for RamFlash<N> {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = SECTOR;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let len = (to as usize).checked_sub(from as usize).ok_or(RamFlashError::OutOfBounds)?;
        let range = Self::range(from, len, SECTOR)?;
        self.inverted[range].fill(0);
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        let range = Self::range(offset, bytes.len(), 4)?;
        for (stored, new) in self.inverted[range].iter_mut().zip(bytes) {
            // NOR: the new content is old AND new; in complement, OR of the complements.
            *stored |= !new;
        }
        Ok(())
    }
}

//! [`Geometry`]: the checked shape of the flash range, and the sizes of records in it.

use crate::error::GeometryError;
use crate::record::{COMMIT_LEN, HEADER_LEN};
use core::ops::Range;
use embedded_storage::nor_flash::NorFlash;

/// The largest `WRITE_SIZE` and `READ_SIZE` the store supports: the size of its stack buffer.
pub const MAX_WRITE_SIZE: usize = 256;

/// The flash range a store owns, checked once at construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// Address of the first sector.
    pub(crate) start: u32,
    /// Number of erase sectors, at least 2.
    pub(crate) sectors: u32,
    /// `ERASE_SIZE`.
    pub(crate) sector_size: u32,
    /// `WRITE_SIZE`, a power of two.
    pub(crate) write_size: u32,
    /// `READ_SIZE`, a power of two.
    pub(crate) read_size: u32,
}

/// Whether `n` is a power of two no larger than [`MAX_WRITE_SIZE`] that divides `erase`.
fn usable_unit(n: usize, erase: usize) -> bool {
    n.is_power_of_two() && n <= MAX_WRITE_SIZE && erase.is_multiple_of(n)
}

impl Geometry {
    /// Checks `range` against the sizes of `F` and the capacity of `flash`.
    pub(crate) fn new<F: NorFlash>(flash: &F, range: &Range<u32>) -> Result<Self, GeometryError> {
        let erase = F::ERASE_SIZE;
        if !usable_unit(F::WRITE_SIZE, erase) {
            return Err(GeometryError::WriteSize(F::WRITE_SIZE));
        }
        if !usable_unit(F::READ_SIZE, erase) {
            return Err(GeometryError::ReadSize(F::READ_SIZE));
        }
        let sector_size = u32::try_from(erase)
            .ok()
            .filter(|&e| e <= 1 << 31)
            .ok_or(GeometryError::EraseSize(erase))?;
        // The write and read sizes are at most 256 here, so these cannot overflow.
        let write_size = F::WRITE_SIZE as u32;
        let read_size = F::READ_SIZE as u32;
        let geometry = Self { start: range.start, sectors: 0, sector_size, write_size, read_size };
        if geometry.record_size(0) > sector_size {
            return Err(GeometryError::EraseSize(erase));
        }
        if range.start >= range.end
            || !range.start.is_multiple_of(sector_size)
            || !range.end.is_multiple_of(sector_size)
        {
            return Err(GeometryError::Misaligned);
        }
        let sectors = (range.end - range.start) / sector_size;
        if sectors < 2 {
            return Err(GeometryError::TooFewSectors { sectors });
        }
        if usize::try_from(range.end).map_or(true, |end| end > flash.capacity()) {
            return Err(GeometryError::OutOfBounds { end: range.end, capacity: flash.capacity() });
        }
        Ok(Self { sectors, ..geometry })
    }

    /// Address of the start of `sector`.
    pub(crate) const fn sector_addr(&self, sector: u32) -> u32 {
        self.start + sector * self.sector_size
    }

    /// The sector after `sector`, wrapping around.
    pub(crate) const fn next_sector(&self, sector: u32) -> u32 {
        if sector + 1 >= self.sectors { 0 } else { sector + 1 }
    }

    /// `n` rounded up to a multiple of the write size.
    pub(crate) const fn round_up(&self, n: u32) -> u32 {
        n.div_ceil(self.write_size) * self.write_size
    }

    /// Bytes the header takes on flash.
    pub(crate) const fn header_size(&self) -> u32 {
        self.round_up(HEADER_LEN as u32)
    }

    /// Bytes the commit word takes on flash.
    pub(crate) const fn commit_size(&self) -> u32 {
        self.round_up(COMMIT_LEN as u32)
    }

    /// Bytes a record with a `len`-byte payload takes on flash. Callers pass at most
    /// `MAX_ENCODED_LEN` (about 48 KiB), so this does not overflow.
    pub(crate) const fn record_size(&self, len: u32) -> u32 {
        self.header_size() + self.round_up(len) + self.commit_size()
    }

    /// The longest payload one sector holds.
    pub(crate) const fn max_payload(&self) -> u32 {
        let room = self.sector_size - self.header_size() - self.commit_size();
        room / self.write_size * self.write_size
    }
}

//! Reading and programming through a small stack buffer, honouring `READ_SIZE` and
//! `WRITE_SIZE` alignment whatever the caller's offsets.

use crate::geometry::{Geometry, MAX_WRITE_SIZE};
use crate::raw::{Halt, Raw};
use cotter_store::crc::Crc32;

/// Bytes moved per driver call when staging.
pub(crate) const CHUNK: usize = MAX_WRITE_SIZE;

/// Reads `out.len()` bytes at `addr`, any alignment. `READ_SIZE` is a power of two of at most
/// [`CHUNK`] that divides the sector size, and reads never cross the end of a sector, so the
/// aligned reads stay inside the sector.
pub(crate) fn read(
    flash: &mut dyn Raw,
    geo: &Geometry,
    addr: u32,
    out: &mut [u8],
) -> Result<(), Halt> {
    let r = geo.read_size as usize;
    if r <= 1 || ((addr as usize).is_multiple_of(r) && out.len().is_multiple_of(r)) {
        return flash.read(addr, out);
    }
    let mut stage = [0u8; CHUNK];
    let mut done = 0;
    while done < out.len() {
        let at = addr as usize + done;
        let aligned = at - at % r;
        let skip = at - aligned;
        let want = out.len() - done;
        let span = (skip + want).div_ceil(r).saturating_mul(r).min(CHUNK);
        // `aligned <= at`, which came from a `u32` address plus an in-sector length.
        flash.read(aligned as u32, &mut stage[..span])?;
        let n = (span - skip).min(want);
        out[done..done + n].copy_from_slice(&stage[skip..skip + n]);
        done += n;
    }
    Ok(())
}

/// Calls `f` on consecutive chunks of `len` bytes at `addr` until it returns `false`; returns
/// whether it never did.
fn for_chunks(
    flash: &mut dyn Raw,
    geo: &Geometry,
    addr: u32,
    len: u32,
    f: &mut dyn FnMut(&[u8]) -> bool,
) -> Result<bool, Halt> {
    let mut stage = [0u8; CHUNK];
    let mut done = 0u32;
    while done < len {
        let n = (len - done).min(CHUNK as u32);
        read(flash, geo, addr + done, &mut stage[..n as usize])?;
        if !f(&stage[..n as usize]) {
            return Ok(false);
        }
        done += n;
    }
    Ok(true)
}

/// Whether the `len` bytes at `addr` are all erased (`0xFF`); stops at the first that is not.
pub(crate) fn is_blank(
    flash: &mut dyn Raw,
    geo: &Geometry,
    addr: u32,
    len: u32,
) -> Result<bool, Halt> {
    for_chunks(flash, geo, addr, len, &mut |c| c.iter().all(|&b| b == 0xFF))
}

/// Feeds the `len` bytes at `addr` into `crc`.
pub(crate) fn crc_of(
    flash: &mut dyn Raw,
    geo: &Geometry,
    addr: u32,
    len: u32,
    crc: &mut Crc32,
) -> Result<(), Halt> {
    for_chunks(flash, geo, addr, len, &mut |c| {
        crc.update(c);
        true
    })
    .map(|_| ())
}

/// Programs a stream of bytes from a `WRITE_SIZE`-aligned address, [`CHUNK`] bytes per driver
/// call, padding the end with `0xFF` to a whole write unit.
pub(crate) struct Programmer<'f> {
    flash: &'f mut dyn Raw,
    write_size: usize,
    addr: u32,
    stage: [u8; CHUNK],
    fill: usize,
}

impl<'f> Programmer<'f> {
    pub(crate) fn new(flash: &'f mut dyn Raw, geo: &Geometry, addr: u32) -> Self {
        let write_size = geo.write_size as usize;
        Self { flash, write_size, addr, stage: [0xFF; CHUNK], fill: 0 }
    }

    pub(crate) fn push(&mut self, mut bytes: &[u8]) -> Result<(), Halt> {
        while !bytes.is_empty() {
            let n = (CHUNK - self.fill).min(bytes.len());
            self.stage[self.fill..self.fill + n].copy_from_slice(&bytes[..n]);
            self.fill += n;
            bytes = &bytes[n..];
            if self.fill == CHUNK {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Pads with `0xFF` up to the next write-unit boundary.
    pub(crate) fn pad(&mut self) -> Result<(), Halt> {
        let w = self.write_size;
        let target = self.fill.div_ceil(w) * w;
        self.stage[self.fill..target].fill(0xFF);
        self.fill = target;
        if self.fill == CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// Pads and programs what is left; returns the address after the last byte programmed.
    pub(crate) fn finish(mut self) -> Result<u32, Halt> {
        self.pad()?;
        self.flush()?;
        Ok(self.addr)
    }

    fn flush(&mut self) -> Result<(), Halt> {
        if self.fill > 0 {
            self.flash.write(self.addr, &self.stage[..self.fill])?;
            // `fill <= CHUNK`, and the record lies inside one sector.
            self.addr += self.fill as u32;
            self.fill = 0;
        }
        Ok(())
    }
}

//! [`FlashStore`]: a [`TokenStore`] on a range of NOR flash that survives power cuts.

mod scan;
mod write;

use crate::error::Error;
use crate::geometry::Geometry;
use crate::io;
use crate::raw::{Driver, Halt, Raw};
use crate::record::{Header, Kind};
use core::ops::Range;
use cotter_store::{ErrorType, Session, TokenStore, decode};
use embedded_storage::nor_flash::NorFlash;

/// Where a record lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Located {
    sector: u32,
    offset: u32,
    header: Header,
}

/// What the store knows about the flash after scanning it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct State {
    /// The newest committed record, session or tombstone.
    live: Option<Located>,
    /// Where the next record goes: sector and offset in it.
    write_sector: u32,
    write_offset: u32,
    /// Whether everything from `write_offset` to the end of the sector is known to be erased
    /// (after this store erased it or checked it); otherwise it is checked before programming.
    blank_after_cursor: bool,
    /// Sequence number of the next record.
    next_seq: u32,
}

/// A [`TokenStore`] on a range of NOR flash of at least two erase sectors.
///
/// Records are appended one after another, sector after sector, round the range; the newest
/// complete record wins. A record is a header (with its own CRC), the
/// [`cotter_store`] encoding of the session, and a commit word programmed last, only after the
/// rest read back correctly. A sector is erased only when the session that counts lives in
/// another one. [`clear`](TokenStore::clear) writes a tombstone record to a freshly erased
/// sector and then erases every other sector that is not blank, so the tokens are gone from
/// the flash and an interrupted erase cannot bring an older session back.
///
/// If power is lost at any moment, the next `load` returns the session of the last `save` (or
/// `clear`) that returned `Ok`, or that of the interrupted operation if it had completed; never
/// an older one, never garbage. The crate's `power_cut` test checks this at every single
/// program and erase step of long operation sequences.
///
/// Costs: a save programs its record (payload plus 20 bytes plus padding to `WRITE_SIZE`) and
/// reads it back once; an erase happens when a sector is full. The first operation after
/// construction scans the headers of the whole range; the store then remembers where the live
/// record and the free space are. Every write unit is programmed at most once between erases,
/// as [`NorFlash::write`] requires.
///
/// `WRITE_SIZE` and `READ_SIZE` must be powers of two up to [`MAX_WRITE_SIZE`] (256) that
/// divide `ERASE_SIZE`. The stack holds two 256-byte buffers at most.
///
/// The store owns its flash range (one value per range, as the `NorFlash` driver it holds is
/// owned), so it has no lock: [`TokenStore::lock`] is the trait's no-op and costs nothing.
///
/// [`MAX_WRITE_SIZE`]: crate::MAX_WRITE_SIZE
#[derive(Clone, Debug)]
pub struct FlashStore<F> {
    flash: F,
    log: Log,
}

/// The store without its driver: the geometry and what a scan found. Its methods take the
/// driver as `&mut dyn Raw`, so they are compiled once whatever the driver type.
#[derive(Clone, Debug)]
struct Log {
    geo: Geometry,
    /// `None` until scanned, and again after a flash error.
    state: Option<State>,
}

impl<F: NorFlash> FlashStore<F> {
    /// A store on `range` (byte addresses of `flash`). Nothing is read or written until the
    /// first operation. Pass `&mut flash` to keep the driver after an error.
    ///
    /// # Errors
    ///
    /// [`Error::Geometry`] when the range is not made of at least two whole erase sectors
    /// inside the flash, or the driver's sizes are unsupported.
    pub fn new(flash: F, range: Range<u32>) -> Result<Self, Error<F::Error>> {
        let geo = Geometry::new(&flash, &range).map_err(Error::Geometry)?;
        Ok(Self { flash, log: Log { geo, state: None } })
    }

    /// Runs one operation of the store's logic on the driver; a flash error makes the store
    /// forget the scanned state, so that the next operation scans again.
    fn run<T>(
        &mut self,
        op: impl FnOnce(&mut Log, &mut dyn Raw) -> Result<T, Error<Halt>>,
    ) -> Result<T, Error<F::Error>> {
        let mut driver = Driver::new(&mut self.flash);
        let r = op(&mut self.log, &mut driver);
        if matches!(r, Err(Error::Flash(_))) {
            self.log.state = None;
        }
        driver.finish(r)
    }

    /// Scans the flash now rather than at the first operation.
    ///
    /// # Errors
    ///
    /// [`Error::Flash`] when the driver fails.
    pub fn mount(&mut self) -> Result<(), Error<F::Error>> {
        self.run(|log, flash| log.state(flash).map(|_| ()))
    }

    /// The length of the stored session's record: the buffer size [`load`](TokenStore::load)
    /// needs. `None` when no session is stored.
    ///
    /// # Errors
    ///
    /// [`Error::Flash`] when the driver fails.
    pub fn record_len(&mut self) -> Result<Option<usize>, Error<F::Error>> {
        self.run(|log, flash| {
            Ok(log
                .state(flash)?
                .live
                .filter(|l| l.header.kind == Kind::Session)
                .map(|l| l.header.len as usize))
        })
    }

    /// The longest session record (see [`cotter_store::encoded_len`]) that fits in a sector.
    #[must_use]
    pub fn max_record_len(&self) -> usize {
        self.log.geo.max_payload() as usize
    }

    /// The flash driver.
    #[must_use]
    pub const fn flash(&self) -> &F {
        &self.flash
    }

    /// The flash driver, mutably. After changing the content of the store's range through it,
    /// call [`rescan`](Self::rescan).
    pub fn flash_mut(&mut self) -> &mut F {
        &mut self.flash
    }

    /// Forgets what the store learnt about the flash; the next operation scans it again.
    pub fn rescan(&mut self) {
        self.log.state = None;
    }

    /// Gives the flash driver back.
    pub fn into_inner(self) -> F {
        self.flash
    }
}

impl Log {
    /// The scanned state, scanning first if needed.
    fn state(&mut self, flash: &mut dyn Raw) -> Result<State, Error<Halt>> {
        if let Some(state) = self.state {
            return Ok(state);
        }
        let state = self.scan(flash).map_err(Error::Flash)?;
        self.state = Some(state);
        Ok(state)
    }

    fn load<'b>(
        &mut self,
        flash: &mut dyn Raw,
        buf: &'b mut [u8],
    ) -> Result<Option<Session<'b>>, Error<Halt>> {
        let Some(live) = self.state(flash)?.live else { return Ok(None) };
        if live.header.kind == Kind::Tombstone {
            return Ok(None);
        }
        let len = live.header.len as usize;
        if buf.len() < len {
            return Err(Error::BufferTooSmall { needed: len });
        }
        let (dst, _) = buf.split_at_mut(len);
        let addr = self.geo.sector_addr(live.sector) + live.offset + self.geo.header_size();
        io::read(flash, &self.geo, addr, dst).map_err(Error::Flash)?;
        let dst: &'b [u8] = dst;
        decode(dst).map(Some).map_err(Error::Corrupt)
    }
}

impl<F: NorFlash> ErrorType for FlashStore<F> {
    type Error = Error<F::Error>;
}

impl<F: NorFlash> TokenStore for FlashStore<F> {
    fn load<'b>(&mut self, buf: &'b mut [u8]) -> Result<Option<Session<'b>>, Self::Error> {
        self.run(|log, flash| log.load(flash, buf))
    }

    fn save(&mut self, session: &Session<'_>) -> Result<(), Self::Error> {
        self.run(|log, flash| log.save(flash, session))
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.run(|log, flash| log.clear(flash))
    }
}

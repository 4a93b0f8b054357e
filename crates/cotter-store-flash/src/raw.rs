//! [`Raw`]: the flash driver as the store's logic sees it. The trait is object-safe and its
//! errors carry nothing, so the logic (scanning, appending, erasing: most of the crate's
//! code) is compiled once, behind `&mut dyn Raw`, whatever the `NorFlash` type: a firmware
//! with two flash parts, or one that uses a driver both by value and as `&mut F`, carries one
//! copy. [`Driver`] adapts a `NorFlash` and keeps the driver's error aside.

use crate::error::Error;
use embedded_storage::nor_flash::NorFlash;

/// The driver failed; its error is kept by the [`Driver`]. The store's logic stops at the
/// first one (it propagates with `?`), so the kept error is the one that ended the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Halt(());

/// Reading, programming and erasing, as in [`NorFlash`], with the error kept aside.
pub(crate) trait Raw {
    /// [`ReadNorFlash::read`](embedded_storage::nor_flash::ReadNorFlash::read).
    fn read(&mut self, addr: u32, out: &mut [u8]) -> Result<(), Halt>;
    /// [`NorFlash::write`].
    fn write(&mut self, addr: u32, bytes: &[u8]) -> Result<(), Halt>;
    /// [`NorFlash::erase`].
    fn erase(&mut self, from: u32, to: u32) -> Result<(), Halt>;
}

/// A borrowed `NorFlash` as a [`Raw`], for one store operation.
pub(crate) struct Driver<'f, F: NorFlash> {
    flash: &'f mut F,
    error: Option<F::Error>,
}

impl<'f, F: NorFlash> Driver<'f, F> {
    pub(crate) const fn new(flash: &'f mut F) -> Self {
        Self { flash, error: None }
    }

    /// Keeps the driver's error; the only way a [`Halt`] is made.
    fn keep(&mut self, error: F::Error) -> Halt {
        self.error = Some(error);
        Halt(())
    }

    /// The operation's result with the driver's own error in [`Error::Flash`].
    pub(crate) fn finish<T>(self, r: Result<T, Error<Halt>>) -> Result<T, Error<F::Error>> {
        r.map_err(|e| match e {
            // Every `Halt` comes from `keep`, so `error` is set; `Verify` (never reached)
            // keeps this total without a panic.
            Error::Flash(Halt(())) => self.error.map_or(Error::Verify, Error::Flash),
            Error::Geometry(g) => Error::Geometry(g),
            Error::TooLarge { needed, max } => Error::TooLarge { needed, max },
            Error::Encode(e) => Error::Encode(e),
            Error::BufferTooSmall { needed } => Error::BufferTooSmall { needed },
            Error::Corrupt(e) => Error::Corrupt(e),
            Error::Verify => Error::Verify,
        })
    }
}

impl<F: NorFlash> Raw for Driver<'_, F> {
    fn read(&mut self, addr: u32, out: &mut [u8]) -> Result<(), Halt> {
        self.flash.read(addr, out).map_err(|e| self.keep(e))
    }

    fn write(&mut self, addr: u32, bytes: &[u8]) -> Result<(), Halt> {
        self.flash.write(addr, bytes).map_err(|e| self.keep(e))
    }

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Halt> {
        self.flash.erase(from, to).map_err(|e| self.keep(e))
    }
}

//! Output sinks: the builders of this crate write text into a caller's byte buffer, a
//! `heapless::String`, or a `fmt::Formatter` (hence `to_string()`), through one small trait.

use crate::Error;

/// Something text can be appended to; every write may fail with [`Error::BufferTooSmall`].
pub(crate) trait Sink {
    /// Appends `s`.
    fn put(&mut self, s: &str) -> Result<(), Error>;

    /// Appends one character.
    fn put_char(&mut self, c: char) -> Result<(), Error> {
        self.put(c.encode_utf8(&mut [0; 4]))
    }
}

/// Writes into a caller's `&mut [u8]`.
pub(crate) struct SliceSink<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> SliceSink<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// The text written so far, borrowing the caller's buffer.
    pub(crate) fn finish(self) -> Result<&'b str, Error> {
        let Self { buf, len } = self;
        let written: &'b [u8] = buf.get(..len).ok_or(Error::BufferTooSmall)?;
        // Only whole `&str` values were appended, so this cannot fail; if it ever did, the
        // caller would see an error rather than a panic.
        core::str::from_utf8(written).map_err(|_| Error::BufferTooSmall)
    }
}

impl Sink for SliceSink<'_> {
    fn put(&mut self, s: &str) -> Result<(), Error> {
        let end = self.len.checked_add(s.len()).ok_or(Error::BufferTooSmall)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(Error::BufferTooSmall)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl<const N: usize> Sink for heapless::String<N> {
    fn put(&mut self, s: &str) -> Result<(), Error> {
        self.push_str(s).map_err(|_| Error::BufferTooSmall)
    }
}

#[cfg(test)]
impl Sink for std::string::String {
    fn put(&mut self, s: &str) -> Result<(), Error> {
        self.push_str(s);
        Ok(())
    }
}

/// Adapts a `fmt::Formatter` so a builder can implement `Display`.
pub(crate) struct FmtSink<'f, 'g>(pub(crate) &'f mut core::fmt::Formatter<'g>);

impl Sink for FmtSink<'_, '_> {
    fn put(&mut self, s: &str) -> Result<(), Error> {
        self.0.write_str(s).map_err(|_| Error::BufferTooSmall)
    }
}

/// Implements `write_to`, `to_heapless` and `Display` (hence `to_string()` with `alloc`) for
/// a type with a `fn write<S: Sink>(&self, out: &mut S) -> Result<(), Error>` method whose only
/// failure is the sink running out of room.
macro_rules! sink_outputs {
    ($ty:ty) => {
        impl $ty {
            /// Writes the text into `buf` and returns it, borrowing `buf`.
            ///
            /// # Errors
            ///
            /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) when it does not fit.
            pub fn write_to<'buf>(&self, buf: &'buf mut [u8]) -> Result<&'buf str, crate::Error> {
                let mut sink = crate::sink::SliceSink::new(buf);
                self.write(&mut sink)?;
                sink.finish()
            }

            /// Returns the text as a fixed-capacity `heapless::String<N>`.
            ///
            /// # Errors
            ///
            /// [`Error::BufferTooSmall`](crate::Error::BufferTooSmall) when it needs more than
            /// `N` bytes.
            pub fn to_heapless<const N: usize>(&self) -> Result<heapless::String<N>, crate::Error> {
                let mut out = heapless::String::new();
                self.write(&mut out)?;
                Ok(out)
            }
        }

        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.write(&mut crate::sink::FmtSink(f)).map_err(|_| core::fmt::Error)
            }
        }
    };
}

pub(crate) use sink_outputs;

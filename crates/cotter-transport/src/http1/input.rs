//! The connection's read side: the stream plus the transport's one fixed buffer, used as a
//! buffered reader for the response head, chunk lines and trailers (and as the write buffer for
//! the request head, while it holds no unread bytes).

use super::{Http1Error, ProtocolViolation};
use embedded_io::{Read, Write};

/// The stream and its buffer; `buf[start..end]` are bytes read but not yet consumed.
pub(crate) struct Input<S, const N: usize> {
    pub(crate) stream: S,
    buf: [u8; N],
    start: usize,
    end: usize,
}

impl<S: core::fmt::Debug, const N: usize> core::fmt::Debug for Input<S, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Input")
            .field("stream", &self.stream)
            .field("capacity", &N)
            .field("buffered", &(self.end - self.start))
            .finish()
    }
}

type Result<T, S> = core::result::Result<T, Http1Error<<S as embedded_io::ErrorType>::Error>>;

impl<S: Read + Write, const N: usize> Input<S, N> {
    pub(crate) const fn new(stream: S) -> Self {
        Self { stream, buf: [0; N], start: 0, end: 0 }
    }

    /// The unread bytes.
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Marks `n` buffered bytes as read (at most all of them).
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Drops any unread bytes.
    pub(crate) fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Reads more bytes from the stream after the buffered ones, moving those to the front
    /// first if needed. `Ok(false)` at end of stream; `full` if the buffer has no room left.
    pub(crate) fn fill(&mut self, full: ProtocolViolation) -> Result<bool, S> {
        if self.end == N {
            if self.start == 0 {
                return Err(full.into());
            }
            move_to_front(&mut self.buf[..self.end], self.start);
            self.end -= self.start;
            self.start = 0;
        }
        let n = self.stream.read(&mut self.buf[self.end..]).map_err(Http1Error::Stream)?;
        // A stream claiming more than it was given is treated as a broken stream, not trusted.
        self.end = self.end.saturating_add(n).min(N);
        Ok(n > 0)
    }

    /// Makes sure the buffer holds a whole line (up to and including `\n`) and returns its
    /// length; `full` if a line does not fit, `UnexpectedEof` if the stream ends first.
    pub(crate) fn line(&mut self, full: ProtocolViolation) -> Result<usize, S> {
        let mut scanned = 0;
        loop {
            if let Some(i) = self.buffered()[scanned..].iter().position(|&b| b == b'\n') {
                return Ok(scanned + i + 1);
            }
            scanned = self.end - self.start;
            if !self.fill(full)? {
                return Err(ProtocolViolation::UnexpectedEof.into());
            }
        }
    }

    /// Reads up to `dst.len()` body bytes: buffered ones first, then straight from the stream.
    /// `Ok(0)` only at end of stream (or for an empty `dst`).
    pub(crate) fn read_into(&mut self, dst: &mut [u8]) -> Result<usize, S> {
        if dst.is_empty() {
            return Ok(0);
        }
        let buffered = self.buffered();
        if !buffered.is_empty() {
            let n = buffered.len().min(dst.len());
            dst[..n].copy_from_slice(&buffered[..n]);
            self.consume(n);
            return Ok(n);
        }
        let n = self.stream.read(dst).map_err(Http1Error::Stream)?;
        Ok(n.min(dst.len()))
    }

    /// Reads and drops up to `max` body bytes through the internal buffer; `Ok(0)` at end of
    /// stream.
    pub(crate) fn skip(&mut self, max: u64) -> Result<usize, S> {
        if self.start == self.end && max > 0 && !self.fill(ProtocolViolation::LineTooLong)? {
            return Ok(0);
        }
        let n = usize::try_from(max)
            .map_or(self.end - self.start, |max| max.min(self.end - self.start));
        self.consume(n);
        Ok(n)
    }

    /// Writes the request head through the buffer (which must hold no unread bytes) so that it
    /// leaves in as few stream writes as possible.
    pub(crate) fn head_writer(&mut self) -> HeadWriter<'_, S> {
        self.clear();
        HeadWriter { stream: &mut self.stream, buf: &mut self.buf, len: 0 }
    }
}

/// Accumulates the request head in the transport's buffer, writing it out when full.
pub(crate) struct HeadWriter<'a, S> {
    stream: &'a mut S,
    buf: &'a mut [u8],
    len: usize,
}

impl<S: Write> HeadWriter<'_, S> {
    pub(crate) fn push(&mut self, mut bytes: &[u8]) -> core::result::Result<(), S::Error> {
        while !bytes.is_empty() {
            if self.len == self.buf.len() {
                self.flush_buf()?;
            }
            let n = bytes.len().min(self.buf.len() - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
            self.len += n;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    pub(crate) fn flush_buf(&mut self) -> core::result::Result<(), S::Error> {
        self.stream.write_all(&self.buf[..self.len])?;
        self.len = 0;
        Ok(())
    }
}

/// Moves `buf[from..]` (`from > 0`) to the front of `buf` in pieces that do not overlap (at
/// most `from` bytes each), so that only `memcpy` is needed: `copy_within` would link `memmove`
/// (about 1.5 KB of flash on a Cortex-M) for this one call. The pieces are small only when
/// little was consumed, which is rare and cheap next to reading from the stream.
fn move_to_front(buf: &mut [u8], from: usize) {
    let mut to = 0;
    while let Some((front, back)) = buf.split_at_mut_checked(to + from) {
        let n = from.min(back.len());
        if n == 0 {
            break;
        }
        if let (Some(dst), Some(src)) = (front.get_mut(to..to + n), back.get(..n)) {
            dst.copy_from_slice(src);
        }
        to += n;
    }
}

#[cfg(test)]
mod tests {
    use super::move_to_front;

    #[test]
    fn move_to_front_is_copy_within() {
        for len in 0..12 {
            for from in 1..=len {
                let mut expected: std::vec::Vec<u8> = (0..len as u8).collect();
                expected.copy_within(from.., 0);
                let mut moved: std::vec::Vec<u8> = (0..len as u8).collect();
                move_to_front(&mut moved, from);
                assert_eq!(moved[..len - from], expected[..len - from], "len {len} from {from}");
            }
        }
    }
}

//! An in-memory byte stream. Reads serve scripted responses in pieces of at most `max_read`
//! bytes: the first response is there from the start, each later one only after the client has
//! written again (as a server answers one request at a time). Writes are collected.

use core::convert::Infallible;
use std::collections::VecDeque;

#[derive(Debug)]
pub(crate) struct MemStream {
    current: Vec<u8>,
    pos: usize,
    pending: VecDeque<Vec<u8>>,
    wrote_since_release: bool,
    max_read: usize,
    pub(crate) written: Vec<u8>,
}

impl MemStream {
    /// One response, available at once, read in one piece where possible.
    pub(crate) fn new(input: impl Into<Vec<u8>>) -> Self {
        Self::scripted([input.into()], usize::MAX)
    }

    /// One response per request, read in pieces of at most `max_read` bytes.
    pub(crate) fn scripted(responses: impl IntoIterator<Item = Vec<u8>>, max_read: usize) -> Self {
        let mut pending: VecDeque<_> = responses.into_iter().collect();
        Self {
            current: pending.pop_front().unwrap_or_default(),
            pos: 0,
            pending,
            wrote_since_release: false,
            max_read: max_read.max(1),
            written: Vec::new(),
        }
    }
}

impl embedded_io::ErrorType for MemStream {
    type Error = Infallible;
}

impl embedded_io::Read for MemStream {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        if self.pos == self.current.len()
            && self.wrote_since_release
            && let Some(next) = self.pending.pop_front()
        {
            self.current = next;
            self.pos = 0;
            self.wrote_since_release = false;
        }
        let n = buf.len().min(self.max_read).min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl embedded_io::Write for MemStream {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        self.written.extend_from_slice(buf);
        self.wrote_since_release = true;
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

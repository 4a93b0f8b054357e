//! A bump allocator over a caller's byte buffer: hands out disjoint pieces that live as long
//! as the buffer, so decoded strings can be borrowed like the input itself.

/// Hands out disjoint sub-slices of one caller buffer, front to back.
#[derive(Debug)]
pub(crate) struct Bump<'b> {
    rest: &'b mut [u8],
}

impl<'b> Bump<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self { rest: buf }
    }

    /// The next `n` bytes, or `None` when fewer remain.
    pub(crate) fn take(&mut self, n: usize) -> Option<&'b mut [u8]> {
        if n > self.rest.len() {
            return None;
        }
        let all = core::mem::take(&mut self.rest);
        let (head, tail) = all.split_at_mut(n);
        self.rest = tail;
        Some(head)
    }
}

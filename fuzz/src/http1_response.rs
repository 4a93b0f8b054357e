//! `http1_response`: the HTTP/1.1 response parser of `Http1Transport`, over an in-memory
//! `embedded_io` stream that serves the fuzz bytes.
//!
//! Input: a configuration byte, then up to four responses separated by `0xFF` bytes; the
//! stream serves each response after the next request was written, in reads of a chosen size.
//! Checked: a successful exchange has a final status and a body that fits; a failed one
//! retires the connection (except a too-large body that was drained); a retired connection
//! refuses to send; and the first exchange ends the same way whatever the read size.

use core::convert::Infallible;
use cotter_transport::{Http1Error, Http1Transport, Request, Transport};
use std::collections::VecDeque;
use std::vec::Vec;

const URL: &str = "http://127.0.0.1:8080/api/v0/token/jwks";

/// Scripted responses, each released once the client has written since the last one.
#[derive(Debug)]
pub struct MemStream {
    current: Vec<u8>,
    pos: usize,
    pending: VecDeque<Vec<u8>>,
    wrote: bool,
    max_read: usize,
}

impl MemStream {
    /// A stream serving `responses` in reads of at most `max_read` bytes.
    #[must_use]
    pub fn new(responses: &[&[u8]], max_read: usize) -> Self {
        let mut pending: VecDeque<Vec<u8>> = responses.iter().map(|r| r.to_vec()).collect();
        let current = pending.pop_front().unwrap_or_default();
        Self { current, pos: 0, pending, wrote: false, max_read: max_read.max(1) }
    }
}

impl embedded_io::ErrorType for MemStream {
    type Error = Infallible;
}

impl embedded_io::Read for MemStream {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        if self.pos == self.current.len()
            && self.wrote
            && let Some(next) = self.pending.pop_front()
        {
            self.current = next;
            self.pos = 0;
            self.wrote = false;
        }
        let n = buf.len().min(self.max_read).min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl embedded_io::Write for MemStream {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        self.wrote = true;
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

type Outcome = Result<(u16, Vec<u8>), Http1Error<Infallible>>;

/// Runs one GET per response and checks each exchange; returns the outcomes.
fn exchanges<const H: usize>(
    responses: &[&[u8]],
    max_read: usize,
    capacity: usize,
    drain: u64,
) -> Vec<Outcome> {
    let mut t: Http1Transport<MemStream, H, 8> =
        Http1Transport::new(MemStream::new(responses, max_read)).with_drain_limit(drain);
    let mut buf = vec![0u8; capacity];
    let mut outcomes = Vec::new();
    for _ in 0..responses.len() {
        let was_open = t.is_open();
        let outcome = t.send(&Request::get(URL), &mut buf).map(|r| (r.status, r.body.to_vec()));
        match &outcome {
            Ok((status, body)) => {
                assert!(was_open);
                assert!((200..=599).contains(status), "status {status}");
                assert!(body.len() <= capacity);
            }
            Err(Http1Error::Closed) => assert!(!was_open),
            Err(Http1Error::ResponseTooLarge { capacity: c }) => assert_eq!(*c, capacity),
            Err(e) => {
                assert!(was_open, "{e:?} from a retired connection");
                assert!(!t.is_open(), "{e:?} left the connection open");
            }
        }
        if !was_open {
            assert_eq!(outcome, Err(Http1Error::Closed));
        }
        outcomes.push(outcome);
    }
    outcomes
}

/// The fuzz target.
pub fn run(data: &[u8]) {
    let Some((&config, rest)) = data.split_first() else { return };
    let responses: Vec<&[u8]> = rest.split(|&b| b == 0xFF).take(4).collect();
    let max_read = [1, 2, 3, 5, 8, 64, 512, usize::MAX][usize::from(config & 7)];
    let capacity = [0, 16, 256, 4096][usize::from(config >> 3 & 3)];
    let drain = [0, 16, 16 * 1024, u64::MAX][usize::from(config >> 5 & 3)];
    let small_head = config & 0x80 != 0;
    let run = |responses: &[&[u8]], max_read| {
        if small_head {
            exchanges::<64>(responses, max_read, capacity, drain)
        } else {
            exchanges::<1024>(responses, max_read, capacity, drain)
        }
    };
    run(&responses, max_read);
    // The first exchange does not depend on how the stream splits its reads.
    let first = &responses[..1];
    let whole = run(first, usize::MAX);
    let bytewise = run(first, 1);
    assert_eq!(whole, bytewise, "read size changed the outcome");
}

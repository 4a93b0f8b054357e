//! `embedded_io::{Read, Write}` over `std::net::TcpStream`, as a user's socket layer would
//! provide. A read timeout surfaces as `TimedOut` (std reports `WouldBlock` on Unix).

use std::io::{self, Read as _, Write as _};
use std::net::TcpStream;

#[derive(Debug)]
pub(crate) struct StdStream(pub TcpStream);

impl embedded_io::ErrorType for StdStream {
    type Error = io::Error;
}

fn timed_out(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::WouldBlock { io::Error::from(io::ErrorKind::TimedOut) } else { e }
}

impl embedded_io::Read for StdStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(timed_out)
    }
}

impl embedded_io::Write for StdStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(timed_out)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

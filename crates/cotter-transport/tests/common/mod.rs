//! Helpers shared by the integration tests: a loopback HTTP/1.1 test server, an in-memory
//! `embedded_io` stream, and an `embedded_io` adapter over `std::net::TcpStream`.
#![allow(dead_code, reason = "each test binary uses a different part of the helpers")]

pub(crate) mod mem;
pub(crate) mod server;
pub(crate) mod std_stream;

//! A polling driver for UART0 of the LM3S6965 (a PL011-style UART at `0x4000_C000`), as an
//! `embedded_io` byte stream for `Http1Transport`.
//!
//! QEMU connects the UART to a TCP socket on the host (`-serial tcp:…`), so the bytes written
//! here reach the Cotter emulator (through `cargo xtask qemu`'s bridge) and its answers come
//! back. QEMU needs no set-up of baud rate or line control; the driver turns the FIFOs on so
//! that 16 bytes arrive per poll instead of one. A real board would also enable the UART's
//! clock and pins and set the baud rate first.

use core::convert::Infallible;

/// UART0's base address.
const BASE: usize = 0x4000_C000;
/// Data register: a read takes one received byte (bits 0–7; 8–11 are error flags).
const DR: usize = BASE;
/// Flag register.
const FR: usize = BASE + 0x018;
/// Line control register (high byte).
const LCRH: usize = BASE + 0x02C;
/// FR: receive FIFO empty.
const RXFE: u32 = 1 << 4;
/// FR: transmit FIFO full.
const TXFF: u32 = 1 << 5;
/// LCRH: FIFOs enabled.
const FEN: u32 = 1 << 4;
/// LCRH: 8 data bits.
const WLEN_8: u32 = 0b11 << 5;

/// UART0, polled. There is one UART0, so there should be one value at a time: each client the
/// check boots gets a new one after the previous client (and its `Uart0`) was dropped.
#[derive(Debug)]
pub(crate) struct Uart0 {
    _private: (),
}

/// Reads a register.
fn read(addr: usize) -> u32 {
    #[allow(unsafe_code, reason = "memory-mapped I/O")]
    // SAFETY: `addr` is one of UART0's 4-aligned registers (constants above), which are always
    // mapped on the LM3S6965; a volatile 32-bit read of DR or FR is how the datasheet says
    // to access them, and no Rust object lives at these addresses.
    unsafe {
        core::ptr::read_volatile(addr as *const u32)
    }
}

/// Writes a register.
fn write(addr: usize, value: u32) {
    #[allow(unsafe_code, reason = "memory-mapped I/O")]
    // SAFETY: as in `read`; only `Uart0` (one value) writes these registers.
    unsafe {
        core::ptr::write_volatile(addr as *mut u32, value);
    }
}

impl Uart0 {
    /// The UART, with its FIFOs on and 8-bit words.
    pub(crate) fn new() -> Self {
        write(LCRH, FEN | WLEN_8);
        Self { _private: () }
    }

    fn rx_empty() -> bool {
        read(FR) & RXFE != 0
    }
}

impl embedded_io::ErrorType for Uart0 {
    type Error = Infallible;
}

impl embedded_io::Read for Uart0 {
    /// Blocks until at least one byte arrived, then returns what the FIFO holds (up to
    /// `buf.len()`). Never returns 0 for a non-empty `buf`: a UART has no end of stream. A
    /// host that never answers makes this wait forever; `cargo xtask qemu` enforces a time
    /// limit on the whole run.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Waiting for the host is not the firmware's work: the TLS build's instruction counts
        // leave it out (`meter`).
        #[cfg(feature = "tls")]
        crate::meter::wait_for(|| !Self::rx_empty());
        #[cfg(not(feature = "tls"))]
        while Self::rx_empty() {
            core::hint::spin_loop();
        }
        let mut n = 0;
        while n < buf.len() && !Self::rx_empty() {
            // The low byte is the data; error flags (bits 8–11) never occur on QEMU's socket.
            buf[n] = read(DR) as u8;
            n += 1;
        }
        Ok(n)
    }
}

impl embedded_io::Write for Uart0 {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        for &byte in buf {
            while read(FR) & TXFF != 0 {
                core::hint::spin_loop();
            }
            write(DR, u32::from(byte));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        // Bytes in the transmit FIFO leave on their own; QEMU sends each at once.
        Ok(())
    }
}

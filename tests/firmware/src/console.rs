//! Lines on the semihosting console (QEMU's standard output), written without `core::fmt`:
//! formatting machinery would cost several KiB of the verify-only firmware's 32 KiB.

use cortex_m_semihosting::hprint;

/// Writes the pieces, then a newline.
pub(crate) fn line(pieces: &[&str]) {
    for piece in pieces {
        hprint!(piece);
    }
    hprint!("\n");
}

/// Decimal digits of a number, in a fixed buffer.
pub(crate) struct Decimal {
    digits: [u8; 10],
    start: usize,
}

impl Decimal {
    /// The digits of `value`.
    pub(crate) fn new(mut value: u32) -> Self {
        let mut digits = [b'0'; 10];
        let mut start = digits.len();
        // Writes from the end; `iter_mut().rev()` has no index to check, so no panic path
        // (and with it `core::fmt`) is linked.
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            start -= 1;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        Self { digits, start }
    }

    /// The digits as text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits are ever written, and `start` is at most the length.
        let digits = self.digits.get(self.start..).unwrap_or(&[]);
        core::str::from_utf8(digits).unwrap_or("?")
    }
}

/// Writes `key=value` (a decimal number), the form `cargo xtask qemu` reads.
pub(crate) fn value(key: &str, value: u32) {
    line(&[key, "=", Decimal::new(value).as_str()]);
}

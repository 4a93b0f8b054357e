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
        loop {
            start -= 1;
            digits[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        Self { digits, start }
    }

    /// The digits as text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits are ever written.
        core::str::from_utf8(&self.digits[self.start..]).unwrap_or("?")
    }
}

/// Writes `key=value` (a decimal number), the form `cargo xtask qemu` reads.
pub(crate) fn value(key: &str, value: u32) {
    line(&[key, "=", Decimal::new(value).as_str()]);
}

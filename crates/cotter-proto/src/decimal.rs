//! Decimal text of a `u64` without 64-bit division: subtracting powers of ten, at most nine
//! times each. On 32-bit microcontrollers `u64 / 10` is a call into a ~1 KB software divider
//! (`__aeabi_uldivmod`); this is a few dozen instructions and a 160-byte table.

/// Digits of the largest `u64` (`18446744073709551615`).
pub(crate) const MAX_DIGITS: usize = 20;

/// `10^19, 10^18, …, 10^0`.
const POWERS: [u64; MAX_DIGITS] = {
    let mut p = [1u64; MAX_DIGITS];
    let mut i = MAX_DIGITS - 1;
    while i > 0 {
        p[i - 1] = p[i] * 10;
        i -= 1;
    }
    p
};

/// Writes the decimal digits of `n` (no leading zeros; `0` for zero) at the end of `buf` and
/// returns the index of the first one.
pub(crate) fn digits(mut n: u64, buf: &mut [u8; MAX_DIGITS]) -> usize {
    let mut start = MAX_DIGITS - 1;
    let mut seen = false;
    for (i, (&power, out)) in POWERS.iter().zip(buf.iter_mut()).enumerate() {
        let mut digit = b'0';
        while n >= power {
            n -= power;
            digit += 1;
        }
        if digit != b'0' && !seen {
            seen = true;
            start = i;
        }
        *out = digit;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;

    fn text(n: u64) -> std::string::String {
        let mut buf = [0; MAX_DIGITS];
        let start = digits(n, &mut buf);
        core::str::from_utf8(&buf[start..]).expect("ascii").to_string()
    }

    #[test]
    fn edges() {
        for n in [0, 1, 9, 10, 99, 100, 10_000_000_000_000_000_000, u64::MAX, u64::MAX - 1] {
            assert_eq!(text(n), n.to_string());
        }
        for i in 0..MAX_DIGITS as u32 {
            let p = 10u64.pow(i);
            assert_eq!(text(p), p.to_string());
            assert_eq!(text(p - 1), (p - 1).to_string());
        }
    }

    proptest! {
        #[test]
        fn matches_std(n in any::<u64>()) {
            prop_assert_eq!(text(n), n.to_string());
        }
    }
}

//! Textual IPv4 and IPv6 addresses, read exactly as `core::net`'s `FromStr` reads them, without
//! its parser (about 1.7 KB of flash on a Cortex-M): a URL check needs no more than "is this an
//! address, and which one".
//!
//! The grammar is `core::net::parser`'s, step for step: IPv4 is four decimal octets of one to
//! three digits without leading zeros; IPv6 is up to eight groups of one to four hex digits, at
//! most one `::` standing for at least one zero group, and an optional IPv4 address in place of
//! the last two groups. The tests compare both parsers on many inputs.

/// Up to `max` digits of `radix` from `at`: the value and the position after them. `None` for
/// no digit, more than `max`, or (unless `zero_prefix`) a leading zero followed by more digits.
pub(super) fn number(
    s: &[u8],
    at: usize,
    radix: u32,
    max: usize,
    zero_prefix: bool,
) -> Option<(u32, usize)> {
    let mut end = at;
    let mut value = 0u32;
    while let Some(digit) = s.get(end).and_then(|&b| char::from(b).to_digit(radix)) {
        value = value * radix + digit;
        end += 1;
        if end - at > max {
            return None;
        }
    }
    let leading_zero = s.get(at) == Some(&b'0') && end - at > 1;
    (end > at && (zero_prefix || !leading_zero)).then_some((value, end))
}

/// An IPv4 address starting at `at` (it need not end the input): octets and the end position.
fn v4_at(s: &[u8], mut at: usize) -> Option<([u8; 4], usize)> {
    let mut octets = [0u8; 4];
    for (i, octet) in octets.iter_mut().enumerate() {
        if i > 0 {
            if s.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        let (value, end) = number(s, at, 10, 3, false)?;
        *octet = u8::try_from(value).ok()?;
        at = end;
    }
    Some((octets, at))
}

/// Colon-separated groups from `at` into `out` (an IPv4 address may take the last two places):
/// how many were read, whether the last was IPv4, and the position after them.
fn groups(s: &[u8], mut at: usize, out: &mut [u16]) -> (usize, bool, usize) {
    let limit = out.len();
    for i in 0..limit {
        let mut start = at;
        if i > 0 {
            if s.get(start) != Some(&b':') {
                return (i, false, at);
            }
            start += 1;
        }
        if i + 1 < limit
            && let Some(([a, b, c, d], end)) = v4_at(s, start)
        {
            out[i] = u16::from_be_bytes([a, b]);
            out[i + 1] = u16::from_be_bytes([c, d]);
            return (i + 2, true, end);
        }
        match number(s, start, 16, 4, true) {
            // At most four hex digits: the value fits.
            Some((group, end)) => {
                out[i] = group as u16;
                at = end;
            }
            None => return (i, false, at),
        }
    }
    (limit, false, at)
}

/// The whole of `s` as an IPv4 address.
pub(crate) fn ipv4(s: &[u8]) -> Option<[u8; 4]> {
    v4_at(s, 0).and_then(|(octets, end)| (end == s.len()).then_some(octets))
}

/// The whole of `s` as an IPv6 address (no brackets, no zone).
pub(crate) fn ipv6(s: &[u8]) -> Option<[u16; 8]> {
    let mut head = [0u16; 8];
    let (n, ipv4_last, at) = groups(s, 0, &mut head);
    if n == 8 {
        return (at == s.len()).then_some(head);
    }
    // An IPv4 address must be the last part; otherwise `::` must follow, for one group or more.
    if ipv4_last || s.get(at..at + 2) != Some(b"::".as_slice()) {
        return None;
    }
    let mut tail = [0u16; 7];
    let (m, _, end) = groups(s, at + 2, &mut tail[..7 - n]);
    if end != s.len() {
        return None;
    }
    head[8 - m..].copy_from_slice(&tail[..m]);
    Some(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};
    use proptest::prelude::*;

    fn same(s: &str) {
        let v4 = s.parse::<Ipv4Addr>().ok().map(|a| a.octets());
        assert_eq!(ipv4(s.as_bytes()), v4, "ipv4 {s:?}");
        let v6 = s.parse::<Ipv6Addr>().ok().map(|a| a.segments());
        assert_eq!(ipv6(s.as_bytes()), v6, "ipv6 {s:?}");
    }

    #[test]
    fn agrees_with_core_net() {
        for s in [
            "",
            "0",
            "1.2.3.4",
            "127.0.0.1",
            "255.255.255.255",
            "256.0.0.1",
            "01.2.3.4",
            "0.0.0.0",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4.5",
            "1..2.3",
            "+1.2.3.4",
            "1.2.3.04",
            "1234.1.1.1",
            "::",
            "::1",
            "1::",
            "1::2",
            ":::",
            "1:::2",
            "::1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::8",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1.2.3.4::",
            "::1.2.3.4:5",
            "::1.2.3.4.5",
            "12345::",
            "ABCD:ef01::",
            "0000::0001",
            "00000::",
            ":1::",
            "1:",
            ":",
            "::%1",
            "fe80::1%eth0",
            "1.2.3.4a",
            "::1.2.3",
            "0:0:0:0:0:0:0:1",
            "0::0:0:0:0:0:0:1",
            "0:0:0:0::0:0:0:1",
            "::0:0:0:0:0:0:1",
        ] {
            same(s);
        }
    }

    proptest! {
        #[test]
        fn agrees_with_core_net_on_anything(s in "[0-9a-fA-F:.]{0,45}") {
            same(&s);
        }

        #[test]
        fn agrees_with_core_net_on_addresses(
            groups in proptest::collection::vec("[0-9a-f]{1,5}", 0..10),
            gap in 0usize..10,
            v4 in proptest::option::of("[0-9]{1,4}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}"),
        ) {
            let mut s = std::string::String::new();
            for (i, g) in groups.iter().enumerate() {
                if i > 0 {
                    s.push(':');
                }
                if i == gap {
                    s.push(':');
                }
                s.push_str(g);
            }
            if let Some(v4) = v4 {
                s.push(':');
                s.push_str(&v4);
            }
            same(&s);
        }
    }
}

//! [`Headers`]: the response headers the SDK acts on, parsed by the transport into plain values
//! (no allocation, no borrow of the transport's buffers).
//!
//! Only what a client of Cotter's API decides on is kept: `Cache-Control` (how long a JWKS may
//! be reused, RFC 9111 §5.2) and `Retry-After` (when a `429`/`503` may be retried, RFC 9110
//! §10.2.3). A malformed value is ignored as RFC 9111 asks of caches (the directive is treated
//! as absent), never an error: the response itself is still good.

/// `Cache-Control` directives of a response that a private client cache uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheControl {
    /// `max-age=N`: the response is fresh for `N` seconds (saturated at `u32::MAX`).
    pub max_age: Option<u32>,
    /// `no-store`: do not keep the response.
    pub no_store: bool,
    /// `no-cache`: revalidate before each reuse.
    pub no_cache: bool,
}

/// `Retry-After`: seconds to wait, or the time to retry at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 120`: wait this many seconds (saturated at `u32::MAX`).
    Seconds(u32),
    /// `Retry-After: Fri, 31 Dec 1999 23:59:59 GMT`: retry at this Unix time.
    At(u64),
}

impl RetryAfter {
    /// Seconds to wait from `now` (Unix seconds): the delay itself, or the time left until the
    /// date (0 once it has passed).
    #[must_use]
    pub const fn seconds_from(self, now: u64) -> u64 {
        match self {
            Self::Seconds(s) => s as u64,
            Self::At(at) => at.saturating_sub(now),
        }
    }
}

/// The response headers the SDK acts on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    /// `Cache-Control`, when the response had at least one such header (several are merged).
    pub cache_control: Option<CacheControl>,
    /// `Retry-After`, when present and well formed.
    pub retry_after: Option<RetryAfter>,
}

impl Headers {
    /// No headers.
    #[must_use]
    pub const fn new() -> Self {
        Self { cache_control: None, retry_after: None }
    }

    /// Takes one response header (`name` compared case-insensitively); headers the SDK does not
    /// use are ignored. For implementors of [`Transport`](crate::Transport).
    pub fn add(&mut self, name: &str, value: &[u8]) {
        if name.eq_ignore_ascii_case("cache-control") {
            let cc = self.cache_control.get_or_insert_with(CacheControl::default);
            parse_cache_control(value, cc);
        } else if name.eq_ignore_ascii_case("retry-after") {
            self.retry_after = parse_retry_after(value);
        }
    }
}

/// Folds the directives of one `Cache-Control` value into `cc`.
fn parse_cache_control(value: &[u8], cc: &mut CacheControl) {
    for directive in value.split(|&b| b == b',') {
        let directive = trim(directive);
        let (name, arg) = match directive.iter().position(|&b| b == b'=') {
            Some(i) => (trim(&directive[..i]), Some(trim(&directive[i + 1..]))),
            None => (directive, None),
        };
        if name.eq_ignore_ascii_case(b"max-age") {
            // RFC 9111 §1.2.2: delta-seconds; a quoted form is tolerated (§5.2).
            let arg =
                arg.map(|a| a.strip_prefix(b"\"").and_then(|a| a.strip_suffix(b"\"")).unwrap_or(a));
            match arg.and_then(delta_seconds) {
                // §4.2.1: with several, the most restrictive (smallest) wins.
                Some(s) => cc.max_age = Some(cc.max_age.map_or(s, |old| old.min(s))),
                // An invalid max-age makes the response stale (§4.2.1): treat it as 0.
                None => cc.max_age = Some(0),
            }
        } else if name.eq_ignore_ascii_case(b"no-store") {
            cc.no_store = true;
        } else if name.eq_ignore_ascii_case(b"no-cache") {
            cc.no_cache = true;
        }
    }
}

fn parse_retry_after(value: &[u8]) -> Option<RetryAfter> {
    let value = trim(value);
    if value.first().is_some_and(u8::is_ascii_digit) {
        delta_seconds(value).map(RetryAfter::Seconds)
    } else {
        http_date(value).map(RetryAfter::At)
    }
}

/// `1*DIGIT`, saturated at `u32::MAX` (RFC 9111 §1.2.2 asks for 2^31 at least).
fn delta_seconds(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u32 = 0;
    for &d in digits {
        n = n.saturating_mul(10).saturating_add(u32::from(d - b'0'));
    }
    Some(n)
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7) as Unix seconds. The two
/// obsolete formats are not accepted (the header is then ignored).
fn http_date(v: &[u8]) -> Option<u64> {
    // "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes exactly.
    if v.len() != 29 || &v[3..5] != b", " || &v[25..] != b" GMT" {
        return None;
    }
    if v[7] != b' ' || v[11] != b' ' || v[16] != b' ' || v[19] != b':' || v[22] != b':' {
        return None;
    }
    // In u32 (a four-digit year fits): 64-bit division would link a software divider of
    // about 1 KB on 32-bit microcontrollers.
    let num = |s: &[u8]| -> Option<u32> { delta_seconds(s) };
    let day = num(&v[5..7])?;
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let month = MONTHS.iter().position(|m| m[..] == v[8..11])? as u32 + 1;
    let year = num(&v[12..16])?;
    let (hour, minute, second) = (num(&v[17..19])?, num(&v[20..22])?, num(&v[23..25])?);
    if year < 1970 || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = u64::from(days_from_civil(year, month, day));
    Some(days * 86_400 + u64::from(hour * 3600 + minute * 60 + second))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (1970 ≤ year ≤ 9999), after Howard
/// Hinnant's `days_from_civil`.
const fn days_from_civil(year: u32, month: u32, day: u32) -> u32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[(&str, &str)]) -> Headers {
        let mut h = Headers::new();
        for (name, value) in list {
            h.add(name, value.as_bytes());
        }
        h
    }

    #[test]
    fn cache_control_directives() {
        let h = headers(&[("Cache-Control", "public, max-age=300")]);
        assert_eq!(
            h.cache_control,
            Some(CacheControl { max_age: Some(300), ..Default::default() })
        );
        let h = headers(&[
            ("cache-control", "no-store"),
            ("CACHE-CONTROL", "max-age=\"60\", No-Cache"),
        ]);
        assert_eq!(
            h.cache_control,
            Some(CacheControl { max_age: Some(60), no_store: true, no_cache: true })
        );
        // The smallest of several max-age wins; an invalid one counts as 0 (stale).
        assert_eq!(
            headers(&[("Cache-Control", "max-age=60, max-age=30")]).cache_control.unwrap().max_age,
            Some(30)
        );
        assert_eq!(
            headers(&[("Cache-Control", "max-age=soon")]).cache_control.unwrap().max_age,
            Some(0)
        );
        assert_eq!(
            headers(&[("Cache-Control", "max-age=99999999999")]).cache_control.unwrap().max_age,
            Some(u32::MAX)
        );
        assert_eq!(headers(&[("Content-Type", "application/json")]), Headers::new());
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(
            headers(&[("Retry-After", " 120 ")]).retry_after,
            Some(RetryAfter::Seconds(120))
        );
        // RFC 9110's own example date.
        let at = headers(&[("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT")]).retry_after;
        assert_eq!(at, Some(RetryAfter::At(784_111_777)));
        assert_eq!(at.unwrap().seconds_from(784_111_700), 77);
        assert_eq!(at.unwrap().seconds_from(900_000_000), 0);
        // A leap day and the turn of a century.
        assert_eq!(http_date(b"Tue, 29 Feb 2000 00:00:00 GMT"), Some(951_782_400));
        assert_eq!(http_date(b"Sat, 01 Jan 2000 00:00:00 GMT"), Some(946_684_800));
        for bad in [
            "",
            "-1",
            "soon",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
        ] {
            assert_eq!(headers(&[("Retry-After", bad)]).retry_after, None, "{bad:?}");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut buf = [0u8; 40];
        for round in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 41) as usize;
            for (i, b) in buf.iter_mut().enumerate() {
                // Mostly the bytes the parsers look at, so the fuzz reaches deep.
                let alphabet = b"0123456789, =\"GMTSunNov:max-age";
                *b = if round % 2 == 0 {
                    alphabet[((seed >> (i % 56)) as usize) % alphabet.len()]
                } else {
                    (seed >> (i % 56)) as u8
                };
            }
            let mut h = Headers::new();
            h.add("cache-control", &buf[..len]);
            h.add("retry-after", &buf[..len]);
        }
    }
}

//! The policy's arithmetic: `max-age` clamping and the retry back-off.

use super::*;

#[test]
fn max_age_is_clamped_to_the_bounds_and_defaults_without_one() {
    let p = JwksPolicy::new();
    assert_eq!(p.freshness(None), 3600);
    assert_eq!(p.freshness(Some(0)), 60, "max-age=0 would make the cache poll on every call");
    assert_eq!(p.freshness(Some(59)), 60);
    assert_eq!(p.freshness(Some(600)), 600);
    assert_eq!(p.freshness(Some(86_400)), 86_400);
    assert_eq!(p.freshness(Some(u32::MAX)), 86_400, "a key is not trusted for years unasked");
    // Crossed bounds: the lower one wins, so a fetch never follows a good one sooner.
    let crossed = JwksPolicy::new().max_age_bounds(600, 100);
    assert_eq!(crossed.freshness(Some(300)), 600);
    assert_eq!(crossed.freshness(None), 600);
    let short = JwksPolicy::new().default_max_age(10);
    assert_eq!(short.freshness(None), 60, "the default is clamped like a header");
}

#[test]
fn retry_wait_doubles_up_to_its_cap() {
    let p = JwksPolicy::new();
    let waits: [u64; 6] = core::array::from_fn(|i| p.retry_delay(i as u32 + 1));
    assert_eq!(waits, [30, 60, 120, 240, 300, 300]);
    assert_eq!(p.retry_delay(u32::MAX), 300);
    // A cap below the first wait is raised to it.
    let low = JwksPolicy::new().retry_after_failure(100, 10);
    assert_eq!((low.retry_delay(1), low.retry_delay(5)), (100, 100));
    // Durations are kept as u32, saturated; the doubling never wraps.
    let huge = JwksPolicy::new().retry_after_failure(u64::MAX / 2, u64::MAX);
    assert_eq!(huge.retry_delay(1), u64::from(u32::MAX));
    assert_eq!(huge.retry_delay(u32::MAX), u64::from(u32::MAX));
    let big = JwksPolicy::new().retry_after_failure(1 << 31, u64::MAX);
    assert_eq!((big.retry_delay(1), big.retry_delay(2)), (1 << 31, u64::from(u32::MAX)));
    let odd = JwksPolicy::new().retry_after_failure(30, u64::MAX);
    assert_eq!(odd.retry_delay(28), 30 << 27, "the last doubling that fits");
    assert_eq!(odd.retry_delay(29), u64::from(u32::MAX));
    let zero = JwksPolicy::new().retry_after_failure(0, 300);
    assert_eq!((zero.retry_delay(1), zero.retry_delay(40)), (0, 0), "no wait stays no wait");
}

#[test]
fn min_fetch_interval_is_the_least_of_the_three_waits() {
    assert_eq!(JwksPolicy::new().min_fetch_interval(), 30);
    assert_eq!(JwksPolicy::new().refetch_interval(5).min_fetch_interval(), 5);
    assert_eq!(JwksPolicy::new().retry_after_failure(7, 70).min_fetch_interval(), 7);
    assert_eq!(JwksPolicy::new().max_age_bounds(3, 10).min_fetch_interval(), 3);
}

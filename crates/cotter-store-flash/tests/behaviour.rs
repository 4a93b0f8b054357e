//! Store behaviour outside power cuts: errors and their recovery, what `clear` leaves on the
//! flash, garbage from a previous user of the range, costs of idle operations.

#![allow(clippy::unwrap_used, reason = "test helpers too: a panic is the failure report")]

mod common;

use common::load;
use cotter_store::{ErrorKind, OwnedSession, Session, TokenStore};
use cotter_store_flash::sim::{SimFlash, SplitMix64};
use cotter_store_flash::{Error, FlashStore};

type Sim = SimFlash<4, 1024, 3>;

fn store() -> FlashStore<Sim> {
    FlashStore::new(Sim::new(), 0..3072).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn clear_removes_every_token_from_the_flash() {
    let mut store = store();
    for n in 0..25 {
        let token = format!("SECRET-ACCESS-{n:03}-{}", "x".repeat(40));
        store.save(&Session::new(&token, "SECRET-ID", "SECRET-REFRESH", n)).unwrap();
    }
    store.clear().unwrap();
    assert_eq!(load(&mut store).unwrap(), None);
    let flash = store.flash();
    for i in 0..3 {
        assert!(!contains(flash.sector(i), b"SECRET"), "sector {i} still holds a token");
    }
    // Exactly one sector holds anything: the tombstone.
    let used = (0..3).filter(|&i| flash.sector(i).iter().any(|&b| b != 0xFF)).count();
    assert_eq!(used, 1);
}

#[test]
fn clear_of_an_empty_or_cleared_store_costs_no_program_or_erase() {
    let mut store = store();
    store.clear().unwrap();
    assert_eq!((store.flash().stats().program_ops, store.flash().stats().erase_ops), (0, 0));
    store.save(&Session::new("a", "b", "c", 1)).unwrap();
    store.clear().unwrap();
    let after_first = store.flash().stats();
    store.clear().unwrap();
    let mut store = FlashStore::new(store.into_inner(), 0..3072).unwrap();
    store.clear().unwrap();
    let after_more = store.flash().stats();
    assert_eq!(after_first.program_ops, after_more.program_ops);
    assert_eq!(after_first.erase_ops, after_more.erase_ops);
}

#[test]
fn save_after_clear_and_reboot() {
    let mut store = store();
    store.save(&Session::new("a", "b", "c", 1)).unwrap();
    store.clear().unwrap();
    let mut store = FlashStore::new(store.into_inner(), 0..3072).unwrap();
    assert_eq!(load(&mut store).unwrap(), None);
    store.save(&Session::new("d", "e", "f", 2)).unwrap();
    let mut store = FlashStore::new(store.into_inner(), 0..3072).unwrap();
    assert_eq!(load(&mut store).unwrap().map(|s| s.access_token.clone()), Some("d".into()));
}

#[test]
fn a_session_larger_than_a_sector_is_refused_and_the_old_one_kept() {
    let mut store = store();
    store.save(&Session::new("small", "", "", 1)).unwrap();
    let big = "t".repeat(1100);
    let err = store.save(&Session::new(&big, "", "", 2)).unwrap_err();
    assert!(matches!(err, Error::TooLarge { max: 1024, .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert_eq!(load(&mut store).unwrap().map(|s| s.access_token.clone()), Some("small".into()));
    // The largest record that fits does fit.
    let fixed = cotter_store::encoded_len(&Session::new("", "", "", 0)).unwrap();
    let max = "m".repeat(store.max_record_len() - fixed);
    store.save(&Session::new(&max, "", "", 3)).unwrap();
    assert_eq!(load(&mut store).unwrap().map(|s| s.access_token.len()), Some(max.len()));
    let over = "m".repeat(store.max_record_len() - fixed + 1);
    assert!(matches!(store.save(&Session::new(&over, "", "", 4)), Err(Error::TooLarge { .. })));
}

#[test]
fn a_field_over_the_codec_limit_is_an_encode_error() {
    let mut store = FlashStore::new(SimFlash::<4, 32768, 2>::new(), 0..65536).unwrap();
    let huge = "h".repeat(cotter_store::MAX_FIELD_LEN + 1);
    let err = store.save(&Session::new(&huge, "", "", 1)).unwrap_err();
    assert!(matches!(err, Error::Encode(_)), "{err:?}");
    assert_eq!(store.flash().stats().program_ops, 0);
}

#[test]
fn a_short_buffer_is_reported_with_the_size_needed() {
    let mut store = store();
    assert_eq!(store.record_len().unwrap(), None);
    store.save(&Session::new("access", "id", "refresh", 1)).unwrap();
    let needed = store.record_len().unwrap().unwrap();
    let mut buf = vec![0u8; needed - 1];
    assert!(
        matches!(store.load(&mut buf), Err(Error::BufferTooSmall { needed: n }) if n == needed)
    );
    let mut buf = vec![0u8; needed];
    assert!(store.load(&mut buf).unwrap().is_some());
}

#[test]
fn damage_after_the_scan_is_reported_as_corrupt() {
    let mut store = store();
    store.save(&Session::new("older", "", "", 1)).unwrap();
    store.save(&Session::new("newer", "", "", 2)).unwrap();
    // Flip a bit inside "newer" behind the store's back.
    let flash = store.flash_mut();
    let sector = flash.sector_mut(0);
    let at = sector.windows(5).position(|w| w == b"newer").unwrap();
    sector[at] ^= 0x01;
    let err = load(&mut store).unwrap_err();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    // A fresh scan no longer accepts the damaged record and falls back to the one before it.
    store.rescan();
    assert_eq!(load(&mut store).unwrap().map(|s| s.access_token.clone()), Some("older".into()));
}

#[test]
fn random_garbage_in_the_range_is_never_a_session_and_is_written_over() {
    for seed in 0..20 {
        let mut rng = SplitMix64::new(seed);
        let mut flash = Sim::new();
        for i in 0..3 {
            // Some sectors fully random, some erased, some random after a blank start.
            let mode = rng.below(3);
            for (j, b) in flash.sector_mut(i).iter_mut().enumerate() {
                *b = match mode {
                    0 => rng.next_u64() as u8,
                    1 => 0xFF,
                    _ if j < 300 => 0xFF,
                    _ => rng.next_u64() as u8,
                };
            }
        }
        let mut store = FlashStore::new(flash, 0..3072).unwrap();
        assert_eq!(load(&mut store).unwrap(), None, "seed {seed}");
        let s = common::session(&mut rng, &(20..200));
        store.save(&s.as_session()).unwrap();
        let mut store = FlashStore::new(store.into_inner(), 0..3072).unwrap();
        assert_eq!(load(&mut store).unwrap(), Some(s), "seed {seed}");
    }
}

#[test]
fn records_written_by_an_old_store_state_are_found_after_a_restart() {
    // Two stores over the same memory in turn, each restarting from what the other wrote.
    let mut rng = SplitMix64::new(5);
    let mut flash = Sim::new();
    let mut last: Option<OwnedSession> = None;
    for _ in 0..60 {
        let mut store = FlashStore::new(&mut flash, 0..3072).unwrap();
        assert_eq!(load(&mut store).unwrap(), last);
        let s = common::session(&mut rng, &(20..300));
        store.save(&s.as_session()).unwrap();
        last = Some(s);
    }
}

#[test]
fn loads_cost_one_record_read_after_the_first() {
    let mut store = store();
    store.save(&Session::new(&"a".repeat(200), "id", "r", 1)).unwrap();
    let len = store.record_len().unwrap().unwrap() as u64;
    let before = store.flash().stats().bytes_read;
    let _ = load(&mut store).unwrap();
    assert_eq!(store.flash().stats().bytes_read - before, len);
}

/// A driver whose write calls numbered in `bad` (0-based) leave the lowest programmed bit of
/// their first byte at 1 without reporting an error: a worn cell.
#[derive(Debug)]
struct Worn {
    inner: Sim,
    writes: usize,
    bad: [usize; 2],
}

impl Worn {
    fn new(bad: [usize; 2]) -> Self {
        Self { inner: Sim::new(), writes: 0, bad }
    }
}

impl embedded_storage::nor_flash::ErrorType for Worn {
    type Error = cotter_store_flash::sim::SimError;
}

impl embedded_storage::nor_flash::ReadNorFlash for Worn {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        self.inner.read(offset, bytes)
    }

    fn capacity(&self) -> usize {
        self.inner.capacity()
    }
}

impl embedded_storage::nor_flash::NorFlash for Worn {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = 1024;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        self.inner.erase(from, to)
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        let n = self.writes;
        self.writes += 1;
        if self.bad.contains(&n) {
            let mut worn = bytes.to_vec();
            let zeros = !worn[0];
            assert_ne!(zeros, 0, "write {n} programs no bit of its first byte");
            worn[0] |= zeros & zeros.wrapping_neg();
            return self.inner.write(offset, &worn);
        }
        self.inner.write(offset, bytes)
    }
}

fn token<F: embedded_storage::nor_flash::NorFlash>(store: &mut FlashStore<F>) -> Option<String> {
    load(store).unwrap().map(|s| s.access_token.clone())
}

#[test]
fn a_record_or_commit_word_that_does_not_read_back_is_never_committed_and_the_save_moves_on() {
    // Write calls: 0 and 1 = the first record and its commit word; 2 and 3 = the second
    // record and its commit word, one of them worn; then the retry in a fresh sector.
    for (bad, writes) in [(2, 5), (3, 6)] {
        let mut store = FlashStore::new(Worn::new([bad, usize::MAX]), 0..3072).unwrap();
        store.save(&Session::new("first", "", "", 1)).unwrap();
        store.save(&Session::new("second", "", "", 2)).unwrap();
        assert_eq!(token(&mut store), Some("second".into()));
        let flash = store.into_inner();
        assert_eq!(flash.writes, writes);
        assert_eq!(flash.inner.erase_counts(), &[0, 1, 0], "the retry went to a fresh sector");
        let mut store = FlashStore::new(flash, 0..3072).unwrap();
        assert_eq!(token(&mut store), Some("second".into()));
    }
}

#[test]
fn two_failed_read_backs_fail_the_save_and_keep_the_old_session() {
    // Write 2 is the second save's record, write 3 the retry's record.
    let mut store = FlashStore::new(Worn::new([2, 3]), 0..3072).unwrap();
    store.save(&Session::new("kept", "", "", 1)).unwrap();
    let err = store.save(&Session::new("lost", "", "", 2)).unwrap_err();
    assert!(matches!(err, Error::Verify), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Io);
    assert_eq!(token(&mut store), Some("kept".into()));
    let mut store = FlashStore::new(store.into_inner(), 0..3072).unwrap();
    assert_eq!(token(&mut store), Some("kept".into()));
    // The store still works.
    store.save(&Session::new("later", "", "", 3)).unwrap();
    assert_eq!(token(&mut store), Some("later".into()));
}

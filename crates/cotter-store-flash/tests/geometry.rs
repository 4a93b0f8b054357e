//! Geometry: every write size real chips have (1 to 256 bytes), erase sectors from 1 KiB to
//! 128 KiB, read sizes above 1, ranges that do not start at 0, and the configurations the
//! store must refuse.

#![allow(clippy::unwrap_used, reason = "test helpers too: a panic is the failure report")]

mod common;

use common::{load, session};
use cotter_store::{OwnedSession, TokenStore};
use cotter_store_flash::sim::{SimError, SimFlash, SplitMix64};
use cotter_store_flash::{Error, FlashStore, GeometryError};
use embedded_storage::nor_flash::{ErrorType, NorFlash, ReadNorFlash};

/// Saves enough sessions to wrap around the range several times, rebooting now and then, then
/// clears; checks every load on the way.
fn round_trip<F: NorFlash>(
    flash: F,
    range: core::ops::Range<u32>,
    saves: usize,
    token_len: core::ops::Range<usize>,
) where
    F::Error: PartialEq,
{
    let mut rng = SplitMix64::new(saves as u64);
    let mut store = FlashStore::new(flash, range.clone()).unwrap();
    assert_eq!(load(&mut store).unwrap(), None);
    for n in 0..saves {
        let s = session(&mut rng, &token_len);
        store.save(&s.as_session()).unwrap();
        let last: Option<OwnedSession> = Some(s);
        if n % 7 == 3 {
            store = FlashStore::new(store.into_inner(), range.clone()).unwrap();
        }
        assert_eq!(load(&mut store).unwrap(), last);
    }
    store.clear().unwrap();
    assert_eq!(load(&mut store).unwrap(), None);
    let mut store = FlashStore::new(store.into_inner(), range).unwrap();
    assert_eq!(load(&mut store).unwrap(), None);
}

#[test]
fn write_sizes_1_to_256_with_1k_and_4k_sectors() {
    round_trip(SimFlash::<1, 1024, 2>::new(), 0..2048, 40, 20..200);
    round_trip(SimFlash::<4, 1024, 3>::new(), 0..3072, 40, 20..200);
    round_trip(SimFlash::<8, 2048, 2>::new(), 0..4096, 40, 50..400);
    round_trip(SimFlash::<16, 4096, 2>::new(), 0..8192, 40, 100..1200);
    round_trip(SimFlash::<256, 1024, 4>::new(), 0..4096, 40, 20..160);
    round_trip(SimFlash::<256, 4096, 2>::new(), 0..8192, 40, 100..1200);
}

#[test]
fn sectors_of_64k_and_128k() {
    // 256 KiB of simulated flash lives inline: give it a roomy stack.
    std::thread::Builder::new()
        .stack_size(32 << 20)
        .spawn(|| {
            round_trip(
                Box::new(SimFlash::<4, { 64 * 1024 }, 2>::new()).as_mut(),
                0..128 * 1024,
                120,
                1000..4000,
            );
            round_trip(
                Box::new(SimFlash::<256, { 128 * 1024 }, 2>::new()).as_mut(),
                0..256 * 1024,
                60,
                1000..8000,
            );
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn a_range_inside_a_larger_flash_leaves_the_rest_alone() {
    let mut flash = SimFlash::<4, 1024, 5>::new();
    round_trip(&mut flash, 1024..4096, 30, 20..200);
    assert!(flash.sector(0).iter().all(|&b| b == 0xFF));
    assert!(flash.sector(4).iter().all(|&b| b == 0xFF));
    assert_eq!(flash.erase_counts()[0], 0);
    assert_eq!(flash.erase_counts()[4], 0);
    assert!(flash.erase_counts()[1..4].iter().all(|&n| n > 0));
}

fn geometry_error<F: NorFlash>(flash: F, range: core::ops::Range<u32>) -> GeometryError {
    match FlashStore::new(flash, range) {
        Err(Error::Geometry(e)) => e,
        other => panic!("expected a geometry error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn unusable_geometry_is_an_error_not_a_panic() {
    let f = || SimFlash::<4, 1024, 4>::new();
    assert_eq!(geometry_error(f(), 0..1024), GeometryError::TooFewSectors { sectors: 1 });
    assert_eq!(geometry_error(f(), 512..2048), GeometryError::Misaligned);
    assert_eq!(geometry_error(f(), 0..2000), GeometryError::Misaligned);
    assert_eq!(geometry_error(f(), 2048..2048), GeometryError::Misaligned);
    assert_eq!(
        geometry_error(f(), core::ops::Range { start: 3072, end: 1024 }),
        GeometryError::Misaligned
    );
    assert_eq!(
        geometry_error(f(), 0..5120),
        GeometryError::OutOfBounds { end: 5120, capacity: 4096 }
    );
    assert_eq!(
        geometry_error(SimFlash::<512, 4096, 2>::new(), 0..8192),
        GeometryError::WriteSize(512)
    );
    assert_eq!(
        geometry_error(SimFlash::<256, 256, 4>::new(), 0..1024),
        GeometryError::EraseSize(256)
    );
    assert_eq!(
        geometry_error(SimFlash::<3, 1023, 4>::new(), 0..1023 * 2),
        GeometryError::WriteSize(3)
    );
    let e: Error<SimError> = Error::Geometry(GeometryError::Misaligned);
    assert_eq!(e.kind(), cotter_store::ErrorKind::Other);
}

/// A driver that can only read in `R`-byte aligned units; checks every call.
#[derive(Clone, Debug)]
struct ReadUnits<const R: usize>(SimFlash<4, 1024, 3>);

impl<const R: usize> ErrorType for ReadUnits<R> {
    type Error = SimError;
}

impl<const R: usize> ReadNorFlash for ReadUnits<R> {
    const READ_SIZE: usize = R;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), SimError> {
        assert!(
            (offset as usize).is_multiple_of(R) && bytes.len().is_multiple_of(R),
            "unaligned read {offset} {}",
            bytes.len()
        );
        self.0.read(offset, bytes)
    }

    fn capacity(&self) -> usize {
        self.0.capacity()
    }
}

impl<const R: usize> NorFlash for ReadUnits<R> {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = 1024;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), SimError> {
        self.0.erase(from, to)
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), SimError> {
        self.0.write(offset, bytes)
    }
}

#[test]
fn read_sizes_above_one_are_honoured() {
    round_trip(ReadUnits::<4>(SimFlash::new()), 0..3072, 30, 20..200);
    round_trip(ReadUnits::<16>(SimFlash::new()), 0..3072, 30, 20..200);
    round_trip(ReadUnits::<256>(SimFlash::new()), 0..3072, 30, 20..200);
    assert_eq!(
        geometry_error(ReadUnits::<512>(SimFlash::new()), 0..3072),
        GeometryError::ReadSize(512)
    );
}

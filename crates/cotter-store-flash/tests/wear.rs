//! Wear and cost: 10 000 saves of a 2 KiB session on 4 sectors of 4 KiB (`WRITE_SIZE` 4).
//! Bytes programmed per save must stay within 2 % of the record, and erases must be spread
//! evenly (max/min ≤ 1.01). Run with `--nocapture` to see the figures.

#![allow(clippy::unwrap_used, reason = "test helpers too: a panic is the failure report")]

mod common;

use common::load;
use cotter_store::{Session, TokenStore, encoded_len};
use cotter_store_flash::FlashStore;
use cotter_store_flash::sim::{SimFlash, SplitMix64};

const SAVES: u64 = 10_000;
const RECORD: usize = 2048;

#[test]
fn ten_thousand_saves_of_two_kib() {
    let mut rng = SplitMix64::new(42);
    // Token lengths chosen so the encoded record is exactly 2 KiB.
    let fixed = encoded_len(&Session::new("", "", "", 0).with_auth_method("OTP")).unwrap();
    let token_total = RECORD - fixed;
    let (a_len, i_len) = (token_total / 2, token_total / 2 - 40);
    let r_len = token_total - a_len - i_len;

    let mut store = FlashStore::new(SimFlash::<4, 4096, 4>::new(), 0..4 * 4096).unwrap();
    let mut last = None;
    for n in 0..SAVES {
        let a = common::text(&mut rng, &(a_len..a_len + 1));
        let i = common::text(&mut rng, &(i_len..i_len + 1));
        let r = common::text(&mut rng, &(r_len..r_len + 1));
        let s = Session::new(&a, &i, &r, n).with_auth_method("OTP");
        assert_eq!(encoded_len(&s).unwrap(), RECORD);
        store.save(&s).unwrap();
        last = Some(cotter_store::OwnedSession::from(&s));
    }
    let stats = store.flash().stats();
    let erases = *store.flash().erase_counts();
    let programmed = stats.bytes_programmed as f64 / (SAVES as f64 * RECORD as f64);
    let (max, min) = (*erases.iter().max().unwrap(), *erases.iter().min().unwrap());
    let spread = f64::from(max) / f64::from(min);
    let read_per_save = stats.bytes_read as f64 / SAVES as f64;

    // Loads: the first after a restart scans; later ones read the record only.
    let mut flash = store.into_inner();
    flash.reset_stats();
    let mut store = FlashStore::new(flash, 0..4 * 4096).unwrap();
    assert_eq!(load(&mut store).unwrap(), last);
    let first_load = store.flash().stats().bytes_read;
    let mut buf = [0u8; RECORD];
    for _ in 0..100 {
        assert!(store.load(&mut buf).unwrap().is_some());
    }
    let later_load = (store.flash().stats().bytes_read - first_load) as f64 / 100.0;

    println!("wear: {SAVES} saves of a {RECORD}-byte record, 4 x 4 KiB sectors, WRITE_SIZE 4");
    println!("wear: bytes programmed per save / record size = {programmed:.4}");
    println!("wear: erases per sector {erases:?}, max/min = {spread:.4}");
    println!("wear: bytes read per save = {read_per_save:.1}");
    println!(
        "wear: bytes read per load = {first_load} (first, with scan), {later_load:.1} (later)"
    );
    assert!(programmed <= 1.02, "{programmed}");
    assert!(spread <= 1.01, "{spread}");
    assert!(later_load <= RECORD as f64);
}

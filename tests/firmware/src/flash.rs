//! Check b: `cotter-store-flash` on a RAM-backed NOR flash with this chip's own geometry (the
//! LM3S6965 erases 1 KiB pages and programs 32-bit words): save, "reboot" (a new store over
//! the same memory), load, clear — and power cuts in the middle of saves and clears, with
//! `SimFlash`, after which the last acknowledged state must still be there.

use crate::console;
use crate::report::{Failure, ensure, fail};
use cotter_store::{Session, TokenStore};
use cotter_store_flash::FlashStore;
use cotter_store_flash::sim::{CutModel, SimFlash};

/// 4 × 1 KiB pages, 4-byte words, program-once: the LM3S6965's flash, in RAM.
type Flash = SimFlash<4, 1024, 4>;

const CHECK: &str = "flash";
/// The store's byte range: all four pages.
const RANGE: core::ops::Range<u32> = 0..4 * 1024;

/// A session whose tokens are `len` copies of `fill`, so that two of them differ everywhere.
fn session(fill: &'static str, exp: u64) -> Session<'static> {
    Session::new(fill, fill, fill, exp).with_auth_method("TRUSTED_DEVICE")
}

/// 100-byte token stand-ins (three of them and the header fill half a 1 KiB page).
const A: &str = "eyJhbGciOiJFUzI1NiJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.sig-a";
const B: &str = "eyJhbGciOiJFUzI1NiJ9.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB.sig-b";
const C: &str = "eyJhbGciOiJFUzI1NiJ9.CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC.sig-c";

/// A store over the whole test flash (out of line: it is opened a dozen times).
#[inline(never)]
fn open(flash: &mut Flash) -> Result<FlashStore<&mut Flash>, Failure> {
    FlashStore::new(flash, RANGE).map_err(|_| Failure::new(CHECK, "geometry refused"))
}

/// The access token stored now (`None`: no session), read by a new store as after a reboot.
fn stored(flash: &mut Flash, buf: &mut [u8]) -> Result<Option<&'static str>, Failure> {
    flash.reboot();
    let mut store = open(flash)?;
    match store.load(buf) {
        Ok(None) => Ok(None),
        Ok(Some(s)) => [A, B, C]
            .into_iter()
            .find(|t| {
                s.access_token == *t && s.refresh_token == *t && s.auth_method == "TRUSTED_DEVICE"
            })
            .map(Some)
            .ok_or(Failure::new(CHECK, "loaded a session that was never saved")),
        Err(_) => Err(Failure::new(CHECK, "load failed after a reboot")),
    }
}

/// Runs check b.
///
/// # Errors
/// The first expectation that did not hold.
pub(crate) fn run() -> Result<(), Failure> {
    let mut flash = Flash::new();
    flash.set_seed(0x00C0_77E2);
    let mut buf = [0u8; 1024];

    // Save, reboot, load, save again, clear.
    ensure(stored(&mut flash, &mut buf)?.is_none(), CHECK, "a fresh flash holds a session")?;
    let mut store = open(&mut flash)?;
    store.save(&session(A, 1)).map_err(|e| fail(CHECK, "save failed", &e))?;
    ensure(
        stored(&mut flash, &mut buf)? == Some(A),
        CHECK,
        "the saved session did not survive a reboot",
    )?;
    let mut store = open(&mut flash)?;
    store.save(&session(B, 2)).map_err(|_| Failure::new(CHECK, "second save failed"))?;
    ensure(stored(&mut flash, &mut buf)? == Some(B), CHECK, "the newer session did not win")?;
    let mut store = open(&mut flash)?;
    store.clear().map_err(|_| Failure::new(CHECK, "clear failed"))?;
    ensure(stored(&mut flash, &mut buf)?.is_none(), CHECK, "a cleared session came back")?;
    console::line(&["flash: save, reboot, load, clear on 4 x 1 KiB pages (4-byte words)"]);

    // Power cuts: at every step of a save and of a clear, under each cut model, the state
    // after the reboot is the old one or (only if the operation got far enough) the new one,
    // and always the new one when the operation returned `Ok`.
    let mut cuts = 0u32;
    for model in CutModel::ALL {
        for step in 0..12 {
            let mut store = open(&mut flash)?;
            store
                .save(&session(B, 2))
                .map_err(|_| Failure::new(CHECK, "save before a cut failed"))?;
            store.flash_mut().cut_after(step, model);
            let saved = store.save(&session(C, 3)).is_ok();
            let now = stored(&mut flash, &mut buf)?;
            ensure(
                now == Some(C) || (!saved && now == Some(B)),
                CHECK,
                "a cut save lost the session",
            )?;

            let mut store = open(&mut flash)?;
            let before = now;
            store.flash_mut().cut_after(step, model);
            let cleared = store.clear().is_ok();
            let now = stored(&mut flash, &mut buf)?;
            ensure(
                now.is_none() || (!cleared && now == before),
                CHECK,
                "a cut clear left a wrong session",
            )?;
            cuts += u32::from(!saved) + u32::from(!cleared);
        }
    }
    ensure(cuts > 0, CHECK, "no power cut happened")?;
    console::line(&[
        "flash: power cuts during save and clear: ",
        console::Decimal::new(cuts).as_str(),
        " cut operations, last acknowledged state kept",
    ]);
    Ok(())
}

//! `flash_ops`: sequences of saves, clears, loads, reboots and power cuts on a `FlashStore`
//! over `SimFlash`, checked against a model of what the store must hold.
//!
//! The rule (the crate's `power_cut` and `ops_model` tests state it the same way): after a
//! power cut and a reboot, `load` returns the session of the last `save` or `clear` that
//! returned `Ok`, or that of the interrupted one if it completed; never an older one, never
//! garbage, never an error. Without cuts every `load` returns the model exactly.
//!
//! Input: the first byte picks the flash geometry; then one operation per byte (at most 64):
//!
//! | byte % 8 | operation | followed by |
//! |---|---|---|
//! | 0–2 | save | a session (see [`session`]) |
//! | 3 | clear | — |
//! | 4 | load, compared with the model | — |
//! | 5 | reboot: a new store over the same flash | — |
//! | 6 | power cut during the next save or clear | steps, model, seed, then `op & 1` (save + session, or clear) |
//! | 7 | forget the scan (`rescan`), then load | — |

use cotter_store::{OwnedSession, Session, TokenStore, encoded_len};
use cotter_store_flash::sim::{CutModel, SimFlash, SplitMix64};
use cotter_store_flash::{Error, FlashStore};
use std::string::String;

use crate::Bytes;

type Store<const W: usize, const E: usize, const S: usize> = FlashStore<SimFlash<W, E, S>>;

const MAX_OPS: usize = 64;

fn text(rng: &mut SplitMix64, len: usize) -> String {
    (0..len).map(|_| char::from(b'!' + rng.below(94) as u8)).collect()
}

/// A session from the input: `flags`, `n`, `n` bytes of access token (any bytes, read as
/// UTF-8 with replacement, so record-like content reaches the flash), `seed`. The ID token is
/// 0, 40, 300 or 900 characters (`flags >> 1 & 3`); a device key when `flags & 1`.
fn session(b: &mut Bytes<'_>) -> OwnedSession {
    let flags = b.byte();
    let n = usize::from(b.byte());
    let access_token = String::from_utf8_lossy(b.take(n)).into_owned();
    let mut rng = SplitMix64::new(u64::from(b.byte()) ^ u64::from(flags) << 8);
    let id_len = [0, 40, 300, 900][usize::from(flags >> 1 & 3)];
    let refresh_len = rng.below(60) as usize;
    let user_len = rng.below(37) as usize;
    OwnedSession {
        access_token,
        id_token: text(&mut rng, id_len),
        refresh_token: text(&mut rng, refresh_len),
        expires_at: rng.next_u64(),
        token_type: "Bearer".into(),
        auth_method: ["OTP", "MAGIC_LINK", "TRUSTED_DEVICE", ""][usize::from(flags >> 3 & 3)]
            .into(),
        user_id: text(&mut rng, user_len),
        device_key: (flags & 1 != 0).then(|| core::array::from_fn(|_| rng.next_u64() as u8)),
    }
}

fn load<const W: usize, const E: usize, const S: usize>(
    store: &mut Store<W, E, S>,
) -> Option<OwnedSession> {
    let mut buf = vec![0u8; cotter_store::MAX_ENCODED_LEN];
    match store.load(&mut buf) {
        Ok(s) => s.map(|s: Session<'_>| OwnedSession::from(&s)),
        Err(e) => panic!("load failed: {e:?}"),
    }
}

fn reboot<const W: usize, const E: usize, const S: usize>(store: Store<W, E, S>) -> Store<W, E, S> {
    let mut flash = store.into_inner();
    flash.reboot();
    FlashStore::new(flash, 0..(E * S) as u32).expect("the geometry was accepted before")
}

enum Op {
    Save(OwnedSession),
    Clear,
}

/// Runs `op`; a save too large for a sector must fail with `TooLarge` and change nothing.
/// Returns the result and what the store holds if it succeeded.
fn apply<const W: usize, const E: usize, const S: usize>(
    store: &mut Store<W, E, S>,
    op: &Op,
    model: &Option<OwnedSession>,
) -> (Result<(), Error<cotter_store_flash::sim::SimError>>, Option<OwnedSession>) {
    match op {
        Op::Save(s) => {
            let r = store.save(&s.as_session());
            let fits = encoded_len(&s.as_session()).is_ok_and(|n| n <= store.max_record_len());
            match &r {
                Err(Error::TooLarge { .. }) => {
                    assert!(!fits, "a record that fits was refused");
                    return (r, model.clone());
                }
                _ => assert!(fits || r.is_err(), "a record too large was accepted"),
            }
            (r, Some(s.clone()))
        }
        Op::Clear => (store.clear(), None),
    }
}

fn run_on<const W: usize, const E: usize, const S: usize>(b: &mut Bytes<'_>) {
    let mut store: Store<W, E, S> =
        FlashStore::new(SimFlash::new(), 0..(E * S) as u32).expect("a valid geometry");
    let mut model: Option<OwnedSession> = None;
    for _ in 0..MAX_OPS {
        if b.is_empty() {
            break;
        }
        match b.byte() % 8 {
            0..=2 => {
                let op = Op::Save(session(b));
                let (r, after) = apply(&mut store, &op, &model);
                if !matches!(r, Err(Error::TooLarge { .. })) {
                    r.unwrap_or_else(|e| panic!("save failed: {e:?}"));
                }
                model = after;
            }
            3 => {
                store.clear().unwrap_or_else(|e| panic!("clear failed: {e:?}"));
                model = None;
            }
            4 => {
                assert_eq!(load(&mut store), model);
                let len = store.record_len().expect("record_len");
                let want = model.as_ref().map(|m| encoded_len(&m.as_session()).expect("encodes"));
                assert_eq!(len, want, "record_len");
            }
            5 => store = reboot(store),
            6 => {
                let steps = u64::from(b.byte());
                let how = b.byte();
                let cut = CutModel::ALL[usize::from(how % 3)];
                let seed = u64::from(b.byte());
                let op = if b.byte() & 1 == 0 { Op::Save(session(b)) } else { Op::Clear };
                store.flash_mut().set_seed(seed);
                store.flash_mut().cut_after(steps, cut);
                let (r, after) = apply(&mut store, &op, &model);
                if store.flash().is_powered() {
                    // The operation ended before the cut point (or never wrote: too large).
                    store.flash_mut().cancel_cut();
                    if !matches!(r, Err(Error::TooLarge { .. })) {
                        r.unwrap_or_else(|e| panic!("failed without a cut: {e:?}"));
                    }
                    model = after;
                    continue;
                }
                assert!(r.is_err(), "Ok although power was cut");
                assert!(store.load(&mut [0u8; 64]).is_err(), "a load without power succeeded");
                if how & 0x80 == 0 {
                    store = reboot(store);
                } else {
                    // Power back under the same store, which must scan again.
                    store.flash_mut().reboot();
                }
                let got = load(&mut store);
                assert!(got == model || got == after, "got {got:?}, want {model:?} or {after:?}");
                model = got;
            }
            _ => {
                store.rescan();
                assert_eq!(load(&mut store), model);
            }
        }
    }
    let mut store = reboot(store);
    assert_eq!(load(&mut store), model, "after the final reboot");
}

/// The fuzz target.
pub fn run(data: &[u8]) {
    let mut b = Bytes::new(data);
    match b.byte() % 3 {
        0 => run_on::<4, 1024, 2>(&mut b),
        1 => run_on::<1, 1024, 3>(&mut b),
        _ => run_on::<16, 2048, 3>(&mut b),
    }
}

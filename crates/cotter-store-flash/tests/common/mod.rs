//! Helpers shared by the integration tests: random sessions and operation sequences.

#![allow(dead_code, reason = "each test file uses a different subset")]

use core::ops::Range;
use cotter_store::{OwnedSession, Session, TokenStore};
use cotter_store_flash::sim::{SimFlash, SplitMix64};
use cotter_store_flash::{Error, FlashStore};

/// A random printable ASCII string of a length in `len`.
pub(crate) fn text(rng: &mut SplitMix64, len: &Range<usize>) -> String {
    let n = len.start + rng.below((len.end - len.start) as u64) as usize;
    (0..n).map(|_| char::from(b'!' + rng.below(94) as u8)).collect()
}

/// A random session whose three tokens have lengths in `token_len`.
pub(crate) fn session(rng: &mut SplitMix64, token_len: &Range<usize>) -> OwnedSession {
    let key = (rng.below(3) == 0).then(|| core::array::from_fn(|_| rng.next_u64() as u8));
    OwnedSession {
        access_token: text(rng, token_len),
        id_token: text(rng, token_len),
        refresh_token: text(rng, &(4..60)),
        expires_at: rng.next_u64(),
        token_type: "Bearer".into(),
        auth_method: ["OTP", "MAGIC_LINK", "TRUSTED_DEVICE"][rng.below(3) as usize].into(),
        user_id: text(rng, &(0..37)),
        device_key: key,
    }
}

/// One step of a test sequence.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Save(OwnedSession),
    Clear,
    /// Drop the store and mount a new one over the same flash (no power cut).
    Reboot,
}

/// A sequence of `n` operations: mostly saves, some clears, a few reboots.
pub(crate) fn ops(rng: &mut SplitMix64, n: usize, token_len: &Range<usize>) -> Vec<Op> {
    (0..n)
        .map(|_| match rng.below(20) {
            0..=2 => Op::Clear,
            3 => Op::Reboot,
            _ => Op::Save(session(rng, token_len)),
        })
        .collect()
}

pub(crate) type Sim<const W: usize, const E: usize, const S: usize> = SimFlash<W, E, S>;
pub(crate) type Store<const W: usize, const E: usize, const S: usize> = FlashStore<Sim<W, E, S>>;

/// The whole simulated flash as a store range.
pub(crate) fn range<const W: usize, const E: usize, const S: usize>() -> Range<u32> {
    0..(E * S) as u32
}

/// Runs a save or a clear.
pub(crate) fn apply<F: embedded_storage::nor_flash::NorFlash>(
    store: &mut FlashStore<F>,
    op: &Op,
) -> Result<(), Error<F::Error>> {
    match op {
        Op::Save(s) => store.save(&s.as_session()),
        Op::Clear => store.clear(),
        Op::Reboot => Ok(()),
    }
}

/// What the store holds after `op`, given what it held before.
pub(crate) fn after(op: &Op, before: &Option<OwnedSession>) -> Option<OwnedSession> {
    match op {
        Op::Save(s) => Some(s.clone()),
        Op::Clear => None,
        Op::Reboot => before.clone(),
    }
}

/// Loads into a fresh buffer and copies the result out.
pub(crate) fn load<F: embedded_storage::nor_flash::NorFlash>(
    store: &mut FlashStore<F>,
) -> Result<Option<OwnedSession>, Error<F::Error>> {
    let mut buf = vec![0u8; cotter_store::MAX_ENCODED_LEN];
    Ok(store.load(&mut buf)?.map(|s: Session<'_>| OwnedSession::from(&s)))
}

/// Power back on and a new store over the same memory.
pub(crate) fn reboot<const W: usize, const E: usize, const S: usize>(
    store: Store<W, E, S>,
) -> Store<W, E, S> {
    let mut flash = store.into_inner();
    flash.reboot();
    FlashStore::new(flash, range::<W, E, S>()).expect("geometry was accepted before")
}

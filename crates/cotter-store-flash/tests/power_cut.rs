//! The headline test: cut power at every single program and erase step of long sequences of
//! saves and clears, in each of the three cut models, reboot, and check that the store returns
//! the last session it acknowledged (or the interrupted one, if it completed). Never an older
//! session, never garbage, never an error.
//!
//! Run with `--nocapture` to see the counts.

#![allow(clippy::unwrap_used, reason = "test helpers too: a panic is the failure report")]

mod common;

use common::{Op, Store, after, apply, load, ops, reboot, session};
use core::ops::Range;
use cotter_store::{OwnedSession, TokenStore};
use cotter_store_flash::FlashStore;
use cotter_store_flash::sim::{CutModel, SimFlash, SplitMix64};

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    /// Cut points tried.
    cuts: u64,
    /// Second cuts (during the save after recovering from the first).
    second_cuts: u64,
    /// Cuts after which the interrupted operation's result was visible.
    took_new: u64,
    /// Cuts after which the store returned anything else: must stay 0.
    lost: u64,
}

/// Cuts at every step of every operation of one sequence, for each model.
fn exhaustive<const W: usize, const E: usize, const S: usize>(
    seed: u64,
    n_ops: usize,
    token_len: Range<usize>,
) -> [Counts; 3] {
    let mut rng = SplitMix64::new(seed);
    let sequence = ops(&mut rng, n_ops, &token_len);
    let mutating = sequence.iter().filter(|op| !matches!(op, Op::Reboot)).count();
    assert!(mutating >= 200, "only {mutating} saves and clears");
    let probe = session(&mut rng, &token_len);
    let flash = SimFlash::<W, E, S>::new();
    let mut store: Store<W, E, S> = FlashStore::new(flash, common::range::<W, E, S>()).unwrap();
    let mut model: Option<OwnedSession> = None;
    let mut counts = [Counts::default(); 3];

    for (i, op) in sequence.iter().enumerate() {
        if let Op::Reboot = op {
            store = reboot(store);
            continue;
        }
        let expected_after = after(op, &model);
        // How many program/erase steps this operation takes from this exact state.
        let mut dry = store.clone();
        let before = dry.flash().steps();
        apply(&mut dry, op).unwrap();
        let steps = dry.flash().steps() - before;

        for step in 0..steps {
            for (m, cut) in CutModel::ALL.into_iter().enumerate() {
                let mut trial = store.clone();
                trial.flash_mut().set_seed(seed ^ (i as u64) << 20 ^ step << 4 ^ m as u64);
                trial.flash_mut().cut_after(step, cut);
                let result = apply(&mut trial, op);
                assert!(result.is_err(), "op {i} {op:?} returned Ok although power was cut");
                let mut recovered = reboot(trial);
                let c = &mut counts[m];
                c.cuts += 1;
                let got = match load(&mut recovered) {
                    Ok(got) if got == model => got,
                    Ok(got) if got == expected_after => {
                        c.took_new += 1;
                        got
                    }
                    other => {
                        c.lost += 1;
                        eprintln!(
                            "seed {seed} op {i} step {step} {cut:?}: got {other:?}, want {model:?} or {expected_after:?}"
                        );
                        continue;
                    }
                };
                // A second cut, at a random step of the next save, from whatever the first
                // one left.
                let probe_op = Op::Save(probe.clone());
                let mut dry = recovered.clone();
                let before = dry.flash().steps();
                apply(&mut dry, &probe_op).unwrap();
                let second_steps = dry.flash().steps() - before;
                let mut second = recovered.clone();
                second.flash_mut().cut_after(rng.below(second_steps), cut);
                assert!(apply(&mut second, &probe_op).is_err());
                let mut second = reboot(second);
                c.second_cuts += 1;
                match load(&mut second) {
                    Ok(g) if g == got || g.as_ref() == Some(&probe) => {}
                    other => {
                        c.lost += 1;
                        eprintln!(
                            "seed {seed} op {i} step {step} {cut:?}, second cut: got {other:?}, want {got:?} or the probe"
                        );
                    }
                }
                // And without a second cut the store keeps working.
                recovered.save(&probe.as_session()).unwrap();
                assert_eq!(load(&mut recovered).unwrap().as_ref(), Some(&probe));
                let mut again = reboot(recovered);
                assert_eq!(load(&mut again).unwrap().as_ref(), Some(&probe));
            }
        }

        apply(&mut store, op).unwrap();
        model = expected_after;
        assert_eq!(load(&mut store).unwrap(), model, "op {i}");
    }
    counts
}

fn report(name: &str, seeds: &[u64], run: impl Fn(u64) -> [Counts; 3]) {
    let mut total = [Counts::default(); 3];
    for &seed in seeds {
        for (t, c) in total.iter_mut().zip(run(seed)) {
            t.cuts += c.cuts;
            t.took_new += c.took_new;
            t.second_cuts += c.second_cuts;
            t.lost += c.lost;
        }
    }
    for (model, c) in CutModel::ALL.iter().zip(total) {
        println!(
            "power_cut {name} seeds {seeds:?} {model:?}: cut points tried {} (+{} second cuts), interrupted op visible {}, sessions lost {}",
            c.cuts, c.second_cuts, c.took_new, c.lost
        );
        assert!(c.cuts > 0);
        assert_eq!(c.lost, 0, "{name} {model:?}");
    }
}

#[test]
fn every_cut_point_small_sectors_two_sectors() {
    report("W4 E1K S2", &[1, 2, 3], |seed| exhaustive::<4, 1024, 2>(seed, 240, 20..300));
}

#[test]
fn every_cut_point_small_sectors_three_sectors_byte_writes() {
    report("W1 E1K S3", &[4, 5, 6], |seed| exhaustive::<1, 1024, 3>(seed, 240, 20..300));
}

#[test]
fn every_cut_point_large_records() {
    report("W16 E4K S4", &[7, 8], |seed| exhaustive::<16, 4096, 4>(seed, 220, 200..1500));
}

//! Property test: random sequences of saves, clears, loads, reboots and power cuts (several in
//! a row, at random steps, in every model) against a model of what the store must return.

#![allow(clippy::unwrap_used, reason = "test helpers too: a panic is the failure report")]

mod common;

use common::{Op, after, apply, load, reboot, session};
use cotter_store::OwnedSession;
use cotter_store_flash::FlashStore;
use cotter_store_flash::sim::{CutModel, SimFlash, SplitMix64};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Action {
    /// Save a session made from this seed, with short or long tokens.
    Save {
        seed: u64,
        long: bool,
    },
    Clear,
    Load,
    Reboot,
    /// Cut power after `steps` steps of the next save (`Some`) or clear (`None`), then reboot.
    Cut {
        steps: u64,
        model: CutModel,
        save: Option<u64>,
        cut_seed: u64,
    },
}

fn action() -> impl Strategy<Value = Action> {
    let model =
        prop_oneof![Just(CutModel::Clean), Just(CutModel::Partial), Just(CutModel::Scatter)];
    prop_oneof![
        6 => (any::<u64>(), any::<bool>()).prop_map(|(seed, long)| Action::Save { seed, long }),
        1 => Just(Action::Clear),
        2 => Just(Action::Load),
        1 => Just(Action::Reboot),
        4 => (0u64..12, model, proptest::option::of(any::<u64>()), any::<u64>())
            .prop_map(|(steps, model, save, cut_seed)| Action::Cut { steps, model, save, cut_seed }),
    ]
}

fn make(seed: u64, long: bool) -> OwnedSession {
    let len = if long { 150..380 } else { 10..120 };
    session(&mut SplitMix64::new(seed), &len)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn store_matches_model(actions in proptest::collection::vec(action(), 1..60)) {
        let mut store = FlashStore::new(SimFlash::<4, 1024, 2>::new(), 0..2048).unwrap();
        let mut model: Option<OwnedSession> = None;
        for a in &actions {
            match a {
                Action::Save { seed, long } => {
                    let op = Op::Save(make(*seed, *long));
                    apply(&mut store, &op).unwrap();
                    model = after(&op, &model);
                }
                Action::Clear => {
                    apply(&mut store, &Op::Clear).unwrap();
                    model = None;
                }
                Action::Load => prop_assert_eq!(load(&mut store).unwrap(), model.clone()),
                Action::Reboot => store = reboot(store),
                Action::Cut { steps, model: cut, save, cut_seed } => {
                    let op = match save {
                        Some(seed) => Op::Save(make(*seed, seed % 3 == 0)),
                        None => Op::Clear,
                    };
                    store.flash_mut().set_seed(*cut_seed);
                    store.flash_mut().cut_after(*steps, *cut);
                    let new = after(&op, &model);
                    if apply(&mut store, &op).is_ok() {
                        // The operation finished before the cut point.
                        store.flash_mut().cancel_cut();
                        model = new;
                    } else {
                        store = reboot(store);
                        let got = load(&mut store).unwrap();
                        prop_assert!(got == model || got == new, "got {:?}, want {:?} or {:?}", got, model, new);
                        model = got;
                    }
                }
            }
        }
        let mut store = reboot(store);
        prop_assert_eq!(load(&mut store).unwrap(), model);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever happens to the bytes of the range, a load returns nothing or a session that
    /// was really saved (never garbage, never a panic), and the store can still save.
    #[test]
    fn damaged_flash_never_yields_garbage(
        saves in 0usize..14,
        seed in any::<u64>(),
        spans in proptest::collection::vec((0usize..2048, 1usize..80, any::<u8>(), any::<bool>()), 0..8),
    ) {
        let mut store = FlashStore::new(SimFlash::<4, 1024, 2>::new(), 0..2048).unwrap();
        let mut saved = Vec::new();
        for k in 0..saves {
            let s = make(seed.wrapping_add(k as u64), k % 3 == 0);
            apply(&mut store, &Op::Save(s.clone())).unwrap();
            saved.push(s);
        }
        let mut flash = store.into_inner();
        let mut rng = SplitMix64::new(seed);
        for (start, len, value, random) in spans {
            for i in start..(start + len).min(2048) {
                let b = if random { rng.next_u64() as u8 } else { value };
                flash.sector_mut(i / 1024)[i % 1024] = b;
            }
        }
        let mut store = FlashStore::new(flash, 0..2048).unwrap();
        match load(&mut store) {
            Ok(None) => {}
            Ok(Some(s)) => prop_assert!(saved.contains(&s), "a session that was never saved"),
            Err(e) => prop_assert!(false, "load failed: {:?}", e),
        }
        let fresh = make(!seed, false);
        apply(&mut store, &Op::Save(fresh.clone())).unwrap();
        prop_assert_eq!(load(&mut store).unwrap(), Some(fresh.clone()));
        let mut store = reboot(store);
        prop_assert_eq!(load(&mut store).unwrap(), Some(fresh));
    }

    #[test]
    fn random_bytes_are_an_empty_store(bytes in proptest::collection::vec(any::<u8>(), 2048)) {
        let mut flash = SimFlash::<4, 1024, 2>::new();
        flash.sector_mut(0).copy_from_slice(&bytes[..1024]);
        flash.sector_mut(1).copy_from_slice(&bytes[1024..]);
        let mut store = FlashStore::new(flash, 0..2048).unwrap();
        prop_assert_eq!(load(&mut store).unwrap(), None);
        apply(&mut store, &Op::Clear).unwrap();
        prop_assert_eq!(load(&mut store).unwrap(), None);
    }
}

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

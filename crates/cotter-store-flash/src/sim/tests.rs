//! Unit tests of the simulated flash: NOR rules, alignment, counters and the three cut models.

use super::*;

type Small = SimFlash<4, 64, 2>;

#[test]
fn programming_only_clears_bits_and_erase_sets_them() {
    let mut f = Small::new();
    f.set_program_once(false);
    f.write(0, &[0xF0, 0x0F, 0xFF, 0x00]).unwrap();
    f.write(0, &[0x3C, 0xFF, 0xFF, 0xFF]).unwrap();
    let mut b = [0u8; 4];
    f.read(0, &mut b).unwrap();
    assert_eq!(b, [0x30, 0x0F, 0xFF, 0x00]);
    f.erase(0, 64).unwrap();
    f.read(0, &mut b).unwrap();
    assert_eq!(b, [0xFF; 4]);
    assert_eq!(f.erase_counts(), &[1, 0]);
}

#[test]
fn program_once_refuses_a_second_write_to_a_word() {
    let mut f = Small::new();
    f.write(8, &[0xFE, 0xFF, 0xFF, 0xFF]).unwrap();
    assert_eq!(f.write(4, &[0; 8]), Err(SimError::WordAlreadyProgrammed { offset: 8 }));
    // Nothing of the refused write landed, not even the blank word before it.
    assert_eq!(f.sector(0)[4..8], [0xFF; 4]);
    f.write(12, &[0; 4]).unwrap();
}

#[test]
fn alignment_and_bounds() {
    let mut f = Small::new();
    assert_eq!(f.write(2, &[0; 4]), Err(SimError::NotAligned));
    assert_eq!(f.write(0, &[0; 3]), Err(SimError::NotAligned));
    assert_eq!(f.write(128, &[0; 4]), Err(SimError::OutOfBounds));
    assert_eq!(f.erase(0, 32), Err(SimError::NotAligned));
    assert_eq!(f.erase(64, 0), Err(SimError::OutOfBounds));
    assert_eq!(f.erase(0, 192), Err(SimError::OutOfBounds));
    assert_eq!(f.read(127, &mut [0; 2]), Err(SimError::OutOfBounds));
    assert_eq!(SimError::NotAligned.kind(), NorFlashErrorKind::NotAligned);
    assert_eq!(SimError::PowerOff.kind(), NorFlashErrorKind::Other);
    assert_eq!(f.capacity(), 128);
}

#[test]
fn counters() {
    let mut f = Small::new();
    f.write(0, &[0; 8]).unwrap();
    f.read(0, &mut [0; 5]).unwrap();
    f.erase(0, 128).unwrap();
    let s = f.stats();
    assert_eq!(
        (s.program_ops, s.bytes_programmed, s.read_ops, s.bytes_read, s.erase_ops),
        (1, 8, 1, 5, 2)
    );
    assert_eq!(f.steps(), 3);
    f.reset_stats();
    assert_eq!(f.stats(), SimStats::default());
    assert_eq!(f.erase_counts(), &[0, 0]);
}

#[test]
fn cut_after_counts_steps_and_blocks_until_reboot() {
    let mut f = Small::new();
    f.cut_after(2, CutModel::Clean);
    f.write(0, &[0; 4]).unwrap();
    f.erase(64, 128).unwrap();
    assert_eq!(f.write(4, &[0; 4]), Err(SimError::PowerOff));
    assert!(!f.is_powered());
    assert_eq!(f.read(0, &mut [0; 1]), Err(SimError::PowerOff));
    assert_eq!(f.erase(0, 64), Err(SimError::PowerOff));
    f.reboot();
    assert!(f.is_powered());
    // Clean: the cut write changed nothing.
    assert_eq!(f.sector(0)[4..8], [0xFF; 4]);
    f.write(4, &[0; 4]).unwrap();
}

#[test]
fn a_multi_sector_erase_is_one_step_per_sector() {
    let mut f = Small::new();
    f.write(0, &[0; 4]).unwrap();
    f.write(64, &[0; 4]).unwrap();
    f.cut_after(1, CutModel::Clean);
    assert_eq!(f.erase(0, 128), Err(SimError::PowerOff));
    assert_eq!(f.sector(0)[0], 0xFF);
    assert_eq!(f.sector(1)[0], 0);
}

#[test]
fn partial_write_keeps_a_prefix_and_one_half_word() {
    for seed in 0..200 {
        let mut f = SimFlash::<4, 64, 1>::new().with_seed(seed);
        f.cut_after(0, CutModel::Partial);
        assert!(f.write(0, &[0u8; 32]).is_err());
        let mem = f.sector(0);
        let whole = mem.iter().take_while(|&&b| b == 0).count() / 4 * 4;
        assert!(whole < 32, "seed {seed}: a cut write completed");
        // Past the prefix: one word of anything, then untouched bytes.
        assert!(mem[whole + 4..].iter().all(|&b| b == 0xFF), "seed {seed}: {mem:?}");
    }
}

#[test]
fn partial_erase_resets_a_prefix_of_the_sector() {
    let mut seen_some = false;
    for seed in 0..100 {
        let mut f = SimFlash::<4, 64, 1>::new().with_seed(seed);
        f.set_program_once(false);
        f.write(0, &[0u8; 64]).unwrap();
        f.cut_after(0, CutModel::Partial);
        assert!(f.erase(0, 64).is_err());
        let mem = f.sector(0);
        let erased = mem.iter().take_while(|&&b| b == 0xFF).count();
        assert!(erased < 64);
        assert!(mem[erased..].iter().all(|&b| b == 0), "seed {seed}: {mem:?}");
        seen_some |= erased > 0;
        assert_eq!(f.erase_counts(), &[0]);
    }
    assert!(seen_some);
}

#[test]
fn scatter_write_clears_only_bits_it_was_asked_to() {
    let mut mixed = false;
    for seed in 0..50 {
        let mut f = SimFlash::<4, 64, 1>::new().with_seed(seed);
        let data: [u8; 16] = core::array::from_fn(|i| (i as u8).wrapping_mul(37));
        f.cut_after(0, CutModel::Scatter);
        assert!(f.write(0, &data).is_err());
        for (i, (&got, &want)) in f.sector(0).iter().zip(&data).enumerate() {
            // Each bit is still erased (1) or what was being written: none that should stay 1
            // was cleared.
            assert_eq!(!got & want, 0, "seed {seed} byte {i}: cleared a bit that should stay 1");
        }
        mixed |= f.sector(0)[..16] != data && f.sector(0)[..16].iter().any(|&b| b != 0xFF);
    }
    assert!(mixed);
}

#[test]
fn scatter_erase_resets_some_bytes_and_keeps_others() {
    let mut f = SimFlash::<4, 256, 1>::new().with_seed(3);
    f.write(0, &[0u8; 256]).unwrap();
    f.cut_after(0, CutModel::Scatter);
    assert!(f.erase(0, 256).is_err());
    let erased = f.sector(0).iter().filter(|&&b| b == 0xFF).count();
    assert!(f.sector(0).iter().all(|&b| b == 0 || b == 0xFF));
    assert!(erased > 0 && erased < 256, "{erased}");
}

#[test]
fn same_seed_same_damage() {
    let run = |seed| {
        let mut f = SimFlash::<4, 64, 1>::new().with_seed(seed);
        f.cut_after(0, CutModel::Scatter);
        let _ = f.write(0, &[0u8; 64]);
        *f.sector(0)
    };
    assert_eq!(run(9), run(9));
    assert_ne!(run(9), run(10));
}

#[test]
fn splitmix_reference_values() {
    // First outputs for seed 1234567 from the reference C implementation (prng.di.unimi.it).
    let mut r = SplitMix64::new(1_234_567);
    assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
    assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
    assert_eq!(r.below(0), 0);
}

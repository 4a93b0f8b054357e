//! Key construction agrees with p256 for every key type (`Es256Key`, p256's arithmetic, and
//! `CompactKey`, the compact one): SEC1 uncompressed and compressed, affine coordinates, p256
//! keys, and the same refusals (off-curve points, coordinates not below p, odd encodings).

mod common;

#[cfg(feature = "compact")]
use cotter_jwt::CompactKey;
use cotter_jwt::{Es256Key, JwkError, JwkKey};

/// The constructors of one key type.
struct Constructors<K> {
    from_verifying_key: fn(p256::ecdsa::VerifyingKey) -> K,
    from_sec1_bytes: fn(&[u8]) -> Result<K, JwkError>,
}

const ES256: Constructors<Es256Key> = Constructors {
    from_verifying_key: Es256Key::from_verifying_key,
    from_sec1_bytes: Es256Key::from_sec1_bytes,
};

#[cfg(feature = "compact")]
const COMPACT: Constructors<CompactKey> = Constructors {
    from_verifying_key: CompactKey::from_verifying_key,
    from_sec1_bytes: CompactKey::from_sec1_bytes,
};

/// p = 2^256 - 2^224 + 2^192 + 2^96 - 1, big-endian.
const P: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
];

#[test]
fn every_encoding_of_a_key_gives_the_same_key() {
    every_encoding(&ES256);
    #[cfg(feature = "compact")]
    every_encoding(&COMPACT);
}

#[test]
fn off_curve_and_out_of_range_points_are_refused() {
    refusals(&ES256);
    #[cfg(feature = "compact")]
    refusals(&COMPACT);
}

fn every_encoding<K: JwkKey + PartialEq + core::fmt::Debug>(new: &Constructors<K>) {
    for seed in 0..64u8 {
        let sk = common::signing_key(seed);
        let vk = *sk.verifying_key();
        let uncompressed = vk.to_sec1_point(false);
        let compressed = vk.to_sec1_point(true);
        let x: [u8; 32] = uncompressed.as_bytes()[1..33].try_into().expect("x");
        let y: [u8; 32] = uncompressed.as_bytes()[33..].try_into().expect("y");

        let from_vk = (new.from_verifying_key)(vk);
        assert_eq!(from_vk.coordinates(), (x, y), "seed {seed}");
        for key in [
            (new.from_sec1_bytes)(uncompressed.as_bytes()).expect("uncompressed"),
            (new.from_sec1_bytes)(compressed.as_bytes()).expect("compressed"),
            K::from_coordinates(&x, &y).expect("coordinates"),
        ] {
            assert_eq!(key, from_vk, "seed {seed}");
        }
    }
}

fn refusals<K: JwkKey + core::fmt::Debug>(new: &Constructors<K>) {
    let sk = common::signing_key(3);
    let sec1 = sk.verifying_key().to_sec1_point(false);
    let (x, y): ([u8; 32], [u8; 32]) = (
        sec1.as_bytes()[1..33].try_into().expect("x"),
        sec1.as_bytes()[33..].try_into().expect("y"),
    );

    // y + 1 is off the curve.
    let mut y1 = y;
    y1[31] = y1[31].wrapping_add(1);
    assert_eq!(K::from_coordinates(&x, &y1).err(), Some(JwkError::InvalidPoint));
    // x or y at p or above, even when congruent to a valid coordinate, is not canonical.
    for bad in [P, [0xff; 32]] {
        assert_eq!(K::from_coordinates(&bad, &y).err(), Some(JwkError::InvalidPoint));
        assert_eq!(K::from_coordinates(&x, &bad).err(), Some(JwkError::InvalidPoint));
    }
    // A compressed x for which x³ - 3x + b has no square root: found by asking p256, which
    // must then agree with the build's backend.
    let mut refused = 0;
    for i in 0..32u8 {
        let mut compressed = [0u8; 33];
        compressed[0] = 0x02;
        compressed[32] = i;
        let p256_ok = p256::PublicKey::from_sec1_bytes(&compressed).is_ok();
        assert_eq!((new.from_sec1_bytes)(&compressed).is_ok(), p256_ok, "x = {i}");
        refused += u32::from(!p256_ok);
    }
    assert!(refused > 0, "some small x must have no point");
    // Odd encodings: the identity, a compact or hybrid tag, wrong lengths.
    let mut hybrid = [0u8; 65];
    hybrid.copy_from_slice(sec1.as_bytes());
    hybrid[0] = 0x06;
    for bytes in [&[0u8][..], &hybrid, &sec1.as_bytes()[..64], &[0x02; 34], &[], &[0x05; 33]] {
        assert_eq!(
            (new.from_sec1_bytes)(bytes).err(),
            Some(JwkError::InvalidPoint),
            "{bytes:02x?}"
        );
    }
}

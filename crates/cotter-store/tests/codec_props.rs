//! Property tests of the record codec: round trips, arbitrary input, and that any single bit
//! flip in a record is detected.

use cotter_store::{ErrorKind, MemoryStore, Session, TokenStore, decode, encode, encoded_len};
use proptest::prelude::*;

/// The owned parts of a session, from which a borrowed [`Session`] is built.
#[derive(Debug, Clone)]
struct Parts {
    strings: [String; 6],
    expires_at: u64,
    key: Option<[u8; 32]>,
}

impl Parts {
    fn session(&self) -> Session<'_> {
        let [access, id, refresh, token_type, auth, user] = &self.strings;
        Session {
            access_token: access,
            id_token: id,
            refresh_token: refresh,
            expires_at: self.expires_at,
            token_type,
            auth_method: auth,
            user_id: user,
            device_key: self.key.as_ref(),
        }
    }
}

fn parts() -> impl Strategy<Value = Parts> {
    let token = "\\PC{0,200}";
    let short = "[A-Za-z0-9_\\-é€😀]{0,40}";
    (
        [token, token, token, short, short, short],
        any::<u64>(),
        proptest::option::of(any::<[u8; 32]>()),
    )
        .prop_map(|(strings, expires_at, key)| Parts { strings, expires_at, key })
}

fn encoded(p: &Parts) -> Vec<u8> {
    let s = p.session();
    let mut buf = vec![0u8; encoded_len(&s).expect("strategy stays within limits")];
    encode(&s, &mut buf).expect("buffer has encoded_len bytes");
    buf
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_decode_round_trip(p in parts()) {
        let buf = encoded(&p);
        prop_assert_eq!(decode(&buf).unwrap(), p.session());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_a_valid_frame_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        version in prop_oneof![Just(1u8), any::<u8>()],
        flags in prop_oneof![Just(0u8), Just(1u8), any::<u8>()],
    ) {
        // A frame with the right magic, length and CRC around random content, so decoding gets
        // past the CRC check and into the field parser.
        let mut rec = b"CTSR".to_vec();
        rec.push(version);
        rec.push(flags);
        rec.extend_from_slice(&((10 + body.len() + 4) as u32).to_le_bytes());
        rec.extend_from_slice(&body);
        let crc = cotter_store::crc::crc32(&rec);
        rec.extend_from_slice(&crc.to_le_bytes());
        if let Err(e) = decode(&rec) {
            let expect_unsupported = version != 1 || flags & !1 != 0;
            prop_assert_eq!(e.kind() == ErrorKind::UnsupportedVersion, expect_unsupported);
        }
    }

    #[test]
    fn every_single_bit_flip_is_corrupt(p in parts(), pick in any::<prop::sample::Index>()) {
        let good = encoded(&p);
        let bit = pick.index(good.len() * 8);
        let mut bad = good.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        let err = decode(&bad).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::Corrupt, "bit {} gave {:?}", bit, err);
    }

    #[test]
    fn truncation_and_extension_are_corrupt(p in parts(), cut in any::<prop::sample::Index>(), extra in 1usize..8) {
        let good = encoded(&p);
        let n = cut.index(good.len());
        prop_assert_eq!(decode(&good[..n]).unwrap_err().kind(), ErrorKind::Corrupt);
        let mut long = good.clone();
        long.extend(core::iter::repeat_n(0u8, extra));
        prop_assert_eq!(decode(&long).unwrap_err().kind(), ErrorKind::Corrupt);
    }

    #[test]
    fn memory_store_keeps_the_last_save(ps in proptest::collection::vec(parts(), 1..6)) {
        let mut store = MemoryStore::<2048>::new();
        let mut buf = vec![0u8; 2048];
        for p in &ps {
            store.save(&p.session()).unwrap();
        }
        let last = ps.last().unwrap().session();
        prop_assert_eq!(store.load(&mut buf).unwrap(), Some(last));
    }
}

/// Exhaustive rather than sampled: every bit of one record with a device key.
#[test]
fn every_bit_of_one_record() {
    let p = Parts {
        strings: [
            "a.b.c".into(),
            "d.e.f".into(),
            "1:xyz".into(),
            "Bearer".into(),
            "OTP".into(),
            "u".into(),
        ],
        expires_at: 1_700_000_000,
        key: Some([0x5A; 32]),
    };
    let good = encoded(&p);
    for bit in 0..good.len() * 8 {
        let mut bad = good.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(decode(&bad).unwrap_err().kind(), ErrorKind::Corrupt, "bit {bit}");
    }
}

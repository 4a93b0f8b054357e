//! Head and chunk round trips, and the parsers on arbitrary input.

use super::*;
use proptest::prelude::*;

#[test]
fn head_round_trips_and_names_chunks() {
    let head = Head { bank: Bank::B, parts: 3, generation: 0xDEAD_BEEF, record_len: 300 };
    let mut secret = head.to_bytes().to_vec();
    secret.extend_from_slice(&[7u8; 100]);
    let (parsed, first) = Head::parse(&secret).expect("parse");
    assert_eq!(parsed, head);
    assert_eq!(first, &[7u8; 100][..]);
    assert_eq!(chunk_name("alice", Bank::A, 1), "alice#a1");
    assert_eq!(chunk_name("a#b", Bank::B, 12), "a#b#b12");
    assert_eq!(Bank::A.flip(), Bank::B);
}

#[test]
fn bad_heads_are_rejected() {
    let good = Head { bank: Bank::A, parts: 1, generation: 1, record_len: 4 };
    let mut secret = good.to_bytes().to_vec();
    secret.extend_from_slice(b"abcd");
    assert!(Head::parse(&secret).is_ok());

    let mut v = secret.clone();
    v[4] = 2;
    assert_eq!(Head::parse(&v), Err(FormatError::UnsupportedVersion(2)));
    let mut m = secret.clone();
    m[0] = b'X';
    assert_eq!(Head::parse(&m), Err(FormatError::BadHead));
    let mut b = secret.clone();
    b[5] = 2;
    assert_eq!(Head::parse(&b), Err(FormatError::BadHead));
    // One part, but fewer bytes than the record: truncated.
    assert_eq!(Head::parse(&secret[..secret.len() - 1]), Err(FormatError::BadHead));
    assert_eq!(Head::parse(&secret[..HEAD_LEN - 1]), Err(FormatError::BadHead));
    let mut zero = secret.clone();
    zero[6] = 0;
    assert_eq!(Head::parse(&zero), Err(FormatError::BadHead));
}

#[test]
fn chunks_check_their_generation() {
    let mut c = chunk_header(5).to_vec();
    c.extend_from_slice(b"data");
    assert_eq!(parse_chunk(&c, 5), Ok(&b"data"[..]));
    assert_eq!(parse_chunk(&c, 6), Err(FormatError::StaleChunk));
    assert_eq!(parse_chunk(&c[..3], 5), Err(FormatError::ShortChunk));
}

proptest! {
    #[test]
    fn parsers_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..128),
        g in any::<u32>(),
    ) {
        let _ = Head::parse(&bytes);
        let _ = parse_chunk(&bytes, g);
    }

    #[test]
    fn split_parts_fit_and_rejoin(len in 0usize..6000, chunk_size in 21usize..3000) {
        let record: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let (first, rest) = split(&record, chunk_size);
        let rest: Vec<&[u8]> = rest.collect();
        prop_assert!(HEAD_LEN + first.len() <= chunk_size);
        let fits = |c: &&[u8]| CHUNK_HEADER_LEN + c.len() <= chunk_size && !c.is_empty();
        prop_assert!(rest.iter().all(fits));
        prop_assert_eq!(1 + rest.len(), parts(len, chunk_size));
        let joined: Vec<u8> = core::iter::once(first).chain(rest).flatten().copied().collect();
        prop_assert_eq!(joined, record);
    }

    #[test]
    fn head_round_trips(
        bank in any::<bool>(),
        g in any::<u32>(),
        len in 0usize..3000,
        cap in 1usize..3000,
    ) {
        let record = vec![0xA5u8; len];
        let first = &record[..len.min(cap)];
        let parts = if first.len() == len { 1 } else { 2 };
        let head = Head {
            bank: if bank { Bank::A } else { Bank::B },
            parts,
            generation: g,
            record_len: u32::try_from(len).expect("small"),
        };
        let mut secret = head.to_bytes().to_vec();
        secret.extend_from_slice(first);
        let (parsed, got) = Head::parse(&secret).expect("round trip");
        prop_assert_eq!(parsed, head);
        prop_assert_eq!(got, first);
    }
}

//! The differential test: `Es256Key::verify` (p256's arithmetic), with `compact`
//! `CompactKey::verify` (the compact arithmetic) and, with `prepared`, `PreparedKey` (both profiles) against p256's own
//! `VerifyingKey::verify` on random keys and messages — valid signatures, high-S, one bit
//! flipped, random and edge-valued `r`/`s`, wrong lengths — and on crafted keys for which a
//! valid signature has `x(u1·G + u2·Q) ≥ n`, the rare `r + n` branch. Deterministic per seed.

#[cfg(feature = "prepared")]
use super::Prepared;
use super::hex;
#[cfg(feature = "compact")]
use cotter_jwt::CompactKey;
use cotter_jwt::{Es256Key, JwkKey, Verifier as _};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::ff::PrimeField;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::{FieldBytes, ProjectivePoint, PublicKey, Scalar};
use sha2::Digest;
use std::fmt;

/// A new random key every this many messages (building tables is the slow part in debug).
const KEY_EVERY: u64 = 64;
/// A crafted large-x key every this many messages.
const LARGE_X_EVERY: u64 = 48;

/// Scalars at and around the bounds: 0, 1, 2, (n∓1)/2, n−2, n−1, n, n+1, p−n−1, p−n, p−1, p,
/// 2²⁵⁶−1 (big-endian hex).
const EDGES: [&str; 14] = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000001",
    "0000000000000000000000000000000000000000000000000000000000000002",
    "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8",
    "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a9",
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f",
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550",
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632552",
    "000000000000000000000000000000004319055358e8617b0c46353d039cdaad",
    "000000000000000000000000000000004319055358e8617b0c46353d039cdaae",
    "ffffffff00000001000000000000000000000000fffffffffffffffffffffffe",
    "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
];

/// SplitMix64: small, deterministic, good enough to pick test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn scalar(&mut self) -> Scalar {
        loop {
            let bytes: [u8; 32] = self.bytes(32).try_into().expect("32");
            if let Some(s) = Option::<Scalar>::from(Scalar::from_repr(bytes.into()))
                && s != Scalar::ZERO
            {
                return s;
            }
        }
    }
}

/// What the run did, and every disagreement with the case that caused it.
#[derive(Default)]
pub(crate) struct Report {
    pub(crate) cases: u64,
    pub(crate) accepted: u64,
    pub(crate) keys: u64,
    pub(crate) large_x_accepted: u64,
    pub(crate) disagreements: Vec<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "differential: {} cases over {} keys, {} accepted by p256 (of which {} with x >= n), {} disagreements",
            self.cases,
            self.keys,
            self.accepted,
            self.large_x_accepted,
            self.disagreements.len()
        )
    }
}

struct Subject {
    vk: VerifyingKey,
    key: Es256Key,
    #[cfg(feature = "compact")]
    compact: CompactKey,
    #[cfg(feature = "prepared")]
    prepared: Prepared,
}

impl Subject {
    fn new(vk: &VerifyingKey) -> Self {
        let key = Es256Key::from_verifying_key(*vk);
        Self {
            vk: *vk,
            #[cfg(feature = "compact")]
            compact: CompactKey::from_verifying_key(*vk),
            #[cfg(feature = "prepared")]
            prepared: Prepared::new(&key),
            key,
        }
    }

    /// The verdicts of every verifier under test, by name.
    fn verdicts(&self, msg: &[u8], sig: &[u8]) -> Vec<(&'static str, bool)> {
        let mut out = vec![("Es256Key", self.key.verify(msg, sig).is_ok())];
        #[cfg(feature = "compact")]
        out.push(("CompactKey", self.compact.verify(msg, sig).is_ok()));
        #[cfg(feature = "prepared")]
        {
            let digest: [u8; 32] = sha2::Sha256::digest(msg).into();
            out.push(("server", self.prepared.server.verify(msg, sig).is_ok()));
            out.push(("mcu", self.prepared.mcu.verify(msg, sig).is_ok()));
            out.push(("mcu prehash", self.prepared.mcu.verify_prehash(&digest, sig).is_ok()));
        }
        out
    }

    /// Runs one case through p256 and every verifier under test; returns p256's verdict.
    fn check(&self, report: &mut Report, kind: &str, msg: &[u8], sig: &[u8]) -> bool {
        let reference =
            Signature::from_slice(sig).is_ok_and(|sig| self.vk.verify(msg, &sig).is_ok());
        let verdicts = self.verdicts(msg, sig);
        report.cases += 1;
        report.accepted += u64::from(reference);
        if verdicts.iter().any(|&(_, v)| v != reference) {
            let (x, y) = self.key.coordinates();
            report.disagreements.push(format!(
                "{kind}: key 04{}{} msg {} sig {}: p256 {reference}, {verdicts:?}",
                hexs(&x),
                hexs(&y),
                hexs(msg),
                hexs(sig)
            ));
        }
        reference
    }
}

fn hexs(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn with_half(sig: &[u8; 64], half: usize, value: &[u8]) -> Vec<u8> {
    let mut out = sig.to_vec();
    out[32 * half..32 * half + 32].copy_from_slice(value);
    out
}

/// Runs at least `cases` cases from `seed`.
pub(crate) fn run(cases: u64, seed: u64) -> Report {
    let mut rng = Rng(seed);
    let mut report = Report::default();
    let mut current: Option<(SigningKey, Subject)> = None;
    let mut round = 0u64;
    while report.cases < cases {
        if round.is_multiple_of(KEY_EVERY) || current.is_none() {
            let sk = loop {
                if let Ok(sk) = SigningKey::from_slice(&rng.bytes(32)) {
                    break sk;
                }
            };
            let subject = Subject::new(sk.verifying_key());
            report.keys += 1;
            current = Some((sk, subject));
        }
        if round % LARGE_X_EVERY == LARGE_X_EVERY - 1 {
            large_x(&mut rng, &mut report);
        }
        round += 1;
        let Some((sk, subject)) = current.as_ref() else { unreachable!() };
        let len = rng.below(96) as usize;
        let msg = rng.bytes(len);
        let sig: Signature = sk.sign(&msg);
        let sig: [u8; 64] = sig.to_bytes().into();
        let c =
            |report: &mut Report, kind: &str, m: &[u8], s: &[u8]| subject.check(report, kind, m, s);

        if !c(&mut report, "valid", &msg, &sig) {
            report.disagreements.push(format!("p256 rejected its own signature {}", hexs(&sig)));
        }
        // High-S: (r, n − s) is just as valid (JWS does not normalise S).
        let s = Option::<Scalar>::from(Scalar::from_repr(
            FieldBytes::try_from(&sig[32..]).expect("32 bytes"),
        ));
        let s = s.expect("s < n");
        c(&mut report, "high-s", &msg, &with_half(&sig, 1, &(-s).to_bytes()));
        // One bit flipped in the signature, then in the message.
        let mut flipped = sig;
        let bit = rng.below(512) as usize;
        flipped[bit / 8] ^= 1 << (bit % 8);
        c(&mut report, "sig bit flip", &msg, &flipped);
        let mut m2 = msg.clone();
        if m2.is_empty() {
            m2.push(0);
        } else {
            let bit = rng.below(m2.len() as u64 * 8) as usize;
            m2[bit / 8] ^= 1 << (bit % 8);
        }
        c(&mut report, "msg bit flip", &m2, &sig);
        // Random r || s, and one random half.
        c(&mut report, "random r||s", &msg, &rng.bytes(64));
        let half = rng.below(2) as usize;
        c(&mut report, "random half", &msg, &with_half(&sig, half, &rng.bytes(32)));
        // An edge value in r or s.
        let edge = hex(EDGES[rng.below(EDGES.len() as u64) as usize]);
        c(&mut report, "edge scalar", &msg, &with_half(&sig, rng.below(2) as usize, &edge));
        // r with r + n < p (a random 127-bit r): the second comparison runs, and must fail.
        let mut small = [0u8; 32];
        small[16..].copy_from_slice(&rng.bytes(16));
        small[16] &= 0x3f;
        c(&mut report, "r < p - n", &msg, &with_half(&sig, 0, &small));
        // Wrong lengths.
        let len = [0usize, 32, 63, 65, 72][rng.below(5) as usize];
        let mut odd = sig.to_vec();
        odd.resize(len, 0x5a);
        c(&mut report, "length", &msg, &odd);
    }
    report
}

/// A key for which a valid signature has `x(R) ≥ n`, `r = x(R) − n`: pick R with x = n + t
/// on the curve, then Q = (R − u1·G) / u2 (no discrete log needed). Checks the valid
/// signature, its high-S twin, r + 1, and the unreduced x as r.
fn large_x(rng: &mut Rng, report: &mut Report) {
    let n = hex(EDGES[7]);
    let (r_point, t) = loop {
        let mut t = [0u8; 32];
        t[17..].copy_from_slice(&rng.bytes(15));
        let mut x = [0u8; 33];
        x[0] = 0x02 + (rng.below(2) as u8);
        // x = n + t (no carry past 2²⁵⁶: n + t < p).
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let v = u16::from(n[i]) + u16::from(t[i]) + carry;
            x[1 + i] = v as u8;
            carry = v >> 8;
        }
        if let Ok(point) = PublicKey::from_sec1_bytes(&x) {
            break (point.to_projective(), t);
        }
    };
    let r = Option::<Scalar>::from(Scalar::from_repr(t.into())).expect("t < n");
    let msg = rng.bytes(40);
    let digest: [u8; 32] = sha2::Sha256::digest(&msg).into();
    let e = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(digest));
    let s = rng.scalar();
    let s_inv = Option::<Scalar>::from(s.invert()).expect("s != 0");
    let (u1, u2) = (e * s_inv, r * s_inv);
    let u2_inv = Option::<Scalar>::from(u2.invert()).expect("r != 0");
    let q = (r_point - ProjectivePoint::GENERATOR * u1) * u2_inv;
    let Ok(vk) = VerifyingKey::from_affine(q.to_affine()) else { return };
    let subject = Subject::new(&vk);
    report.keys += 1;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&t);
    sig[32..].copy_from_slice(&s.to_bytes());
    if subject.check(report, "large x valid", &msg, &sig) {
        report.large_x_accepted += 1;
    } else {
        report
            .disagreements
            .push(format!("p256 rejected a crafted large-x signature {}", hexs(&sig)));
    }
    subject.check(report, "large x high-s", &msg, &with_half(&sig, 1, &(-s).to_bytes()));
    subject.check(report, "large x r+1", &msg, &with_half(&sig, 0, &(r + Scalar::ONE).to_bytes()));
    let mut x = sig;
    x[..32].copy_from_slice(&r_point.to_affine().x());
    subject.check(report, "large x unreduced r", &msg, &x);
}

//! ES256 verification in a few KiB of code: this crate's own P-256 arithmetic, behind
//! [`CompactKey`] (feature `compact`), the small and slower alternative to
//! [`crate::Es256Key`]'s p256 arithmetic.
//!
//! A microcontroller that only verifies tokens pays for p256's general-purpose arithmetic
//! (constant-time field and scalar code, safegcd inversion, wNAF tables, SEC1 and DER parsing):
//! about 15 KiB of flash on a Cortex-M3. Verification handles public data only (the key, the
//! message and the signature), so it can be variable-time and small: one Montgomery
//! multiplication routine (one inner loop, FIOS) shared by both moduli, inversion by Fermat's little theorem, Jacobian
//! doubling and mixed addition (the shared formulas of `crate::jacobian`, over [`Fp`]), and a
//! bit-by-bit double-and-add for `u1·G + u2·Q`. The final `x(R) ≡ r (mod n)` is checked
//! projectively (`X = r·Z²` or `X = (r+n)·Z²`), without an inversion.
//!
//! **Variable-time: for verification only.** Never use this code with a private key.
//!
//! It accepts and rejects exactly what p256's verifier does: the Wycheproof vectors
//! (`tests/vectors.rs`), key construction (`tests/keys.rs`) and the differential test against
//! p256 (`tests/prepared.rs`) run over `Es256Key` and `CompactKey` alike, and the
//! `es256_compact` fuzz target compares the two.

mod field;
mod key;

pub use key::CompactKey;

use crate::jacobian::{Field, Jacobian};
use field::{Limbs, Modulus, ONE, ZERO, bit, from_be, is_zero, lt, to_be};

/// The field prime `p = 2^256 - 2^224 + 2^192 + 2^96 - 1` (NIST SP 800-186 § G.1.2), as
/// 32 big-endian bytes.
const P_BE: [u8; 32] = hex(b"ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");

/// The field prime `p` with its Montgomery constants.
pub(crate) static P: Modulus = Modulus::new(&P_BE);

/// The group order `n`.
pub(crate) static N: Modulus =
    Modulus::new(&hex(b"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"));

/// The curve's `b` (and `a = -3`), in Montgomery form (`b·2²⁵⁶ mod p`; the tests check it
/// against `b = 5ac635d8…27d2604b`).
const B_MONT: Limbs =
    from_be(&hex(b"dc30061d04874834e5a220abf7212ed6acf005cd78843090d89cdf6229c4bddf"));

/// The base point `G` in Montgomery form (`G = (6b17d1f2…d898c296, 4fe342e2…37bf51f5)`, NIST
/// SP 800-186 § G.1.2; the tests check the conversion).
static G: Affine = Affine {
    x: Fp(from_be(&hex(b"18905f76a53755c679fb732b7762251075ba95fc5fedb60179e730d418a9143c"))),
    y: Fp(from_be(&hex(b"8571ff1825885d85d2e88688dd21f3258b4ab8e4ba19e45cddf25357ce95560a"))),
};

/// 32 bytes from 64 hexadecimal digits, at compile time.
const fn hex(digits: &[u8; 64]) -> [u8; 32] {
    const fn nibble(d: u8) -> u8 {
        match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => panic!("not a lowercase hexadecimal digit"),
        }
    }
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(digits[2 * i]) << 4) | nibble(digits[2 * i + 1]);
        i += 1;
    }
    out
}

/// An element of the base field in Montgomery form, fully reduced: the field of the shared
/// point formulas (every operation is [`P`]'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fp(Limbs);

impl Field for Fp {
    const ZERO: Self = Self(ZERO);
    #[inline]
    fn one() -> Self {
        Self(*P.one())
    }

    #[inline]
    fn mul(&self, rhs: &Self) -> Self {
        Self(P.mul(&self.0, &rhs.0))
    }

    #[inline]
    fn square(&self) -> Self {
        Self(P.square(&self.0))
    }

    #[inline]
    fn add(&self, rhs: &Self) -> Self {
        Self(P.add(&self.0, &rhs.0))
    }

    #[inline]
    fn sub(&self, rhs: &Self) -> Self {
        Self(P.sub(&self.0, &rhs.0))
    }

    #[inline]
    fn is_zero(&self) -> bool {
        is_zero(&self.0)
    }
}

/// A point in affine coordinates, Montgomery form; never the identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Affine {
    x: Fp,
    y: Fp,
}

/// `x³ - 3x + b` for `x` in Montgomery form.
fn curve_rhs(x: &Limbs) -> Limbs {
    let f = &P;
    let x3 = f.mul(&f.square(x), x);
    let three_x = f.add(&f.add(x, x), x);
    f.add(&f.sub(&x3, &three_x), &B_MONT)
}

/// A validated P-256 public key: a point on the curve, not the identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PublicKey {
    point: Affine,
}

impl PublicKey {
    /// The key with affine coordinates `x`, `y` (32 big-endian bytes each), if they are below
    /// `p` and satisfy the curve equation. (P-256 has cofactor 1: every such point is in the
    /// group.)
    pub(crate) fn from_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Option<Self> {
        let (x, y) = (from_be(x), from_be(y));
        if !lt(&x, P.modulus()) || !lt(&y, P.modulus()) {
            return None;
        }
        let point = Affine { x: Fp(P.mont(&x)), y: Fp(P.mont(&y)) };
        (P.square(&point.y.0) == curve_rhs(&point.x.0)).then_some(Self { point })
    }

    /// The key with coordinates that another implementation has already validated (p256's
    /// `VerifyingKey`), without checking them again.
    pub(crate) fn from_valid_coordinates(x: &[u8; 32], y: &[u8; 32]) -> Self {
        Self { point: Affine { x: Fp(P.mont(&from_be(x))), y: Fp(P.mont(&from_be(y))) } }
    }

    /// The key from a compressed point: `x` and the parity of `y`.
    pub(crate) fn from_compressed(x: &[u8; 32], y_is_odd: bool) -> Option<Self> {
        let x = from_be(x);
        if !lt(&x, P.modulus()) {
            return None;
        }
        let xm = P.mont(&x);
        let rhs = curve_rhs(&xm);
        // p = 3 mod 4: a square root of a square c is c^((p+1)/4).
        let (p_plus_1, _) = field::add(P.modulus(), &ONE);
        let mut exp = ZERO;
        for (i, limb) in exp.iter_mut().enumerate() {
            *limb = (p_plus_1[i] >> 2) | p_plus_1.get(i + 1).map_or(0, |next| next << 30);
        }
        let mut y = P.pow(&rhs, &exp);
        if P.square(&y) != rhs {
            return None;
        }
        if bit(&P.plain(&y), 0) != y_is_odd {
            y = P.sub(&ZERO, &y);
        }
        Some(Self { point: Affine { x: Fp(xm), y: Fp(y) } })
    }

    /// The affine coordinates as 32 big-endian bytes each.
    pub(crate) fn coordinates(&self) -> ([u8; 32], [u8; 32]) {
        (to_be(&P.plain(&self.point.x.0)), to_be(&P.plain(&self.point.y.0)))
    }

    /// Whether `signature` (`r || s`, 32 bytes each) is a valid ECDSA signature of the SHA-256
    /// `digest` under this key. As p256's `verify_prehash`: `r` and `s` in `[1, n)`, high-S
    /// accepted, `e = digest mod n`.
    pub(crate) fn verify_prehash(&self, digest: &[u8; 32], signature: &[u8; 64]) -> bool {
        let mut half = [0u8; 32];
        half.copy_from_slice(&signature[..32]);
        let r = from_be(&half);
        half.copy_from_slice(&signature[32..]);
        let s = from_be(&half);
        if is_zero(&r) || is_zero(&s) || !lt(&r, N.modulus()) || !lt(&s, N.modulus()) {
            return false;
        }
        let e = N.reduce(&from_be(digest));
        let s_inv = N.invert(&N.mont(&s));
        // A plain operand times a Montgomery one: the plain products e/s and r/s.
        let u1 = N.mul(&e, &s_inv);
        let u2 = N.mul(&r, &s_inv);

        let mut acc = Jacobian::<Fp>::IDENTITY;
        for i in (0..256).rev() {
            acc.double_assign();
            if bit(&u1, i) {
                acc.add_affine_assign(&G.x, &G.y);
            }
            if bit(&u2, i) {
                acc.add_affine_assign(&self.point.x, &self.point.y);
            }
        }
        // r < n < p, so r is a field element as it is; r + n is one when below p.
        let (r_plus_n, carry) = field::add(&r, N.modulus());
        let r_plus_n = (!carry && lt(&r_plus_n, P.modulus())).then(|| Fp(P.mont(&r_plus_n)));
        acc.x_matches_mod_n(&Fp(P.mont(&r)), r_plus_n.as_ref())
    }
}

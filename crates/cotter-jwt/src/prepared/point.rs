//! Points of the prepared verifier: affine table entries and Jacobian accumulators on P-256
//! (`y² = x³ − 3x + b`), with the formulas written here over p256's own field arithmetic.
//!
//! The field type is p256's, reached through
//! [`FieldArithmetic`](p256::elliptic_curve::hazmat::FieldArithmetic): its `add`, `sub`,
//! `neg`, `multiply`, `square` and `pow_vartime` are inherent `const fn`s, so the table builder
//! below is `const` too and a generator table can be baked into flash at compile time.
//!
//! Everything here is **variable-time**: it branches on coordinates. It only ever sees public
//! data (keys, messages, signatures).

use p256::NistP256;
use p256::elliptic_curve::hazmat::FieldArithmetic;

/// An element of the P-256 base field (p256's type, Montgomery form inside).
pub(crate) type Fe = <NistP256 as FieldArithmetic>::FieldElement;

/// `1 / a` by Fermat, `a^(p−2)` with the usual P-256 addition chain (255 squarings,
/// 12 multiplications), usable in `const` context; `a` must not be zero.
///
/// `p − 2 = ffffffff 00000001 00000000 00000000 00000000 ffffffff ffffffff fffffffd`.
pub(crate) const fn invert(a: &Fe) -> Fe {
    let x2 = a.square().multiply(a);
    let x3 = x2.square().multiply(a);
    let x6 = x3.sqn_vartime(3).multiply(&x3);
    let x12 = x6.sqn_vartime(6).multiply(&x6);
    let x15 = x12.sqn_vartime(3).multiply(&x3);
    let x30 = x15.sqn_vartime(15).multiply(&x15);
    let x32 = x30.sqn_vartime(2).multiply(&x2);
    // ffffffff 00000001
    let t = x32.sqn_vartime(32).multiply(a);
    // … 00000000 00000000 00000000 ffffffff
    let t = t.sqn_vartime(128).multiply(&x32);
    // … ffffffff
    let t = t.sqn_vartime(32).multiply(&x32);
    // … fffffffd: thirty ones, then 01
    t.sqn_vartime(30).multiply(&x30).sqn_vartime(2).multiply(a)
}

/// A point in affine coordinates; never the identity (tables hold no identity).
#[derive(Clone, Copy)]
pub(crate) struct Affine {
    pub(crate) x: Fe,
    pub(crate) y: Fe,
}

impl Affine {
    /// A placeholder for storage that is about to be filled (not a curve point).
    pub(crate) const ZERO: Self = Self { x: Fe::ZERO, y: Fe::ZERO };

    /// The generator G of NIST SP 800-186 § G.1.2 (checked against p256's in the tests).
    pub(crate) const GENERATOR: Self = Self {
        x: Fe::from_hex_vartime("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"),
        y: Fe::from_hex_vartime("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"),
    };

    /// −self.
    #[cfg(any(not(target_pointer_width = "64"), test))]
    pub(crate) const fn neg(&self) -> Self {
        Self { x: self.x, y: self.y.neg() }
    }
}

/// A point in Jacobian coordinates: affine `(X/Z², Y/Z³)`; `Z = 0` is the identity.
#[derive(Clone, Copy)]
pub(crate) struct Jacobian {
    pub(crate) x: Fe,
    pub(crate) y: Fe,
    pub(crate) z: Fe,
}

impl Jacobian {
    /// The point at infinity (any `Z = 0` is; all zero, as in `crate::jacobian`).
    pub(crate) const IDENTITY: Self = Self { x: Fe::ZERO, y: Fe::ZERO, z: Fe::ZERO };

    pub(crate) const fn from_affine(p: &Affine) -> Self {
        Self { x: p.x, y: p.y, z: Fe::ONE }
    }

    #[cfg(any(not(target_pointer_width = "64"), test))]
    pub(crate) fn is_identity(&self) -> bool {
        bool::from(self.z.is_zero())
    }

    /// 2·self, "dbl-2001-b" for a = −3 (3M + 5S). Correct for every input: the identity
    /// (Z = 0) stays the identity, and P-256 has no point of order 2 (Y is never 0 otherwise).
    pub(crate) const fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.multiply(&gamma);
        let t = self.x.sub(&delta).multiply(&self.x.add(&delta));
        let alpha = t.double().add(&t);
        let beta4 = beta.double().double();
        let x3 = alpha.square().sub(&beta4.double());
        let z3 = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        let gamma2_8 = gamma.square().double().double().double();
        let y3 = alpha.multiply(&beta4.sub(&x3)).sub(&gamma2_8);
        Self { x: x3, y: y3, z: z3 }
    }

    /// self + q (mixed Jacobian + affine, 8M + 3S) **without special cases**: only for
    /// `self ≠ ±q` and `self` not the identity. The table builder meets that by construction;
    /// `Jacobian::add_affine` handles every case.
    pub(crate) const fn add_affine_distinct(&self, q: &Affine) -> Self {
        let z1z1 = self.z.square();
        let u2 = q.x.multiply(&z1z1);
        let s2 = q.y.multiply(&self.z.multiply(&z1z1));
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y);
        self.finish_add(&h, &r)
    }

    /// The common tail of the addition formula, given `H = U2 − X1` and `R = S2 − Y1`.
    const fn finish_add(&self, h: &Fe, r: &Fe) -> Self {
        let hh = h.square();
        let hhh = h.multiply(&hh);
        let v = self.x.multiply(&hh);
        let x3 = r.square().sub(&hhh).sub(&v.double());
        let y3 = r.multiply(&v.sub(&x3)).sub(&self.y.multiply(&hhh));
        let z3 = self.z.multiply(h);
        Self { x: x3, y: y3, z: z3 }
    }

    /// self + q for every input: the identity, `self = q` (a doubling) and `self = −q` (the
    /// identity) are recognised exactly.
    #[cfg(any(not(target_pointer_width = "64"), test))]
    pub(crate) fn add_affine(&self, q: &Affine) -> Self {
        if self.is_identity() {
            return Self::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x.multiply(&z1z1);
        let s2 = q.y.multiply(&self.z.multiply(&z1z1));
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y);
        if bool::from(h.is_zero()) {
            // Same x: either the same point or its negation.
            return if bool::from(r.is_zero()) { self.double() } else { Self::IDENTITY };
        }
        self.finish_add(&h, &r)
    }
}

#[cfg(any(not(target_pointer_width = "64"), test))]
impl super::table::Accumulator for Jacobian {
    const IDENTITY: Self = Self::IDENTITY;

    #[inline]
    fn double(&self) -> Self {
        Self::double(self)
    }

    #[inline]
    fn add(&self, q: &Affine) -> Self {
        self.add_affine(q)
    }

    #[inline]
    fn add_neg(&self, q: &Affine) -> Self {
        self.add_affine(&q.neg())
    }
}

/// Converts `src[..len]` (none the identity) to affine into `dst[offset..offset + len]` with
/// one inversion (Montgomery's trick); `scratch` receives the prefix products.
pub(crate) const fn normalize_batch(
    src: &[Jacobian],
    len: usize,
    dst: &mut [Affine],
    offset: usize,
    scratch: &mut [Fe],
) {
    if len == 0 {
        return;
    }
    scratch[0] = src[0].z;
    let mut i = 1;
    while i < len {
        scratch[i] = scratch[i - 1].multiply(&src[i].z);
        i += 1;
    }
    // `inv` is 1 / (z_0 · … · z_i) as i walks down.
    let mut inv = invert(&scratch[len - 1]);
    let mut i = len;
    while i > 0 {
        i -= 1;
        let z_inv = if i == 0 { inv } else { inv.multiply(&scratch[i - 1]) };
        inv = inv.multiply(&src[i].z);
        dst[offset + i] = src[i].affine_with(&z_inv);
    }
}

impl Jacobian {
    /// The affine point, given `z_inv = 1 / Z` (Z non-zero).
    pub(crate) const fn affine_with(&self, z_inv: &Fe) -> Affine {
        let z_inv2 = z_inv.square();
        Affine { x: self.x.multiply(&z_inv2), y: self.y.multiply(&z_inv2.multiply(z_inv)) }
    }

    /// The affine point; `self` must not be the identity.
    #[cfg(test)]
    pub(crate) const fn affine(&self) -> Affine {
        self.affine_with(&invert(&self.z))
    }
}

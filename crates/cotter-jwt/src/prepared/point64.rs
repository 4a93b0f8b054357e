//! The verifier's accumulator on 64-bit targets: the shared Jacobian formulas of
//! `crate::jacobian` (those of [`super::point`]), over fiat-crypto's formally verified P-256 Montgomery field on 64-bit
//! limbs (`fiat_p256_*`), instead of p256's (a Karatsuba product through crypto-bigint, then
//! its reduction, neither inlined). It runs more instructions but takes less time: `mul_add`
//! of the large-table profile takes 21.8 µs against 27.7 µs on x86-64, and `cargo xtask
//! bench` has a `LargeTableKey` verification at 27.1 µs against 37.9 µs (377 k instructions
//! against 359 k; 0.51 of ring's time against 0.72; 7 December 2026).
//!
//! Both fields keep elements in the Montgomery domain with `R = 2²⁵⁶` and fully reduced, so a
//! table entry's p256 limbs are fiat limbs as they are: the tables stay p256 field elements
//! (built by a `const fn`, so a generator table can be baked into flash) and are read here
//! without conversion. 32-bit targets keep [`super::point::Jacobian`] (no fiat there).
//!
//! **Variable-time**, like the rest of the prepared back end: only public data comes here.

use super::key::{ORDER, P_MINUS_N};
use super::point::{Affine, Fe};
use super::table::Accumulator;
use crate::jacobian::{Field, Jacobian};
use fiat_crypto::p256_64::{
    fiat_p256_add, fiat_p256_montgomery_domain_field_element as Mont, fiat_p256_mul, fiat_p256_opp,
    fiat_p256_set_one, fiat_p256_square, fiat_p256_sub,
};
use p256::FieldBytes;
use p256::elliptic_curve::ff::PrimeField;

/// A field element: four 64-bit limbs, Montgomery form, fully reduced (below p).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct F(pub(crate) [u64; 4]);

impl F {
    /// p256's element as it is (its Montgomery limbs).
    #[inline]
    pub(crate) fn from_fe(fe: &Fe) -> Self {
        Self(primefield::MontyFieldElement::from(*fe).to_montgomery_words())
    }

    /// Back to p256's element (for the tests).
    #[cfg(test)]
    pub(crate) fn to_fe(self) -> Fe {
        Fe::from(primefield::MontyFieldElement::from_montgomery_words(self.0))
    }

    #[inline]
    fn neg(&self) -> Self {
        let mut out = Mont([0; 4]);
        fiat_p256_opp(&mut out, &Mont(self.0));
        Self(out.0)
    }
}

impl Field for F {
    const ZERO: Self = Self([0; 4]);

    #[inline]
    fn one() -> Self {
        const ONE: F = {
            let mut one = Mont([0; 4]);
            fiat_p256_set_one(&mut one);
            F(one.0)
        };
        ONE
    }

    #[inline]
    fn mul(&self, rhs: &Self) -> Self {
        let mut out = Mont([0; 4]);
        fiat_p256_mul(&mut out, &Mont(self.0), &Mont(rhs.0));
        Self(out.0)
    }

    #[inline]
    fn square(&self) -> Self {
        let mut out = Mont([0; 4]);
        fiat_p256_square(&mut out, &Mont(self.0));
        Self(out.0)
    }

    #[inline]
    fn add(&self, rhs: &Self) -> Self {
        let mut out = Mont([0; 4]);
        fiat_p256_add(&mut out, &Mont(self.0), &Mont(rhs.0));
        Self(out.0)
    }

    #[inline]
    fn sub(&self, rhs: &Self) -> Self {
        let mut out = Mont([0; 4]);
        fiat_p256_sub(&mut out, &Mont(self.0), &Mont(rhs.0));
        Self(out.0)
    }

    /// Zero (elements are fully reduced, so only the all-zero limbs are zero).
    #[inline]
    fn is_zero(&self) -> bool {
        self.0 == [0; 4]
    }
}

/// The accumulator: the shared Jacobian point over fiat's field.
pub(crate) type Jacobian64 = Jacobian<F>;

/// Conversions to and from p256's field, for the tests that compare the two accumulators.
#[cfg(test)]
impl Jacobian<F> {
    /// The same point with p256's field.
    pub(crate) fn to_p256_field(self) -> super::point::Jacobian {
        super::point::Jacobian { x: self.x.to_fe(), y: self.y.to_fe(), z: self.z.to_fe() }
    }

    /// `p` with fiat's field.
    pub(crate) fn from_p256_field(p: &super::point::Jacobian) -> Self {
        Self { x: F::from_fe(&p.x), y: F::from_fe(&p.y), z: F::from_fe(&p.z) }
    }
}

impl Accumulator for Jacobian<F> {
    const IDENTITY: Self = Jacobian::IDENTITY;

    #[inline]
    fn double(&self) -> Self {
        let mut p = *self;
        p.double_assign();
        p
    }

    #[inline]
    fn add(&self, q: &Affine) -> Self {
        let mut p = *self;
        p.add_affine_assign(&F::from_fe(&q.x), &F::from_fe(&q.y));
        p
    }

    #[inline]
    fn add_neg(&self, q: &Affine) -> Self {
        let mut p = *self;
        p.add_affine_assign(&F::from_fe(&q.x), &F::from_fe(&q.y).neg());
        p
    }
}

/// Whether the affine x of `point` is ≡ `r` (mod n), for `0 < r < n` big-endian, without
/// inverting Z (as `key::x_matches` on other targets). The identity never matches.
pub(crate) fn x_matches(point: &Jacobian64, r: &[u8; 32]) -> bool {
    let Some(r_fe) = Option::<Fe>::from(Fe::from_repr(FieldBytes::from(*r))) else {
        return false;
    };
    // Big-endian byte arrays compare as the numbers they encode.
    let r_f = F::from_fe(&r_fe);
    let r_plus_n = (*r < P_MINUS_N).then(|| r_f.add(&F::from_fe(&ORDER)));
    point.x_matches_mod_n(&r_f, r_plus_n.as_ref())
}

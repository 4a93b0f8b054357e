//! The point formulas of ECDSA verification on P-256 (`y² = x³ − 3x + b`), written once over
//! [`Field`]: Jacobian doubling, mixed Jacobian + affine addition with every special case, and
//! the projective check `x(R) ≡ r (mod n)`.
//!
//! Two back ends run them: the compact one over its own 32-bit Montgomery field
//! (`compact/field.rs`), and the prepared one on 64-bit targets over fiat-crypto's verified
//! field (`prepared/point64.rs`). The prepared table builder keeps a copy of the doubling and
//! the addition as `const fn`s over p256's field (`prepared/point.rs`), because a generator
//! table is computed at compile time and a trait method cannot be called in `const` context on
//! stable Rust (`const_trait_impl`, rust-lang/rust#143874). On 32-bit targets that `const`
//! copy is also the prepared accumulator, so no third copy reaches flash.
//!
//! **Variable-time**: the formulas branch on coordinates. Only public data (keys, messages,
//! signatures) comes here.

/// The field operations the formulas need. Elements are fully reduced, so equal elements
/// have equal representations (`==` is field equality).
pub(crate) trait Field: Copy + PartialEq {
    /// Zero.
    const ZERO: Self;

    /// One (a function, not a constant: the compact field reads it from its modulus's
    /// `static` instead of keeping a second copy in flash).
    fn one() -> Self;

    /// `self · rhs`.
    fn mul(&self, rhs: &Self) -> Self;
    /// `self²`.
    fn square(&self) -> Self;
    /// `self + rhs`.
    fn add(&self, rhs: &Self) -> Self;
    /// `self − rhs`.
    fn sub(&self, rhs: &Self) -> Self;
    /// Whether `self` is zero.
    fn is_zero(&self) -> bool;

    /// `2 · self`.
    #[inline]
    fn double(&self) -> Self {
        self.add(self)
    }
}

/// A point in Jacobian coordinates: affine `(X/Z², Y/Z³)`; `Z = 0` is the identity.
#[derive(Clone, Copy)]
pub(crate) struct Jacobian<F> {
    pub(crate) x: F,
    pub(crate) y: F,
    pub(crate) z: F,
}

impl<F: Field> Jacobian<F> {
    /// The point at infinity (any `Z = 0` is; all zero, so it takes no constant in flash).
    pub(crate) const IDENTITY: Self = Self { x: F::ZERO, y: F::ZERO, z: F::ZERO };

    /// The affine point `(x, y)`.
    #[inline]
    pub(crate) fn from_affine(x: F, y: F) -> Self {
        Self { x, y, z: F::one() }
    }

    /// Whether this is the point at infinity.
    #[inline]
    pub(crate) fn is_identity(&self) -> bool {
        self.z.is_zero()
    }

    /// `self = 2·self` (EFD `dbl-2001-b` for `a = −3`, 3M + 5S), in place with few
    /// temporaries (a microcontroller's stack counts). Correct for every input: the identity
    /// stays the identity (`Z3 = (Y + 0)² − Y² − 0 = 0`, whatever X and Y), and P-256 has no
    /// point of order two.
    pub(crate) fn double_assign(&mut self) {
        let delta = self.z.square();
        let gamma = self.y.square();
        let mut beta = self.x.mul(&gamma);
        // alpha = 3·(X − delta)·(X + delta)
        let mut alpha = self.x.sub(&delta).mul(&self.x.add(&delta));
        alpha = alpha.double().add(&alpha);
        // Z3 = (Y + Z)² − gamma − delta
        self.z = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        // X3 = alpha² − 8·beta
        beta = beta.double().double();
        self.x = alpha.square().sub(&beta).sub(&beta);
        // Y3 = alpha·(4·beta − X3) − 8·gamma²
        let gamma2_8 = gamma.square().double().double().double();
        self.y = alpha.mul(&beta.sub(&self.x)).sub(&gamma2_8);
    }

    /// `self = self + (x, y)` for an affine point (mixed addition, 8M + 3S), with the cases
    /// the formula does not cover recognised exactly: `self` the identity, `self = q` (a
    /// doubling) and `self = −q` (the identity).
    pub(crate) fn add_affine_assign(&mut self, x: &F, y: &F) {
        if self.is_identity() {
            *self = Self::from_affine(*x, *y);
            return;
        }
        let z1z1 = self.z.square();
        let u2 = x.mul(&z1z1);
        let s2 = y.mul(&self.z.mul(&z1z1));
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y);
        if h.is_zero() {
            // Same x: either the same point (double it, as the `const` copy does, so that
            // both give the same coordinates) or its negation.
            if r.is_zero() {
                self.double_assign();
            } else {
                *self = Self::IDENTITY;
            }
            return;
        }
        let hh = h.square();
        let hhh = h.mul(&hh);
        let v = self.x.mul(&hh);
        let x3 = r.square().sub(&hhh).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&hhh));
        let z3 = self.z.mul(&h);
        *self = Self { x: x3, y: y3, z: z3 };
    }

    /// Whether `x(self) ≡ r (mod n)`, the last step of ECDSA verification, without inverting
    /// `Z`: for `0 < r < n`, `x(self) = X/Z²` is below `p < 2n`, so it is `r` or `r + n`,
    /// i.e. `X = r·Z²` or `X = (r + n)·Z²`. `r_plus_n` is `r + n` as a field element when it
    /// is below `p` (only for `r < p − n ≈ 2¹²⁶`, about 2⁻¹³⁰ of signatures), `None`
    /// otherwise. The identity never matches.
    ///
    /// Not inlined: its temporaries take a frame of their own once the point arithmetic's
    /// deeper frames are gone, instead of widening the caller's (the verify-only firmware's
    /// peak stack: 1 928 B inlined, 1 864 B not, `cargo xtask size`).
    #[inline(never)]
    pub(crate) fn x_matches_mod_n(&self, r: &F, r_plus_n: Option<&F>) -> bool {
        if self.is_identity() {
            return false;
        }
        let z2 = self.z.square();
        r.mul(&z2) == self.x || r_plus_n.is_some_and(|r_plus_n| r_plus_n.mul(&z2) == self.x)
    }
}

/// The group law's special cases, for each field the formulas run over: `from_bytes` makes a
/// field element of 32 big-endian bytes (below p), `to_bytes` gives a point's affine
/// coordinates (`None` for the identity). Expected points come from p256.
#[cfg(test)]
pub(crate) fn check_group_law<F: Field>(
    from_bytes: impl Fn(&[u8; 32]) -> F,
    to_bytes: impl Fn(&Jacobian<F>) -> Option<([u8; 32], [u8; 32])>,
) {
    use p256::ProjectivePoint;
    use p256::elliptic_curve::point::AffineCoordinates;

    let multiple = |k: u64| -> ([u8; 32], [u8; 32]) {
        let point = (ProjectivePoint::GENERATOR * p256::Scalar::from(k)).to_affine();
        (point.x().into(), point.y().into())
    };
    let affine = |k: u64| -> (F, F) {
        let (x, y) = multiple(k);
        (from_bytes(&x), from_bytes(&y))
    };
    let neg = |(x, y): (F, F)| (x, F::ZERO.sub(&y));
    let add = |p: &Jacobian<F>, (x, y): (F, F)| {
        let mut sum = *p;
        sum.add_affine_assign(&x, &y);
        sum
    };

    // 2·(5G) = 10G from Z = 1; then Z ≠ 1 from here on.
    let mut ten = Jacobian::from_affine(affine(5).0, affine(5).1);
    ten.double_assign();
    assert_eq!(to_bytes(&ten), Some(multiple(10)), "2P");
    let nine = add(&ten, neg(affine(1)));
    assert_eq!(to_bytes(&nine), Some(multiple(9)), "P + Q");
    assert_eq!(to_bytes(&add(&nine, affine(9))), Some(multiple(18)), "P + P");
    assert!(add(&nine, neg(affine(9))).is_identity(), "P + (−P)");
    let identity = Jacobian::<F>::IDENTITY;
    assert_eq!(to_bytes(&add(&identity, affine(9))), Some(multiple(9)), "O + P");
    let mut twice = identity;
    twice.double_assign();
    assert!(twice.is_identity(), "2·O");
    // x(9G) mod n: r = x(9G) matches (r + n is offered and must not be needed).
    let (x9, _) = multiple(9);
    let r = from_bytes(&x9);
    assert!(nine.x_matches_mod_n(&r, None), "x(R) = r");
    assert!(!ten.x_matches_mod_n(&r, None), "x(R) ≠ r");
    assert!(nine.x_matches_mod_n(&from_bytes(&multiple(1).0), Some(&r)), "x(R) = r + n");
    assert!(!identity.x_matches_mod_n(&r, Some(&r)), "O");
}

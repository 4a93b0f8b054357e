//! Unit tests of the prepared verifier's internals: point formulas against p256, the table
//! contents, the recoding, and the `x ≡ r (mod n)` comparison on crafted Jacobian points.

use super::key::x_matches;
use super::point::{Affine, Fe, Jacobian};
#[cfg(target_pointer_width = "64")]
use super::point64::{F, Jacobian64};
use super::table::{Table, mul_add, recode};
use super::{LargeGeneratorTable, SmallGeneratorTable};
#[cfg(target_pointer_width = "64")]
use crate::jacobian::Field;
use p256::elliptic_curve::Group;
use p256::elliptic_curve::ff::PrimeField;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

fn fe(hex: &str) -> Fe {
    Fe::from_hex_vartime(hex)
}

fn from_p256(p: &AffinePoint) -> Affine {
    Affine {
        x: Option::from(Fe::from_repr(p.x())).expect("x"),
        y: Option::from(Fe::from_repr(p.y())).expect("y"),
    }
}

fn same(a: &Jacobian, b: &ProjectivePoint) -> bool {
    let b = b.to_affine();
    if a.is_identity() || bool::from(b.is_identity()) {
        return a.is_identity() == bool::from(b.is_identity());
    }
    let a = a.affine();
    let b = from_p256(&b);
    a.x == b.x && a.y == b.y
}

/// `u1·G + u2·Q` with p256's field, checked against fiat's on 64-bit targets (the same
/// point, up to the choice of Z: both run the same formulas on the same inputs, so the same Z).
fn mul_add_both<const W: usize, const S: usize, const N: usize>(
    g: &Table<W, S, N>,
    u1: &[u8; 32],
    q: &Table<W, S, N>,
    u2: &[u8; 32],
) -> Jacobian {
    let got: Jacobian = mul_add(g, u1, q, u2);
    #[cfg(target_pointer_width = "64")]
    {
        let got64 = mul_add::<Jacobian64, W, S, N>(g, u1, q, u2).to_p256_field();
        assert!(got64.x == got.x && got64.y == got.y && got64.z == got.z, "fiat and p256 agree");
    }
    got
}

/// [`x_matches`], checked against fiat's on 64-bit targets.
fn matches(point: &Jacobian, r: &[u8; 32]) -> bool {
    let got = x_matches(point, r);
    #[cfg(target_pointer_width = "64")]
    assert_eq!(super::point64::x_matches(&Jacobian64::from_p256_field(point), r), got);
    got
}

fn scalar(k: u64) -> Scalar {
    Scalar::from(k)
}

#[test]
fn inversion_chain() {
    for a in
        [Fe::ONE, Fe::from_u64(2), Fe::from_u64(3).neg(), Affine::GENERATOR.x, Affine::GENERATOR.y]
    {
        assert!(super::point::invert(&a).multiply(&a) == Fe::ONE);
    }
    let a = Affine::GENERATOR.y;
    assert!(super::point::invert(&a) == Option::<Fe>::from(a.invert()).expect("non-zero"));
}

/// The table the compiler builds (`static`) equals the one built at run time.
#[test]
fn baked_generator_table_equals_runtime_table() {
    #[allow(long_running_const_eval, reason = "the point of the test")]
    static BAKED: SmallGeneratorTable = SmallGeneratorTable::new();
    let runtime = SmallGeneratorTable::new();
    for i in 0..128 {
        let (a, b) = (BAKED.table().point(i), runtime.table().point(i));
        assert!(a.x == b.x && a.y == b.y, "entry {i}");
    }
}

#[test]
fn generator_matches_p256() {
    let g = from_p256(&AffinePoint::GENERATOR);
    assert!(g.x == Affine::GENERATOR.x && g.y == Affine::GENERATOR.y);
}

#[test]
fn formulas_match_p256() {
    let g = ProjectivePoint::GENERATOR;
    let ga = Affine::GENERATOR;
    let j1 = Jacobian::from_affine(&ga);
    assert!(same(&j1.double(), &g.double()));
    // 3G = 2G + G, mixed.
    let two = j1.double();
    assert!(same(&two.add_affine_distinct(&ga), &(g * scalar(3))));
    assert!(same(&two.add_affine(&ga), &(g * scalar(3))));
    // Special cases: P + P, P + (−P), O + P, O doubled.
    let g5 = from_p256(&(g * scalar(5)).to_affine());
    let j5 = Jacobian::from_affine(&g5).double().add_affine(&ga.neg()); // 10G − G = 9G
    assert!(same(&j5, &(g * scalar(9))));
    let nine = from_p256(&(g * scalar(9)).to_affine());
    assert!(same(&j5.add_affine(&nine), &(g * scalar(18))), "P + P through add_affine");
    assert!(j5.add_affine(&nine.neg()).is_identity(), "P + (−P)");
    assert!(same(&Jacobian::IDENTITY.add_affine(&nine), &(g * scalar(9))), "O + P");
    assert!(Jacobian::IDENTITY.double().is_identity(), "2·O");
}

#[test]
fn recoding_reconstructs_the_scalar() {
    let cases = [
        [0u8; 32],
        [0xff; 32],
        {
            let mut k = [0u8; 32];
            k[31] = 1;
            k
        },
        {
            let mut k = [0x80u8; 32];
            k[0] = 0x7f;
            k
        },
    ];
    for w in 1..=8usize {
        let windows = 256usize.div_ceil(w) + 3;
        for k in &cases {
            let mut digits = [0i16; 264];
            recode(k, w, windows, &mut digits);
            // Σ dᵢ·2^(w·i) as a scalar mod n must equal k mod n.
            let two_w = Scalar::from(1u64 << w);
            let mut acc = Scalar::ZERO;
            for (i, &d) in digits[..windows].iter().enumerate().rev() {
                acc *= two_w;
                let m = Scalar::from(u64::from(d.unsigned_abs()));
                acc = if d < 0 { acc - m } else { acc + m };
                let top = if i + 1 == windows { 1 } else { 0 };
                assert!(d >= -(1i16 << (w - 1)) && d < (1i16 << (w - 1)) + top);
            }
            let expect = <Scalar as p256::elliptic_curve::ops::Reduce<FieldBytes>>::reduce(
                &FieldBytes::from(*k),
            );
            assert_eq!(acc, expect, "w = {w}, k = {k:02x?}");
        }
        // Exactly the windows of 256 bits: the top digit takes the carry for any k < 2²⁵⁵.
        let windows = 256usize.div_ceil(w);
        for k in [[0x7f; 32], [0x7fu8, 0xff, 0xff, 0xff].repeat(8).try_into().expect("32")] {
            let mut digits = [0i16; 264];
            recode(&k, w, windows, &mut digits);
            let mut acc = Scalar::ZERO;
            for &d in digits[..windows].iter().rev() {
                acc *= Scalar::from(1u64 << w);
                let m = Scalar::from(u64::from(d.unsigned_abs()));
                acc = if d < 0 { acc - m } else { acc + m };
            }
            let expect = <Scalar as p256::elliptic_curve::ops::Reduce<FieldBytes>>::reduce(
                &FieldBytes::from(k),
            );
            assert_eq!(acc, expect, "w = {w}, k = {k:02x?}, exact windows");
            assert!(digits[windows - 1] <= 1i16 << (w - 1), "top digit in range");
        }
    }
}

fn check_mul_add<const W: usize, const S: usize, const N: usize>() {
    let mut g = Table::<W, S, N>::PLACEHOLDER;
    g.fill::<32>(&Affine::GENERATOR);
    let q_point = ProjectivePoint::GENERATOR * scalar(0x1234_5678_9abc);
    let mut q = Table::<W, S, N>::PLACEHOLDER;
    q.fill::<7>(&from_p256(&q_point.to_affine()));
    let n_minus_1 = -Scalar::ONE;
    let scalars = [
        Scalar::ZERO,
        Scalar::ONE,
        scalar(2),
        n_minus_1,
        n_minus_1 - Scalar::ONE,
        scalar(0xdead_beef) * n_minus_1,
        Scalar::from_u128(u128::MAX),
    ];
    for a in &scalars {
        for b in &scalars {
            let got = mul_add_both(&g, &a.to_bytes().into(), &q, &b.to_bytes().into());
            let want = ProjectivePoint::GENERATOR * a + q_point * b;
            assert!(same(&got, &want), "W={W} S={S}: {a:?} {b:?}");
        }
    }
    // u1·G + u2·Q = O and = 2Q-style collisions: Q = c·G, so (−c·u2)·G + u2·Q = O.
    let c = scalar(0x1234_5678_9abc);
    let got = mul_add_both(&g, &(-c).to_bytes().into(), &q, &Scalar::ONE.to_bytes().into());
    assert!(got.is_identity());
    let got = mul_add_both(&g, &c.to_bytes().into(), &q, &Scalar::ONE.to_bytes().into());
    assert!(same(&got, &(q_point.double())));
}

#[test]
fn mul_add_matches_p256_for_several_profiles() {
    check_mul_add::<8, 1, 4096>();
    check_mul_add::<4, 4, 128>();
    check_mul_add::<4, 1, 512>();
    check_mul_add::<5, 2, 416>();
    check_mul_add::<1, 4, 64>();
    check_mul_add::<3, 8, 44>();
    check_mul_add::<7, 1, 2368>();
}

#[test]
fn tables_hold_the_right_multiples() {
    let t = SmallGeneratorTable::new();
    let _ = LargeGeneratorTable::BYTES;
    let g = ProjectivePoint::GENERATOR;
    // Sub-table t, entry j−1 is j·2^(W·S·t)·G with W·S = 16.
    for (sub, j) in [(0usize, 1u64), (0, 8), (3, 5), (15, 8)] {
        let mut k = Scalar::from(j);
        for _ in 0..16 * sub {
            k = k.double();
        }
        let want = from_p256(&(g * k).to_affine());
        let got = t.table().point(sub * 8 + (j as usize) - 1);
        assert!(got.x == want.x && got.y == want.y, "sub-table {sub}, {j}");
    }
}

/// Crafted (X, Z) for the final comparison: x = X/Z² equal to r, to r + n, near p.
#[test]
fn x_comparison_without_inversion() {
    let z = fe("1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001");
    let z2 = z.square();
    let point = |x: &Fe| Jacobian { x: x.multiply(&z2), y: Fe::ONE, z };
    let be = |hex: &str| -> [u8; 32] {
        let mut out = [0u8; 32];
        for i in 0..32 {
            out[i] = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
        }
        out
    };
    let n = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
    // r small, x = r: match; x = r + 1: no match.
    let r = be("0000000000000000000000000000000000000000000000000000000000000005");
    assert!(matches(&point(&Fe::from_u64(5)), &r));
    assert!(!matches(&point(&Fe::from_u64(6)), &r));
    // x = r + n with r + n < p: match (the rare branch).
    let x = Fe::from_u64(5).add(&fe(n));
    assert!(matches(&point(&x), &r));
    // Largest r with r + n < p: r = p − n − 1, x = p − 1.
    let r_max = be("000000000000000000000000000000004319055358e8617b0c46353d039cdaad");
    let p_minus_1 = fe("ffffffff00000001000000000000000000000000fffffffffffffffffffffffe");
    assert!(matches(&point(&p_minus_1), &r_max));
    // r = p − n: r + n = p ≡ 0; x = 0 must NOT match (r + n is not a field element).
    let r_edge = be("000000000000000000000000000000004319055358e8617b0c46353d039cdaae");
    assert!(!matches(&point(&Fe::ZERO), &r_edge));
    // r = p − n + 1: r + n ≡ 1; x = 1 must not match either.
    let r_edge1 = be("000000000000000000000000000000004319055358e8617b0c46353d039cdaaf");
    assert!(!matches(&point(&Fe::ONE), &r_edge1));
    // ...but x = r itself does.
    let x_edge1 = fe("000000000000000000000000000000004319055358e8617b0c46353d039cdaaf");
    assert!(matches(&point(&x_edge1), &r_edge1));
    // Large r (n − 1): only x = r matches; r + n ≥ p is never tried.
    let r_big = be("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550");
    let x_big = fe("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550");
    assert!(matches(&point(&x_big), &r_big));
    assert!(!matches(&point(&x_big.add(&Fe::ONE)), &r_big));
    // The identity never matches, whatever X is.
    let mut identity = point(&Fe::from_u64(5));
    identity.z = Fe::ZERO;
    assert!(!matches(&identity, &r));
    assert!(!matches(&Jacobian { x: Fe::ZERO, y: Fe::ONE, z: Fe::ZERO }, &be(n)));
    // Different Z for the same affine x still matches.
    let z_other = fe("00000000000000000000000000000000000000000000000000000000000000ff");
    let p2 = Jacobian { x: Fe::from_u64(5).multiply(&z_other.square()), y: Fe::ONE, z: z_other };
    assert!(matches(&p2, &r));
    // Sanity of the constant: (p − n) + n ≡ 0 (mod p).
    assert!(bool::from(
        fe("000000000000000000000000000000004319055358e8617b0c46353d039cdaae")
            .add(&fe(n))
            .is_zero()
    ));
}

/// Both binary inversions (32-bit limbs, and 64-bit ones on 64-bit targets), which must agree.
fn invert_both(a: &[u8; 32]) -> Option<[u8; 32]> {
    let got = super::scalar::limbs32::invert_vartime(a);
    #[cfg(target_pointer_width = "64")]
    assert_eq!(super::scalar::limbs64::invert_vartime(a), got, "32- and 64-bit limbs");
    got
}

#[test]
fn scalar_inversion_matches_p256() {
    let n_minus_1 = -Scalar::ONE;
    for a in [
        Scalar::ONE,
        scalar(2),
        scalar(3),
        n_minus_1,
        n_minus_1 - Scalar::ONE,
        scalar(0xdead_beef) * n_minus_1,
        Scalar::from_u128(u128::MAX),
        scalar(0x1234_5678).invert().expect("non-zero"),
    ] {
        let want: [u8; 32] = a.invert().expect("non-zero").to_bytes().into();
        let got = invert_both(&a.to_bytes().into());
        assert_eq!(got, Some(want));
    }
    assert_eq!(invert_both(&[0; 32]), None);
    let order: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc,
        0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
    ];
    assert_eq!(invert_both(&order), None, "n itself");
}

proptest::proptest! {
    /// The binary inversions against p256's on random scalars.
    #[test]
    fn scalar_inversion_matches_p256_on_random_scalars(bytes in proptest::array::uniform32(0u8..)) {
        let a = <Scalar as p256::elliptic_curve::ops::Reduce<FieldBytes>>::reduce(
            &FieldBytes::from(bytes),
        );
        let got = invert_both(&a.to_bytes().into());
        let want = Option::<Scalar>::from(a.invert()).map(|i| <[u8; 32]>::from(i.to_bytes()));
        proptest::prop_assert_eq!(got, want);
    }
}

/// fiat's field on p256's limbs: the same elements, the same products (64-bit targets).
#[cfg(target_pointer_width = "64")]
#[test]
fn fiat_field_reads_p256_limbs() {
    assert!(F::one().to_fe() == Fe::ONE);
    assert!(F::from_fe(&Fe::ONE) == F::one());
    assert!(F::from_fe(&Fe::ZERO) == F::ZERO);
    let a = fe("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
    let b = fe("ffffffff00000001000000000000000000000000fffffffffffffffffffffffe");
    assert!(F::from_fe(&a).to_fe() == a);
    // Through a doubling and an addition: squares, products, sums, differences, negation.
    let p = Jacobian::from_affine(&Affine::GENERATOR).double();
    let p64 = Jacobian64::from_p256_field(&p);
    let q = Affine { x: a.multiply(&b), y: b.square() };
    let want = p.add_affine(&q.neg());
    let got = <Jacobian64 as super::table::Accumulator>::add_neg(&p64, &q).to_p256_field();
    assert!(got.x == want.x && got.y == want.y && got.z == want.z);
}

/// The shared point formulas over fiat's field: the group law's special cases against p256.
#[cfg(target_pointer_width = "64")]
#[test]
fn shared_formulas_over_fiat_field() {
    crate::jacobian::check_group_law(
        |bytes| F::from_fe(&Option::<Fe>::from(Fe::from_repr((*bytes).into())).expect("below p")),
        |point| {
            if point.is_identity() {
                return None;
            }
            let affine = point.to_p256_field().affine();
            Some((affine.x.to_repr().into(), affine.y.to_repr().into()))
        },
    );
}

use super::*;
use crate::compact::{N, P};
use proptest::prelude::*;

/// `a * b mod m` the slow, obvious way: a schoolbook 512-bit product, then long division bit by
/// bit. Independent of the Montgomery code it checks.
fn mulmod_ref(a: &Limbs, b: &Limbs, m: &Limbs) -> Limbs {
    let mut prod = [0u32; 16];
    for i in 0..8 {
        let mut carry = 0u64;
        for j in 0..8 {
            let s = u64::from(prod[i + j]) + u64::from(a[i]) * u64::from(b[j]) + carry;
            prod[i + j] = s as u32;
            carry = s >> 32;
        }
        prod[i + 8] = carry as u32;
    }
    let mut r = ZERO;
    for i in (0..512).rev() {
        // r = 2r + bit, then subtract m if r >= m (r < 2m < 2^257: track the top bit).
        let top = r[7] >> 31;
        let mut shifted = ZERO;
        for k in (0..8).rev() {
            shifted[k] = (r[k] << 1) | if k > 0 { r[k - 1] >> 31 } else { 0 };
        }
        shifted[0] |= (prod[i / 32] >> (i % 32)) & 1;
        r = if top == 1 || !lt(&shifted, m) { sub(&shifted, m).0 } else { shifted };
    }
    r
}

fn below(m: &Limbs) -> impl Strategy<Value = Limbs> {
    let m = *m;
    prop::array::uniform8(any::<u32>()).prop_map(move |a| {
        let mut a = a;
        // Make the edges likely: all-ones and zeros limbs, then bring below m.
        while !lt(&a, &m) {
            a = sub(&a, &m).0;
        }
        a
    })
}

fn moduli() -> [&'static Modulus; 2] {
    [&P, &N]
}

#[test]
fn constants_match_their_definitions() {
    for m in moduli() {
        // m0inv: m * m0inv == -1 mod 2^32.
        assert_eq!(m.modulus()[0].wrapping_mul(m.m0inv), u32::MAX);
        // one = R mod m: R - m, as R fits m once.
        assert_eq!(add(&m.one, m.modulus()), (ZERO, true));
        // r2 = R^2 mod m: Montgomery-multiplying one by r2 gives R * R / R = R.
        assert_eq!(m.mul(&ONE, &m.r2), m.one);
        assert_eq!(m.plain(&m.one), ONE);
    }
    // Known values: -p^-1 mod 2^32 is 1 (p = -1 mod 2^32), and n's from the P-256 literature.
    assert_eq!(P.m0inv, 1);
    assert_eq!(N.m0inv, 0xee00_bc4f);
}

#[test]
fn edge_values() {
    for m in moduli() {
        let max = sub(m.modulus(), &ONE).0;
        for (a, b) in [(ZERO, ZERO), (ONE, max), (max, max), (ZERO, max), (ONE, ONE)] {
            let got = m.plain(&m.mul(&m.mont(&a), &m.mont(&b)));
            assert_eq!(got, mulmod_ref(&a, &b, m.modulus()));
        }
        assert_eq!(m.add(&max, &ONE), ZERO);
        assert_eq!(m.sub(&ZERO, &ONE), max);
        assert_eq!(m.invert(&ZERO), ZERO);
        assert_eq!(m.reduce(m.modulus()), ZERO);
        assert_eq!(m.reduce(&[u32::MAX; 8]), sub(&[u32::MAX; 8], m.modulus()).0);
    }
}

#[test]
fn bytes_round_trip() {
    let mut be = [0u8; 32];
    for (i, b) in be.iter_mut().enumerate() {
        *b = i as u8;
    }
    let a = from_be(&be);
    assert_eq!(a[7], 0x0001_0203);
    assert_eq!(a[0], 0x1c1d_1e1f);
    assert_eq!(to_be(&a), be);
}

proptest! {
    #[test]
    fn mul_matches_reference_mod_p(a in below(P.modulus()), b in below(P.modulus())) {
        let got = P.plain(&P.mul(&P.mont(&a), &P.mont(&b)));
        prop_assert_eq!(got, mulmod_ref(&a, &b, P.modulus()));
    }

    #[test]
    fn mul_matches_reference_mod_n(a in below(N.modulus()), b in below(N.modulus())) {
        let got = N.plain(&N.mul(&N.mont(&a), &N.mont(&b)));
        prop_assert_eq!(got, mulmod_ref(&a, &b, N.modulus()));
        // A plain operand times a Montgomery one gives the plain product (the verifier's u1, u2).
        prop_assert_eq!(N.mul(&a, &N.mont(&b)), mulmod_ref(&a, &b, N.modulus()));
    }

    #[test]
    fn add_sub_invert(a in below(P.modulus()), b in below(P.modulus())) {
        for m in moduli() {
            let (a, b) = (m.reduce(&a), m.reduce(&b));
            prop_assert_eq!(m.sub(&m.add(&a, &b), &b), a);
            let am = m.mont(&a);
            if !is_zero(&a) {
                prop_assert_eq!(m.mul(&am, &m.invert(&am)), *m.one());
            }
        }
    }
}

#[test]
fn montgomery_constants_of_the_curve() {
    let hex = |s: &[u8; 64]| from_be(&crate::compact::hex(s));
    let gx = hex(b"6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
    let gy = hex(b"4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
    let b = hex(b"5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b");
    assert_eq!(P.mont(&gx), crate::compact::G.x.0);
    assert_eq!(P.mont(&gy), crate::compact::G.y.0);
    assert_eq!(P.mont(&b), crate::compact::B_MONT);
    // The shared formulas' one and zero are P's.
    use crate::jacobian::Field;
    assert_eq!(crate::compact::Fp::one().0, P.mont(&ONE));
    assert_eq!(crate::compact::Fp::ZERO.0, P.mont(&ZERO));
}

/// The shared point formulas over this field: the group law's special cases against p256.
#[test]
fn shared_formulas_over_the_compact_field() {
    use crate::compact::Fp;
    crate::jacobian::check_group_law(
        |bytes| Fp(P.mont(&from_be(bytes))),
        |point| {
            if point.is_identity() {
                return None;
            }
            let z_inv = P.invert(&point.z.0);
            let z_inv2 = P.square(&z_inv);
            let x = P.mul(&point.x.0, &z_inv2);
            let y = P.mul(&point.y.0, &P.mul(&z_inv2, &z_inv));
            Some((to_be(&P.plain(&x)), to_be(&P.plain(&y))))
        },
    );
}

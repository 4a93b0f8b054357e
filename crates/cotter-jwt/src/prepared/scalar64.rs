//! `s⁻¹ mod n` for the verifier on 64-bit targets: the binary extended Euclidean algorithm of
//! `scalar.rs` on four 64-bit limbs. Variable-time (the signature is public).

/// A 256-bit number, least significant limb first.
type Limbs = [u64; 4];

/// The group order `n`.
const ORDER: Limbs =
    [0xf3b9_cac2_fc63_2551, 0xbce6_faad_a717_9e84, 0xffff_ffff_ffff_ffff, 0xffff_ffff_0000_0000];

const ONE: Limbs = [1, 0, 0, 0];
const ZERO: Limbs = [0; 4];

/// The number of 32 big-endian bytes.
fn from_be(bytes: &[u8; 32]) -> Limbs {
    let mut out = ZERO;
    for (limb, chunk) in out.iter_mut().zip(bytes.rchunks_exact(8)) {
        let mut be = [0u8; 8];
        be.copy_from_slice(chunk);
        *limb = u64::from_be_bytes(be);
    }
    out
}

/// The 32 big-endian bytes of a number.
fn to_be(a: &Limbs) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (limb, chunk) in a.iter().zip(out.rchunks_exact_mut(8)) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// `a − b` in place, returning the borrow out.
#[inline]
fn sub_assign(a: &mut Limbs, b: &Limbs) -> bool {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        *x = d;
        borrow = b1 | b2;
    }
    borrow
}

/// `a + b` in place (the carry out is dropped: the callers' sums wrap back below 2²⁵⁶).
#[inline]
fn add_assign(a: &mut Limbs, b: &Limbs) {
    let mut carry = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (s, c1) = x.overflowing_add(y);
        let (s, c2) = s.overflowing_add(u64::from(carry));
        *x = s;
        carry = c1 | c2;
    }
}

/// `−n⁻¹ mod 2⁶⁴`, by Newton's iteration (each step doubles the correct low bits; `n` is
/// correct to 3 bits as its own inverse).
const N0_NEG_INV: u64 = {
    let mut inv = ORDER[0];
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(ORDER[0].wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
};

/// `a >> t` for `1 ≤ t ≤ 63`, with `top`'s low `t` bits shifted in at the top.
#[inline]
fn shr(a: &mut Limbs, t: u32, top: u64) {
    for i in 0..4 {
        let next = if i < 3 { a[i + 1] } else { top };
        a[i] = (a[i] >> t) | (next << (64 - t));
    }
}

/// `x / 2^t mod n` for `x < n` and `1 ≤ t ≤ 63`: `x + m·n` with `m < 2^t` chosen to make it a
/// multiple of `2^t` (below `2^t·n`), shifted down; the result is below `n`.
#[inline]
fn div_pow2_mod(x: &mut Limbs, t: u32) {
    let m = x[0].wrapping_mul(N0_NEG_INV) & ((1 << t) - 1);
    let mut carry = 0u128;
    for (xi, &ni) in x.iter_mut().zip(&ORDER) {
        let s = u128::from(*xi) + u128::from(m) * u128::from(ni) + carry;
        #[allow(clippy::cast_possible_truncation, reason = "the low 64 bits")]
        {
            *xi = s as u64;
        }
        carry = s >> 64;
    }
    #[allow(clippy::cast_possible_truncation, reason = "x + m·n < 2^320")]
    shr(x, t, carry as u64);
}

/// Removes the factors 2 of `a` (odd afterwards, for `a ≠ 0`), dividing `x` by as many mod `n`.
#[inline]
fn make_odd(a: &mut Limbs, x: &mut Limbs) {
    loop {
        let t = a[0].trailing_zeros().min(63);
        if t == 0 {
            return;
        }
        shr(a, t, 0);
        div_pow2_mod(x, t);
    }
}

/// `x − y mod n` for `x, y < n`, into `x`.
#[inline]
fn sub_mod(x: &mut Limbs, y: &Limbs) {
    if sub_assign(x, y) {
        add_assign(x, &ORDER);
    }
}

/// Whether `a ≥ b`.
#[inline]
fn ge(a: &Limbs, b: &Limbs) -> bool {
    for i in (0..4).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// `a⁻¹ mod n` for `0 < a < n` (32 big-endian bytes each way); `None` for zero or `a ≥ n`.
///
/// Binary extended Euclid (Hankerson, Menezes, Vanstone, *Guide to Elliptic Curve
/// Cryptography*, algorithm 2.22), keeping `x1·a ≡ u` and `x2·a ≡ v (mod n)` while `u` and `v`
/// shrink to `gcd(a, n) = 1`.
pub(crate) fn invert_vartime(a: &[u8; 32]) -> Option<[u8; 32]> {
    let mut u = from_be(a);
    if u == ZERO || ge(&u, &ORDER) {
        return None;
    }
    let mut v = ORDER;
    let (mut x1, mut x2) = (ONE, ZERO);
    while u != ONE && v != ONE {
        make_odd(&mut u, &mut x1);
        make_odd(&mut v, &mut x2);
        if ge(&u, &v) {
            sub_assign(&mut u, &v);
            sub_mod(&mut x1, &x2);
        } else {
            sub_assign(&mut v, &u);
            sub_mod(&mut x2, &x1);
        }
    }
    Some(to_be(if u == ONE { &x1 } else { &x2 }))
}

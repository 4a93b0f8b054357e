//! `s⁻¹ mod n` for the verifier on 32-bit targets, by the binary extended Euclidean algorithm
//! on eight 32-bit limbs: variable-time (the signature is public) and cheaper there than
//! p256's `invert_vartime` (safegcd on 32-bit limbs: about 203 k instructions on a Cortex-M3
//! against 60 k). 64-bit targets run the same algorithm on 64-bit limbs (`scalar64`), which
//! is faster there than p256's too (2.9 µs against 3.9 µs on x86-64; the tests run both).

/// A 256-bit number, least significant limb first.
type Limbs = [u32; 8];

/// The group order `n`.
const ORDER: Limbs = [
    0xfc63_2551,
    0xf3b9_cac2,
    0xa717_9e84,
    0xbce6_faad,
    0xffff_ffff,
    0xffff_ffff,
    0x0000_0000,
    0xffff_ffff,
];

const ONE: Limbs = [1, 0, 0, 0, 0, 0, 0, 0];
const ZERO: Limbs = [0; 8];

/// The number of 32 big-endian bytes.
fn from_be(bytes: &[u8; 32]) -> Limbs {
    let mut out = ZERO;
    for (limb, chunk) in out.iter_mut().zip(bytes.rchunks_exact(4)) {
        *limb = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    out
}

/// The 32 big-endian bytes of a number.
fn to_be(a: &Limbs) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (limb, chunk) in a.iter().zip(out.rchunks_exact_mut(4)) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// `a − b` in place, returning the borrow out.
fn sub_assign(a: &mut Limbs, b: &Limbs) -> bool {
    let mut borrow = 0u64;
    for (x, &y) in a.iter_mut().zip(b) {
        let d = u64::from(*x).wrapping_sub(u64::from(y)).wrapping_sub(borrow);
        #[allow(clippy::cast_possible_truncation, reason = "the low 32 bits")]
        {
            *x = d as u32;
        }
        borrow = d >> 63;
    }
    borrow != 0
}

/// `a + b` in place (the carry out is dropped: the callers' sums wrap back below 2²⁵⁶).
fn add_assign(a: &mut Limbs, b: &Limbs) {
    let mut carry = 0u64;
    for (x, &y) in a.iter_mut().zip(b) {
        let s = u64::from(*x) + u64::from(y) + carry;
        #[allow(clippy::cast_possible_truncation, reason = "the low 32 bits")]
        {
            *x = s as u32;
        }
        carry = s >> 32;
    }
}

/// `−n⁻¹ mod 2³²`, by Newton's iteration (each step doubles the correct low bits; `n` is
/// correct to 3 bits as its own inverse).
const N0_NEG_INV: u32 = {
    let mut inv = ORDER[0];
    let mut i = 0;
    while i < 4 {
        inv = inv.wrapping_mul(2u32.wrapping_sub(ORDER[0].wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
};

/// `a >> t` for `1 ≤ t ≤ 31`, with `top`'s low `t` bits shifted in at the top.
fn shr(a: &mut Limbs, t: u32, top: u32) {
    for i in 0..8 {
        let next = if i < 7 { a[i + 1] } else { top };
        a[i] = (a[i] >> t) | (next << (32 - t));
    }
}

/// `x / 2^t mod n` for `x < n` and `1 ≤ t ≤ 31`: `x + m·n` with `m < 2^t` chosen to make it a
/// multiple of `2^t` (below `2^t·n`), shifted down; the result is below `n`.
fn div_pow2_mod(x: &mut Limbs, t: u32) {
    let m = x[0].wrapping_mul(N0_NEG_INV) & ((1 << t) - 1);
    let mut carry = 0u64;
    for (xi, &ni) in x.iter_mut().zip(&ORDER) {
        let s = u64::from(*xi) + u64::from(m) * u64::from(ni) + carry;
        #[allow(clippy::cast_possible_truncation, reason = "the low 32 bits")]
        {
            *xi = s as u32;
        }
        carry = s >> 32;
    }
    #[allow(clippy::cast_possible_truncation, reason = "x + m·n < 2^288")]
    shr(x, t, carry as u32);
}

/// Removes the factors 2 of `a` (odd afterwards, for `a ≠ 0`), dividing `x` by as many mod `n`.
fn make_odd(a: &mut Limbs, x: &mut Limbs) {
    loop {
        let t = a[0].trailing_zeros().min(31);
        if t == 0 {
            return;
        }
        shr(a, t, 0);
        div_pow2_mod(x, t);
    }
}

/// `x − y mod n` for `x, y < n`, into `x`.
fn sub_mod(x: &mut Limbs, y: &Limbs) {
    if sub_assign(x, y) {
        add_assign(x, &ORDER);
    }
}

/// Whether `a ≥ b`.
fn ge(a: &Limbs, b: &Limbs) -> bool {
    for i in (0..8).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// `a⁻¹ mod n` for `0 < a < n` (32 big-endian bytes each way); `None` for zero.
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

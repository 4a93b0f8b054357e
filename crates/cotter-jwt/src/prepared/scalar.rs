//! `s⁻¹ mod n` for the prepared verifier, by the binary extended Euclidean algorithm:
//! variable-time (the signature is public). One text, written once in [`binary_euclid!`], on
//! eight 32-bit limbs for 32-bit targets (cheaper there than p256's `invert_vartime`, safegcd
//! on 32-bit limbs: about 60 k instructions on a Cortex-M3 against 203 k) and on four 64-bit
//! limbs for 64-bit ones (2.9 µs against p256's 3.9 µs on x86-64); the tests run both.

/// The group order `n`, big-endian.
const ORDER_BE: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// The inversion on `$n` limbs of type `$limb` (`$bits` wide, `$bytes` bytes), with `$wide`
/// products and `$newton` Newton steps for `−n⁻¹ mod 2^bits`.
macro_rules! binary_euclid {
    ($limb:ident, $wide:ident, $n:literal, $bits:literal, $bytes:literal, $newton:literal) => {
        /// A 256-bit number, least significant limb first.
        type Limbs = [$limb; $n];

        /// The group order `n`.
        const ORDER: Limbs = {
            let mut out = [0; $n];
            let mut i = 0;
            while i < 32 {
                // Byte `31 − i` (least significant first) goes to limb `i / bytes`, at bit `8·(i % bytes)`.
                out[i / $bytes] |= (super::ORDER_BE[31 - i] as $limb) << (8 * (i % $bytes));
                i += 1;
            }
            out
        };

        const ONE: Limbs = {
            let mut one = [0; $n];
            one[0] = 1;
            one
        };
        const ZERO: Limbs = [0; $n];

        /// The number of 32 big-endian bytes.
        fn from_be(bytes: &[u8; 32]) -> Limbs {
            let mut out = ZERO;
            for (limb, chunk) in out.iter_mut().zip(bytes.rchunks_exact($bytes)) {
                *limb = $limb::from_be_bytes(chunk.try_into().unwrap_or_default());
            }
            out
        }

        /// The 32 big-endian bytes of a number.
        fn to_be(a: &Limbs) -> [u8; 32] {
            let mut out = [0u8; 32];
            for (limb, chunk) in a.iter().zip(out.rchunks_exact_mut($bytes)) {
                chunk.copy_from_slice(&limb.to_be_bytes());
            }
            out
        }

        /// `a − b` in place, returning the borrow out.
        fn sub_assign(a: &mut Limbs, b: &Limbs) -> bool {
            let mut borrow: $wide = 0;
            for (x, &y) in a.iter_mut().zip(b) {
                let d = $wide::from(*x).wrapping_sub($wide::from(y)).wrapping_sub(borrow);
                #[allow(clippy::cast_possible_truncation, reason = "the low limb")]
                {
                    *x = d as $limb;
                }
                borrow = d >> (2 * $bits - 1);
            }
            borrow != 0
        }

        /// `a + b` in place (the carry out is dropped: the callers' sums wrap back below 2²⁵⁶).
        fn add_assign(a: &mut Limbs, b: &Limbs) {
            let mut carry: $wide = 0;
            for (x, &y) in a.iter_mut().zip(b) {
                let s = $wide::from(*x) + $wide::from(y) + carry;
                #[allow(clippy::cast_possible_truncation, reason = "the low limb")]
                {
                    *x = s as $limb;
                }
                carry = s >> $bits;
            }
        }

        /// `−n⁻¹ mod 2^bits`, by Newton's iteration (each step doubles the correct low bits; `n` is
        /// correct to 3 bits as its own inverse).
        const N0_NEG_INV: $limb = {
            let mut inv = ORDER[0];
            let mut i = 0;
            while i < $newton {
                inv = inv.wrapping_mul(<$limb>::wrapping_sub(2, ORDER[0].wrapping_mul(inv)));
                i += 1;
            }
            inv.wrapping_neg()
        };

        /// `a >> t` for `1 ≤ t < bits`, with `top`'s low `t` bits shifted in at the top.
        fn shr(a: &mut Limbs, t: u32, top: $limb) {
            for i in 0..$n {
                let next = if i < $n - 1 { a[i + 1] } else { top };
                a[i] = (a[i] >> t) | (next << ($bits - t));
            }
        }

        /// `x / 2^t mod n` for `x < n` and `1 ≤ t < bits`: `x + m·n` with `m < 2^t` chosen to make it a
        /// multiple of `2^t` (below `2^t·n`), shifted down; the result is below `n`.
        fn div_pow2_mod(x: &mut Limbs, t: u32) {
            let m = x[0].wrapping_mul(N0_NEG_INV) & ((1 << t) - 1);
            let mut carry: $wide = 0;
            for (xi, &ni) in x.iter_mut().zip(&ORDER) {
                let s = $wide::from(*xi) + $wide::from(m) * $wide::from(ni) + carry;
                #[allow(clippy::cast_possible_truncation, reason = "the low limb")]
                {
                    *xi = s as $limb;
                }
                carry = s >> $bits;
            }
            #[allow(clippy::cast_possible_truncation, reason = "x + m·n < 2^(256 + bits)")]
            shr(x, t, carry as $limb);
        }

        /// Removes the factors 2 of `a` (odd afterwards, for `a ≠ 0`), dividing `x` by as many mod `n`.
        fn make_odd(a: &mut Limbs, x: &mut Limbs) {
            loop {
                let t = a[0].trailing_zeros().min($bits - 1);
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
            for i in (0..$n).rev() {
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
    };
}

/// Eight 32-bit limbs (32-bit targets, and the tests).
#[cfg(any(target_pointer_width = "32", test))]
pub(crate) mod limbs32 {
    binary_euclid!(u32, u64, 8, 32, 4, 4);
}

/// Four 64-bit limbs (64-bit targets).
#[cfg(target_pointer_width = "64")]
pub(crate) mod limbs64 {
    binary_euclid!(u64, u128, 4, 64, 8, 5);
}

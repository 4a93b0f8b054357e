//! Arithmetic modulo a 256-bit odd prime in Montgomery form, on eight 32-bit limbs.
//!
//! One non-generic routine serves both moduli of P-256 (the field prime `p` and the group
//! order `n`): the modulus is a parameter, so the code exists once in the binary. Every result
//! is fully reduced (below the modulus), so equal values have equal limbs.
//!
//! Variable-time (the final subtractions and the exponentiation branch on data): used for
//! ECDSA verification only, where every input is public.

/// A 256-bit number, least significant limb first.
pub(crate) type Limbs = [u32; 8];

/// Zero.
pub(crate) const ZERO: Limbs = [0; 8];

/// One (as a plain number, not in Montgomery form).
pub(crate) const ONE: Limbs = [1, 0, 0, 0, 0, 0, 0, 0];

/// A modulus with the constants Montgomery multiplication needs, all derived at compile time
/// from the modulus itself.
#[derive(Debug)]
pub(crate) struct Modulus {
    /// The modulus `m` (odd, above 2^255).
    m: Limbs,
    /// `-m^-1 mod 2^32`.
    m0inv: u32,
    /// `R^2 mod m`, with `R = 2^256`: multiplying by it converts into Montgomery form.
    r2: Limbs,
    /// `R mod m`: one in Montgomery form.
    one: Limbs,
}

impl Modulus {
    /// The constants for the modulus written as 32 big-endian bytes.
    pub(crate) const fn new(be: &[u8; 32]) -> Self {
        let m = from_be(be);
        // Newton's iteration for the inverse modulo 2^32: each step doubles the correct bits
        // (m is odd, so m itself is correct to 3 bits).
        let mut inv = m[0];
        let mut i = 0;
        while i < 4 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(m[0].wrapping_mul(inv)));
            i += 1;
        }
        // R mod m = 2^256 - m (m > 2^255); R^2 mod m by doubling it 256 times.
        let one = sub(&ZERO, &m).0;
        let mut r2 = one;
        let mut i = 0;
        while i < 256 {
            r2 = add_mod(&r2, &r2, &m);
            i += 1;
        }
        Self { m, m0inv: inv.wrapping_neg(), r2, one }
    }

    /// The modulus.
    pub(crate) const fn modulus(&self) -> &Limbs {
        &self.m
    }

    /// One in Montgomery form.
    pub(crate) const fn one(&self) -> &Limbs {
        &self.one
    }

    /// `a + b mod m`, for `a, b < m`.
    pub(crate) fn add(&self, a: &Limbs, b: &Limbs) -> Limbs {
        add_mod(a, b, &self.m)
    }

    /// `a - b mod m`, for `a, b < m`.
    pub(crate) fn sub(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let (d, borrow) = sub(a, b);
        if borrow { add(&d, &self.m).0 } else { d }
    }

    /// Montgomery product `a * b / R mod m`, for `a < R` and `b < m`: FIOS (finely
    /// integrated operand scanning), one inner loop that adds `ai·b` and `u·m` to the running
    /// sum together and shifts it down a limb, with two carries.
    pub(crate) fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        const LOW: u64 = 0xffff_ffff;
        // The running sum, below 2m < 2^257: eight limbs and a top one (0 or 1).
        let mut t = [0u32; 9];
        for &ai in a {
            // u makes the lowest limb of t + ai·b + u·m zero (it is dropped by the shift).
            let u = t[0].wrapping_add(ai.wrapping_mul(b[0])).wrapping_mul(self.m0inv);
            let s1 = u64::from(t[0]) + u64::from(ai) * u64::from(b[0]);
            let mut c1 = s1 >> 32;
            let mut c2 = ((s1 & LOW) + u64::from(u) * u64::from(self.m[0])) >> 32;
            for j in 1..8 {
                // Each sum fits 64 bits: (2^32 - 1)^2 + 2·(2^32 - 1) = 2^64 - 1.
                let s1 = u64::from(t[j]) + u64::from(ai) * u64::from(b[j]) + c1;
                c1 = s1 >> 32;
                let s2 = (s1 & LOW) + u64::from(u) * u64::from(self.m[j]) + c2;
                c2 = s2 >> 32;
                t[j - 1] = s2 as u32;
            }
            let s = u64::from(t[8]) + c1 + c2;
            t[7] = s as u32;
            t[8] = (s >> 32) as u32;
        }
        // Below 2m: one conditional subtraction reduces it.
        let mut r = ZERO;
        r.copy_from_slice(&t[..8]);
        if t[8] != 0 || !lt(&r, &self.m) { sub(&r, &self.m).0 } else { r }
    }

    /// `a^2` in Montgomery form.
    pub(crate) fn square(&self, a: &Limbs) -> Limbs {
        self.mul(a, a)
    }

    /// Converts `a < m` into Montgomery form.
    pub(crate) fn mont(&self, a: &Limbs) -> Limbs {
        self.mul(a, &self.r2)
    }

    /// Converts out of Montgomery form.
    pub(crate) fn plain(&self, a: &Limbs) -> Limbs {
        self.mul(a, &ONE)
    }

    /// `a^e` for `a` in Montgomery form (the result too), square-and-multiply from the top bit.
    pub(crate) fn pow(&self, a: &Limbs, e: &Limbs) -> Limbs {
        let mut r = self.one;
        for i in (0..256).rev() {
            r = self.square(&r);
            if bit(e, i) {
                r = self.mul(&r, a);
            }
        }
        r
    }

    /// `a^-1` for `a` in Montgomery form (the result too), by Fermat: `a^(m-2)`. Zero maps to
    /// zero.
    pub(crate) fn invert(&self, a: &Limbs) -> Limbs {
        self.pow(a, &sub(&self.m, &[2, 0, 0, 0, 0, 0, 0, 0]).0)
    }

    /// `a mod m` for any 256-bit `a` (one subtraction suffices: `a < 2^256 < 2m`).
    pub(crate) fn reduce(&self, a: &Limbs) -> Limbs {
        if lt(a, &self.m) { *a } else { sub(a, &self.m).0 }
    }
}

/// Bit `i` of `a` (0 is the least significant; `i` below 256, taken modulo 256 so that no
/// bounds check or panic path is compiled in).
pub(crate) const fn bit(a: &Limbs, i: usize) -> bool {
    (a[(i / 32) % 8] >> (i % 32)) & 1 == 1
}

/// Whether `a < b`.
pub(crate) const fn lt(a: &Limbs, b: &Limbs) -> bool {
    let mut i = 8;
    while i > 0 {
        i -= 1;
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// Whether `a` is zero.
pub(crate) fn is_zero(a: &Limbs) -> bool {
    a.iter().all(|&l| l == 0)
}

/// `a + b` and the carry out.
pub(crate) const fn add(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut r = ZERO;
    let mut carry = 0u64;
    let mut i = 0;
    while i < 8 {
        let s = a[i] as u64 + b[i] as u64 + carry;
        r[i] = s as u32;
        carry = s >> 32;
        i += 1;
    }
    (r, carry != 0)
}

/// `a - b` and the borrow out.
pub(crate) const fn sub(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut r = ZERO;
    let mut borrow = 0u64;
    let mut i = 0;
    while i < 8 {
        let d = (a[i] as u64).wrapping_sub(b[i] as u64).wrapping_sub(borrow);
        r[i] = d as u32;
        borrow = (d >> 63) & 1;
        i += 1;
    }
    (r, borrow != 0)
}

/// `a + b mod m` for `a, b < m`.
const fn add_mod(a: &Limbs, b: &Limbs, m: &Limbs) -> Limbs {
    let (s, carry) = add(a, b);
    if carry || !lt(&s, m) { sub(&s, m).0 } else { s }
}

/// A 256-bit number from 32 big-endian bytes.
pub(crate) const fn from_be(be: &[u8; 32]) -> Limbs {
    let mut r = ZERO;
    let mut i = 0;
    while i < 8 {
        let o = 28 - 4 * i;
        r[i] = u32::from_be_bytes([be[o], be[o + 1], be[o + 2], be[o + 3]]);
        i += 1;
    }
    r
}

/// The 32 big-endian bytes of a 256-bit number.
pub(crate) fn to_be(a: &Limbs) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, limb) in out.chunks_exact_mut(4).zip(a.iter().rev()) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests;

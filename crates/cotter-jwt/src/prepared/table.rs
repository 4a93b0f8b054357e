//! Fixed-base tables and the double-scalar multiplication `u1·G + u2·Q` over them.
//!
//! A scalar `k < n` is first made smaller than 2²⁵⁵: when its top bit is set, `k·P` is computed
//! as `(n − k)·(−P)`, and `n − k < n − 2²⁵⁵ < 2²⁵⁵`. It is then recoded into `M` signed digits
//! of `W` bits, `k = Σ dᵢ·2^(W·i)` with `dᵢ ∈ [−2^(W−1), 2^(W−1))` except the top one, which
//! takes no carry out: below 2²⁵⁵ its window is at most `2^(W−1) − 1` before the carry in, so
//! it is in `[0, 2^(W−1)]`. The windows are interleaved over `S` passes: window `i = s + S·t`
//! uses sub-table `t`, which holds `j·2^(W·S·t)·P` for `j = 1..=2^(W−1)`. Evaluating pass
//! `s = S−1, …, 0` with `W` doublings between passes gives `k·P` with `W·(S−1)` doublings and
//! at most `M` mixed additions; with `S = 1` there are no doublings at all. A digit `d < 0`
//! (or `d > 0` for a negated scalar) adds the negated entry (`y → −y`); a zero digit adds
//! nothing.

use super::point::{Affine, Fe, Jacobian, normalize_batch};

/// Most windows a layout may have (`W = 1` needs 256); digits live on the stack.
const MAX_WINDOWS: usize = 264;

/// Points normalised per inversion when a key's table is built at run time (the builder's stack
/// use is about 200 bytes per point: 3.2 KiB).
pub(crate) const KEY_CHUNK: usize = 16;

/// Points normalised per inversion for the generator table, usually built by the compiler
/// where inversions are what costs (6.4 KiB of stack when built at run time).
pub(crate) const GENERATOR_CHUNK: usize = 32;

/// Jacobian points waiting for a batch normalisation, with the entries they go to.
struct Pending<const C: usize> {
    points: [Jacobian; C],
    dest: [usize; C],
    len: usize,
}

impl<const C: usize> Pending<C> {
    const EMPTY: Self = Self { points: [Jacobian::IDENTITY; C], dest: [0; C], len: 0 };
}

/// The shape of a table with window `W`, spacing `S` and `N` points.
#[derive(Clone, Copy)]
pub(crate) struct Layout {
    /// Points per sub-table, `2^(W−1)`.
    pub(crate) per_window: usize,
    /// Sub-tables, `⌈⌈256/W⌉ / S⌉`.
    pub(crate) sub_tables: usize,
    /// Windows per scalar, `S · sub_tables`.
    pub(crate) windows: usize,
}

/// Checks `(W, S, N)` and derives the layout; a bad combination fails to compile.
///
/// # Panics
/// At compile time (it is only evaluated in `const` blocks) when `W` is not in `1..=8`, `S` is
/// zero, or `N` is not `⌈⌈256/W⌉ / S⌉ · 2^(W−1)`.
pub(crate) const fn layout(w: usize, s: usize, n: usize) -> Layout {
    assert!(w >= 1 && w <= 8, "prepared table: the window W must be in 1..=8");
    assert!(s >= 1, "prepared table: the spacing S must be at least 1");
    let per_window = 1 << (w - 1);
    let sub_tables = 256usize.div_ceil(w).div_ceil(s);
    assert!(
        n == sub_tables * per_window,
        "prepared table: N must equal ceil(ceil(256 / W) / S) * 2^(W - 1)"
    );
    let windows = s * sub_tables;
    assert!(windows <= MAX_WINDOWS, "prepared table: too many windows; lower S");
    Layout { per_window, sub_tables, windows }
}

/// The multiples of one point, in affine coordinates.
#[derive(Clone)]
pub(crate) struct Table<const W: usize, const S: usize, const N: usize> {
    /// Sub-table `t`, entry `j − 1`: `j·2^(W·S·t)·P`.
    points: [Affine; N],
}

impl<const W: usize, const S: usize, const N: usize> Table<W, S, N> {
    pub(crate) const LAYOUT: Layout = layout(W, S, N);

    /// Storage about to be filled: not a table of any point. Never handed out unfilled.
    pub(crate) const PLACEHOLDER: Self = Self { points: [Affine::ZERO; N] };

    /// Fills the table with the multiples of `p`, which must be a point of the curve other than
    /// the identity (every multiple used is then non-zero and distinct from its neighbours:
    /// the group order is a 256-bit prime).
    ///
    /// Points are normalised `C` at a time whatever their sub-table:
    /// `⌈N / C⌉ + ⌈sub-tables / C⌉` inversions in all.
    pub(crate) const fn fill<const C: usize>(&mut self, p: &Affine) {
        let layout = Self::LAYOUT;
        let h = layout.per_window;
        let mut pending = Pending::<C>::EMPTY;
        // Bases B_t = 2^(W·S·t)·P for t = 0..sub_tables: entry 1·B_t of each sub-table.
        let mut acc = Jacobian::from_affine(p);
        let mut t = 0;
        loop {
            self.push(&mut pending, &acc, t * h);
            if t + 1 == layout.sub_tables {
                break;
            }
            let mut d = 0;
            while d < W * S {
                acc = acc.double();
                d += 1;
            }
            t += 1;
        }
        self.flush(&mut pending);
        // The other multiples j·B_t, j = 2..=2^(W−1), from the normalised bases.
        let mut t = 0;
        while t < layout.sub_tables {
            let base = self.points[t * h];
            let mut acc = Jacobian::from_affine(&base).double();
            let mut j = 2;
            while j <= h {
                self.push(&mut pending, &acc, t * h + j - 1);
                if j < h {
                    // (j + 1)·B_t = j·B_t + B_t with j ≥ 2: never ±B_t.
                    acc = acc.add_affine_distinct(&base);
                }
                j += 1;
            }
            t += 1;
        }
        self.flush(&mut pending);
    }

    /// Queues `point` for entry `dest`, normalising when full.
    const fn push<const C: usize>(
        &mut self,
        pending: &mut Pending<C>,
        point: &Jacobian,
        dest: usize,
    ) {
        pending.points[pending.len] = *point;
        pending.dest[pending.len] = dest;
        pending.len += 1;
        if pending.len == C {
            self.flush(pending);
        }
    }

    /// Normalises the queued points with one inversion and stores them.
    const fn flush<const C: usize>(&mut self, pending: &mut Pending<C>) {
        let mut affine = [Affine::ZERO; C];
        let mut scratch = [Fe::ZERO; C];
        normalize_batch(&pending.points, pending.len, &mut affine, 0, &mut scratch);
        let mut i = 0;
        while i < pending.len {
            self.points[pending.dest[i]] = affine[i];
            i += 1;
        }
        pending.len = 0;
    }

    /// Entry `i` (sub-table `i / 2^(W−1)`, multiple `i % 2^(W−1) + 1`).
    #[cfg(test)]
    pub(crate) const fn point(&self, i: usize) -> &Affine {
        &self.points[i]
    }

    /// The point whose multiples the table holds (entry `1·B_0`, normalised from `(x, y, 1)`,
    /// so exactly the affine point it was filled with).
    pub(crate) const fn base(&self) -> &Affine {
        &self.points[0]
    }

    /// Adds `digit`·(sub-table `t`) to `acc`, or `−digit`·(sub-table `t`) when `negate`.
    fn add_digit<A: Accumulator>(&self, acc: &A, t: usize, digit: i16, negate: bool) -> A {
        if digit == 0 {
            return *acc;
        }
        let entry = &self.points[t * Self::LAYOUT.per_window + digit.unsigned_abs() as usize - 1];
        if (digit < 0) == negate { acc.add(entry) } else { acc.add_neg(entry) }
    }
}

/// The `W`-bit window of `limbs` (little-endian) starting at bit `pos`; bits past 255 are 0.
fn window(limbs: &[u64; 4], pos: usize, w: usize) -> u32 {
    if pos >= 256 {
        return 0;
    }
    let (limb, off) = (pos / 64, pos % 64);
    let mut v = limbs[limb] >> off;
    if off + w > 64 && limb + 1 < 4 {
        v |= limbs[limb + 1] << (64 - off);
    }
    #[allow(clippy::cast_possible_truncation, reason = "masked to at most 8 bits")]
    let bits = (v & ((1u64 << w) - 1)) as u32;
    bits
}

/// Recodes big-endian `k` into `windows` signed digits in `[−2^(W−1), 2^(W−1))`, the top one
/// without a carry out: `k` must leave the top window at most `2^(W−1) − 1` (below 2²⁵⁵ does,
/// as does any `k` when the windows reach past bit 256), so that it ends in `[0, 2^(W−1)]`.
pub(crate) fn recode(k: &[u8; 32], w: usize, windows: usize, digits: &mut [i16; MAX_WINDOWS]) {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let mut be = [0u8; 8];
        be.copy_from_slice(&k[32 - 8 * (i + 1)..32 - 8 * i]);
        *limb = u64::from_be_bytes(be);
    }
    let half = 1u32 << (w - 1);
    let mut carry = 0u32;
    for (i, digit) in digits.iter_mut().enumerate().take(windows) {
        let bits = window(&limbs, i * w, w) + carry;
        // bits ≤ 2^W: at or above half it becomes bits − 2^W (≥ −half) and carries one, except
        // in the top window, which keeps it (at most half there).
        let (d, c) = if bits >= half && i + 1 < windows {
            (i64::from(bits) - (1i64 << w), 1)
        } else {
            (i64::from(bits), 0)
        };
        #[allow(clippy::cast_possible_truncation, reason = "d is in [-128, 128] for W <= 8")]
        {
            *digit = d as i16;
        }
        carry = c;
    }
}

/// The group order `n`, big-endian.
const ORDER_BE: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `(k, false)` for `k < 2²⁵⁵`, else `(n − k, true)` (then below 2²⁵⁵, for `k < n`): `k·P` is
/// `(n − k)·(−P)`.
fn below_half(k: &[u8; 32]) -> ([u8; 32], bool) {
    if k[0] & 0x80 == 0 {
        return (*k, false);
    }
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(ORDER_BE[i]) - i16::from(k[i]) - borrow;
        borrow = i16::from(d < 0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "d mod 256")]
        {
            out[i] = d.rem_euclid(256) as u8;
        }
    }
    (out, true)
}

/// A Jacobian accumulator of [`mul_add`]: [`Jacobian`] over p256's field, or on 64-bit targets
/// `Jacobian64` over fiat-crypto's (faster there); both read the same table entries.
pub(crate) trait Accumulator: Copy {
    /// The point at infinity.
    const IDENTITY: Self;

    /// 2·self.
    fn double(&self) -> Self;

    /// self + q, for every input.
    fn add(&self, q: &Affine) -> Self;

    /// self − q, for every input.
    fn add_neg(&self, q: &Affine) -> Self;
}

/// `u1·G + u2·Q` from the tables of `G` and `Q` (scalars big-endian, below `n`), variable-time.
pub(crate) fn mul_add<A: Accumulator, const W: usize, const S: usize, const N: usize>(
    g: &Table<W, S, N>,
    u1: &[u8; 32],
    q: &Table<W, S, N>,
    u2: &[u8; 32],
) -> A {
    let layout = Table::<W, S, N>::LAYOUT;
    let mut d1 = [0i16; MAX_WINDOWS];
    let mut d2 = [0i16; MAX_WINDOWS];
    let (u1, neg1) = below_half(u1);
    let (u2, neg2) = below_half(u2);
    recode(&u1, W, layout.windows, &mut d1);
    recode(&u2, W, layout.windows, &mut d2);
    let mut acc = A::IDENTITY;
    for s in (0..S).rev() {
        if s + 1 < S {
            for _ in 0..W {
                acc = acc.double();
            }
        }
        for t in 0..layout.sub_tables {
            let i = s + S * t;
            acc = g.add_digit(&acc, t, d1[i], neg1);
            acc = q.add_digit(&acc, t, d2[i], neg2);
        }
    }
    acc
}

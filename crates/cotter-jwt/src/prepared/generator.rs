//! [`GeneratorTable`]: the multiples of the P-256 generator `G`, computed once and shared by
//! every [`PreparedKey`](super::PreparedKey) of the same profile.

use super::point::Affine;
use super::table::{GENERATOR_CHUNK, Table};
use core::fmt;

/// Precomputed multiples of the P-256 generator `G` for the profile `(W, S, N)`.
///
/// It does not depend on any key: compute it once per process and lend it to every
/// [`PreparedKey`](super::PreparedKey). [`GeneratorTable::new`] is a `const fn`, so on a
/// microcontroller the table can be baked into flash at compile time:
///
/// ```
/// use cotter_jwt::{Es256Key, SmallGeneratorTable, SmallTableKey, Verifier};
///
/// // Evaluated by the compiler: lives in .rodata (flash), costs no RAM and no start-up time.
/// #[allow(long_running_const_eval, reason = "a few seconds of const evaluation, on purpose")]
/// static GENERATOR: SmallGeneratorTable = SmallGeneratorTable::new();
///
/// fn check(key: &Es256Key, message: &[u8], signature: &[u8]) -> bool {
///     // 8 192 bytes of RAM for the key's own table.
///     SmallTableKey::new(&GENERATOR, key).verify(message, signature).is_ok()
/// }
/// # let _ = check;
/// ```
///
/// The price is compile time: p256's field arithmetic is `const fn` but slow to interpret, so
/// evaluating the small table takes about 5 s on x86-64 and 17 s for a 32-bit target (the
/// compiler interprets the target's 32-bit limbs), at each non-incremental build; rustc also
/// prints an unsuppressible "constant evaluation is taking a long time" warning. The server
/// table (4 096 points) would take over a minute: compute it at run time.
///
/// With the `std` feature, `LargeGeneratorTable::shared()` and `SmallGeneratorTable::shared()`
/// compute a process-wide table at first use instead (about 5 ms and 0.3 ms).
#[derive(Clone)]
pub struct GeneratorTable<const W: usize, const S: usize, const N: usize> {
    table: Table<W, S, N>,
}

impl<const W: usize, const S: usize, const N: usize> fmt::Debug for GeneratorTable<W, S, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratorTable")
            .field("window", &W)
            .field("spacing", &S)
            .field("points", &N)
            .finish_non_exhaustive()
    }
}

impl<const W: usize, const S: usize, const N: usize> Default for GeneratorTable<W, S, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize, const S: usize, const N: usize> GeneratorTable<W, S, N> {
    /// Bytes of the table, `N · 64`.
    pub const BYTES: usize = core::mem::size_of::<Self>();

    /// Computes the table. A `const fn`: in a `static` initialiser the compiler evaluates it
    /// and the table lands in read-only memory. At run time it returns the table by value
    /// (on the stack for a moment: see [`GeneratorTable::BYTES`]; prefer `new_boxed` (feature
    /// `alloc`) for large profiles).
    ///
    /// A `(W, S, N)` that does not fit together fails to compile.
    #[must_use]
    pub const fn new() -> Self {
        let mut table = Table::PLACEHOLDER;
        table.fill::<GENERATOR_CHUNK>(&Affine::GENERATOR);
        Self { table }
    }

    /// As [`GeneratorTable::new`], built directly on the heap.
    #[cfg(feature = "alloc")]
    #[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
    #[must_use]
    pub fn new_boxed() -> alloc::boxed::Box<Self> {
        let mut boxed = alloc::boxed::Box::new(Self { table: Table::PLACEHOLDER });
        boxed.table.fill::<GENERATOR_CHUNK>(&Affine::GENERATOR);
        boxed
    }

    pub(crate) const fn table(&self) -> &Table<W, S, N> {
        &self.table
    }
}

/// Implements `shared()` for a concrete profile: one lazily built table per process.
#[cfg(feature = "std")]
macro_rules! shared {
    ($w:literal, $s:literal, $n:literal, $name:literal) => {
        impl GeneratorTable<$w, $s, $n> {
            #[doc = concat!("The process-wide ", $name, " generator table, computed at first use")]
            /// (thread-safe, via `std::sync::OnceLock`) and kept for the life of the process.
            #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
            #[must_use]
            pub fn shared() -> &'static Self {
                static TABLE: std::sync::OnceLock<alloc::boxed::Box<GeneratorTable<$w, $s, $n>>> =
                    std::sync::OnceLock::new();
                TABLE.get_or_init(Self::new_boxed)
            }
        }
    };
}

#[cfg(feature = "std")]
shared!(8, 1, 4096, "large-table-profile");
#[cfg(feature = "std")]
shared!(4, 4, 128, "small-table-profile");

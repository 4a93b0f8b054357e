//! Prepared-key ES256 verification (feature `prepared`): fixed-base tables for `G` and for the
//! key's point `Q`, so that `u1·G + u2·Q` needs no (or few) doublings.
//!
//! **Variable-time, verification only**: see [`PreparedKey`]'s security section.

mod generator;
mod key;
mod point;
#[cfg(target_pointer_width = "64")]
mod point64;
mod scalar;
mod table;
mod token;

#[cfg(test)]
mod tests;

pub use generator::GeneratorTable;
pub use key::PreparedKey;

/// The large-table profile (for servers): 8-bit signed windows, one pass, no doublings; 4 096
/// points per table (262 144 bytes per key and once more for `G`).
pub type LargeTableKey<'g> = PreparedKey<'g, 8, 1, 4096>;

/// The generator table of the large-table profile (262 144 bytes).
pub type LargeGeneratorTable = GeneratorTable<8, 1, 4096>;

/// The small-table profile: 4-bit signed windows over 4 passes (12 doublings); 128 points per
/// table (8 192 bytes per key, and once more for `G`, which can live in flash). It
/// fits a microcontroller's RAM, and it is what a host that keeps several keys uses when
/// 256 KiB a key is too much (the `cotter` client's JWKS cache on `std`).
pub type SmallTableKey<'g> = PreparedKey<'g, 4, 4, 128>;

/// The generator table of the small-table profile (8 192 bytes; `const`-constructible into flash).
pub type SmallGeneratorTable = GeneratorTable<4, 4, 128>;

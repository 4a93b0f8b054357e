//! Prepared-key ES256 verification (feature `prepared`): fixed-base tables for `G` and for the
//! key's point `Q`, so that `u1·G + u2·Q` needs no (or few) doublings.
//!
//! **Variable-time, verification only**: see [`PreparedKey`]'s security section.

mod generator;
#[cfg(feature = "std")]
mod jwks;
mod key;
mod point;
mod table;
mod token;

#[cfg(test)]
mod tests;

pub use generator::GeneratorTable;
#[cfg(feature = "std")]
pub use jwks::PreparedJwks;
pub use key::PreparedKey;

/// Server profile: 8-bit signed windows, one pass, no doublings; `4 096 + 1` points per table
/// (262 208 bytes per key and once more for `G`).
pub type ServerKey<'g> = PreparedKey<'g, 8, 1, 4096>;

/// The generator table of the server profile (262 208 bytes).
pub type ServerGeneratorTable = GeneratorTable<8, 1, 4096>;

/// MCU profile: 4-bit signed windows over 4 passes (12 doublings); `128 + 1` points per table
/// (8 256 bytes per key, and once more for `G`, which can live in flash).
pub type McuKey<'g> = PreparedKey<'g, 4, 4, 128>;

/// The generator table of the MCU profile (8 256 bytes; `const`-constructible into flash).
pub type McuGeneratorTable = GeneratorTable<4, 4, 128>;

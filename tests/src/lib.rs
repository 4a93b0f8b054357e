//! Cross-crate tests of the cotter-rs workspace live in `tests/tests/`; this library holds
//! helpers they share (paths to the repository's test data).

use std::path::PathBuf;

/// The folder of test data copied into the repository (`tests/data`), with its sources cited
/// in `tests/data/README.md`.
#[must_use]
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

//! `Debug` helpers that print a placeholder instead of a secret.

use core::fmt;

/// Prints `<redacted>` in place of the value.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// `Some(<redacted>)` or `None`, so a reader still sees whether the secret is present.
pub(crate) fn redact_opt<T>(value: Option<T>) -> Option<Redacted> {
    value.map(|_| Redacted)
}

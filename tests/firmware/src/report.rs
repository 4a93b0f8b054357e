//! How a failed check is reported: the check's name and why, as fixed text.

/// A failed check: which one and why, printed before the firmware exits with 1.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Failure {
    /// The check's name.
    pub(crate) check: &'static str,
    /// What went wrong.
    pub(crate) reason: &'static str,
    /// The library's own name for the error, when one is known.
    pub(crate) detail: &'static str,
}

impl Failure {
    /// A failure with a fixed reason.
    pub(crate) const fn new(check: &'static str, reason: &'static str) -> Self {
        Self { check, reason, detail: "" }
    }

    /// The same failure with the library error's name.
    pub(crate) const fn detail(mut self, detail: &'static str) -> Self {
        self.detail = detail;
        self
    }

    /// Prints `firmware: FAILED <check>: <reason> (<detail>)`.
    pub(crate) fn print(&self) {
        let (open, close) = if self.detail.is_empty() { ("", "") } else { (" (", ")") };
        crate::console::line(&[
            "firmware: FAILED ",
            self.check,
            ": ",
            self.reason,
            open,
            self.detail,
            close,
        ]);
    }
}

/// `Ok` when `cond` holds, otherwise a failure of `check` with `reason`.
///
/// # Errors
/// The failure, when `cond` is false.
pub(crate) const fn ensure(
    cond: bool,
    check: &'static str,
    reason: &'static str,
) -> Result<(), Failure> {
    if cond { Ok(()) } else { Err(Failure::new(check, reason)) }
}

/// A failure of `check`, with the library error's text printed first (the full client can
/// afford `core::fmt`; the verify-only build reports fixed text only).
#[cfg(feature = "client")]
pub(crate) fn fail(
    check: &'static str,
    reason: &'static str,
    error: impl core::fmt::Display,
) -> Failure {
    cortex_m_semihosting::hprintln!("{}: {}: {}", check, reason, error);
    Failure::new(check, reason)
}

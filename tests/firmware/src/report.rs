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

/// A failure of `check` for a library error: its fixed description ([`Reason`]) becomes the
/// detail, and the status of an error answer of the server is printed first (the client
/// check prints the server's message, which the client keeps). No `core::fmt`: the libraries'
/// `reason()` texts are enough to tell what failed, and keep the formatting machinery (about
/// 12 KiB with the errors' `Display` impls) out of the image.
#[cfg(feature = "client")]
pub(crate) fn fail(check: &'static str, reason: &'static str, error: &impl Reason) -> Failure {
    error.print_extra(check);
    Failure::new(check, reason).detail(error.reason())
}

/// An error's fixed description, one level deep: a wrapped error's own, when it has one.
#[cfg(feature = "client")]
pub(crate) trait Reason {
    /// The text.
    fn reason(&self) -> &'static str;

    /// Prints what else is worth knowing (the server's answer), as a line of its own.
    fn print_extra(&self, _check: &'static str) {}
}

#[cfg(feature = "client")]
mod reasons {
    use super::Reason;
    use crate::console;
    use core::convert::Infallible;

    impl<T: Reason, S: Reason> Reason for cotter::Error<T, S> {
        fn reason(&self) -> &'static str {
            match self {
                Self::Transport(e) => e.reason(),
                Self::Store(e) => e.reason(),
                Self::Protocol(e) => e.reason(),
                Self::Config(e) => e.reason(),
                other => other.reason(),
            }
        }

        fn print_extra(&self, check: &'static str) {
            if let Self::Api { status, .. } = self {
                let status = console::Decimal::new(u32::from(*status));
                console::line(&[check, ": server error ", status.as_str()]);
            }
        }
    }

    impl<E> Reason for cotter::transport::Http1Error<E> {
        fn reason(&self) -> &'static str {
            self.reason()
        }
    }

    impl<E> Reason for cotter_store_flash::Error<E> {
        fn reason(&self) -> &'static str {
            self.reason()
        }
    }

    impl Reason for cotter::proto::Error {
        fn reason(&self) -> &'static str {
            self.reason()
        }
    }

    impl Reason for cotter::ConfigError {
        fn reason(&self) -> &'static str {
            self.reason()
        }
    }

    impl Reason for cotter::RandomError {
        fn reason(&self) -> &'static str {
            self.reason()
        }
    }

    #[cfg(feature = "tls")]
    impl Reason for embedded_tls::TlsError {
        fn reason(&self) -> &'static str {
            crate::tls::reason(self)
        }
    }

    impl Reason for Infallible {
        fn reason(&self) -> &'static str {
            match *self {}
        }
    }
}

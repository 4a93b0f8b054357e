//! The emulator as the HTTP server sees it: settings, the state behind its lock, request counters and
//! injected failures. The router and every endpoint handler work on it; it knows neither of them.

use crate::http::Response;
use crate::state::{Settings, State};
use crate::stats::Counters;
use std::string::String;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

/// The emulator as the HTTP server sees it.
pub(crate) struct App {
    pub(crate) settings: Arc<Settings>,
    state: Mutex<State>,
    pub(crate) counters: Counters,
    /// Failures to inject (`POST /dev/fail`), for testing clients' error paths.
    faults: Mutex<Vec<Fault>>,
}

/// The next `count` requests whose path starts with `prefix` get `status` with a JSON error
/// that does not say "not valid" (a transient failure, not a rejected grant).
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct Fault {
    pub(crate) prefix: String,
    pub(crate) status: u16,
    pub(crate) count: u32,
}

impl core::fmt::Debug for App {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("App").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl App {
    pub(crate) fn new(settings: Arc<Settings>, state: State) -> Self {
        Self {
            settings,
            state: Mutex::new(state),
            counters: Counters::default(),
            faults: Mutex::new(Vec::new()),
        }
    }

    /// Queues an injected failure.
    pub(crate) fn inject(&self, fault: Fault) {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner).push(fault);
    }

    /// The injected failure for `path`, if one is due (and counts it down).
    pub(crate) fn take_fault(&self, path: &str) -> Option<Response> {
        let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        let fault = faults.iter_mut().find(|f| f.count > 0 && path.starts_with(&f.prefix))?;
        fault.count -= 1;
        let status = fault.status;
        faults.retain(|f| f.count > 0);
        Some(Response::error(status, "injected_failure", "injected failure (POST /dev/fail)"))
    }

    /// Locks the state. A panic while it was held does not lock everybody out: the state stays usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_poisoned_lock_stays_usable() {
        let app = std::sync::Arc::new(crate::emulator::test_app());
        let clone = std::sync::Arc::clone(&app);
        let joined = std::thread::spawn(move || {
            let _held = clone.lock();
            panic!("poison the state lock");
        })
        .join();
        assert!(joined.is_err());
        assert!(app.lock().now() > 0);
    }
}

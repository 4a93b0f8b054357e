//! The emulator as the HTTP server sees it: settings, the state behind its lock, request counters,
//! injected faults and the request journal. The router and every endpoint handler work on it; it
//! knows neither of them.

use crate::faults::{Effect, Entry, FaultKind, Faults, Journal};
use crate::state::{Settings, State};
use crate::statefile::StateFile;
use crate::stats::Counters;
use std::string::String;
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The emulator as the HTTP server sees it.
pub(crate) struct App {
    pub(crate) settings: Arc<Settings>,
    state: Mutex<State>,
    pub(crate) counters: Counters,
    /// Faults to inject (`POST /dev/fail`), for testing clients' error paths.
    faults: Mutex<Faults>,
    /// The newest requests (`GET /dev/requests`).
    journal: Mutex<Journal>,
    /// One line per request to stdout (`--log-requests`).
    request_log: Option<SyncSender<String>>,
    /// Where the state is kept (`--state`).
    state_file: Option<StateFile>,
}

impl core::fmt::Debug for App {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("App").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl App {
    pub(crate) fn new(
        settings: Arc<Settings>,
        state: State,
        state_file: Option<StateFile>,
    ) -> Self {
        let request_log =
            if settings.log_requests { crate::state::spawn_logger("requests") } else { None };
        Self {
            settings,
            state: Mutex::new(state),
            counters: Counters::default(),
            faults: Mutex::new(Faults::default()),
            journal: Mutex::new(Journal::default()),
            request_log,
            state_file,
        }
    }

    /// Writes the state to the `--state` file if it changed since the last write.
    ///
    /// # Errors
    ///
    /// The I/O error of the write (the file then keeps its previous complete contents).
    pub(crate) fn persist(&self) -> std::io::Result<()> {
        let Some(file) = &self.state_file else { return Ok(()) };
        file.save(|| {
            let snapshot = self.lock().snapshot();
            let mut bytes = serde_json::to_vec_pretty(&snapshot).unwrap_or_default();
            bytes.push(b'\n');
            bytes
        })
        .map(|_| ())
    }

    /// [`App::persist`] after a request or a library call that may have changed the state; a
    /// failure is reported on stderr (the emulator keeps serving from memory).
    pub(crate) fn persist_or_report(&self) {
        if let Err(e) = self.persist() {
            let path = self.state_file.as_ref().map(|f| f.path().display().to_string());
            eprintln!("cotter-emulator: --state {}: write failed: {e}", path.unwrap_or_default());
        }
    }

    /// The injected faults.
    pub(crate) fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The fault due for `method` `path`, if any (counted down).
    pub(crate) fn take_fault(&self, method: &str, path: &str) -> Option<(FaultKind, Effect)> {
        self.faults().take(method, path)
    }

    /// The request journal.
    pub(crate) fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a request in the journal and, with `--log-requests`, prints it.
    pub(crate) fn record(&self, entry: Entry) {
        if let Some(log) = &self.request_log {
            let status = entry.status.map_or_else(|| String::from("-"), |s| s.to_string());
            let mut line = format!(
                "[cotter-emulator] {} {} {status} {:.1} ms",
                entry.method, entry.path, entry.latency_ms
            );
            if let Some(fault) = entry.fault {
                line.push_str(&format!(" fault={fault}"));
            }
            if let Some(key) = &entry.api_key {
                line.push_str(&format!(" key={key}"));
            }
            // Never block a request on stdout: a full queue drops the line (the journal keeps it).
            let _ = log.try_send(line);
        }
        self.journal().push(entry);
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

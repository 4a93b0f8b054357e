//! The state as one JSON document: what `--state FILE` holds, `GET /dev/export` returns and
//! `POST /dev/import` takes. Users with their trusted devices, sessions (secrets and retired-secret
//! hashes, so refresh tokens keep working), events, the signing keys (private), the clock offset, the
//! id counters, the replay guard and the outbox. Hosted-page logins and unexchanged codes are not in
//! it: they live minutes, and a restart ends them.

use super::State;
use super::events::Event;
use super::sessions::Session;
use super::users::User;
use crate::crypto::keys::{Keys, KeysRecord};
use crate::wire::OutboxEntry;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::string::String;
use std::vec::Vec;

/// The version of the document's layout.
pub(crate) const FORMAT: u32 = 1;

/// The saved state.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Snapshot {
    /// [`FORMAT`].
    format: u32,
    /// Says what this is to whoever opens the file.
    #[serde(default)]
    note: String,
    keys: KeysRecord,
    clock_offset: u64,
    users: BTreeMap<String, User>,
    sessions: BTreeMap<u64, Session>,
    events: BTreeMap<u64, Event>,
    next_challenge_id: u64,
    next_session_id: u64,
    next_event_id: u64,
    seen_signatures: BTreeMap<String, u64>,
    outbox: Vec<OutboxEntry>,
    loads: u64,
}

impl core::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Private keys and refresh secrets: never print them.
        f.debug_struct("Snapshot").field("users", &self.users.len()).finish_non_exhaustive()
    }
}

impl State {
    /// The state as a [`Snapshot`].
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            format: FORMAT,
            note: String::from(
                "cotter-emulator state, for development only: holds private signing keys and \
                 refresh-token secrets",
            ),
            keys: self.keys.record(),
            clock_offset: self.clock_offset,
            users: self.users.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            sessions: self.sessions.iter().map(|(k, v)| (*k, v.clone())).collect(),
            events: self.events.clone(),
            next_challenge_id: self.next_challenge_id,
            next_session_id: self.next_session_id,
            next_event_id: self.next_event_id,
            seen_signatures: self.seen_signatures.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            outbox: self.outbox.clone(),
            loads: self.loads,
        }
    }

    /// Replaces everything [`Snapshot`] holds with `snapshot`'s; logins and codes in progress end.
    /// `reseed` gives the generator the state's next seed (seeded runs), or `None` to keep it.
    ///
    /// # Errors
    ///
    /// When the layout version is unknown, a key does not parse or an id counter is behind its ids.
    pub(crate) fn restore(&mut self, snapshot: Snapshot) -> Result<(), &'static str> {
        if snapshot.format != FORMAT {
            return Err("unknown state format");
        }
        let keys = Keys::from_record(&snapshot.keys)?;
        let behind = |next: u64, last: Option<&u64>| last.is_some_and(|id| *id >= next);
        if behind(snapshot.next_session_id, snapshot.sessions.keys().next_back())
            || behind(snapshot.next_event_id, snapshot.events.keys().next_back())
        {
            return Err("an id counter is behind the ids in use");
        }
        if snapshot.users.iter().any(|(id, user)| *id != user.id) {
            return Err("a user is filed under another id");
        }
        self.keys = keys;
        self.clock_offset = snapshot.clock_offset;
        self.users = snapshot.users.into_iter().collect::<HashMap<_, _>>();
        self.sessions = snapshot.sessions.into_iter().collect();
        self.events = snapshot.events;
        self.next_challenge_id = snapshot.next_challenge_id.max(1);
        self.next_session_id = snapshot.next_session_id.max(1);
        self.next_event_id = snapshot.next_event_id.max(1);
        self.seen_signatures = snapshot.seen_signatures.into_iter().collect();
        self.outbox = snapshot.outbox;
        self.loads = snapshot.loads.saturating_add(1);
        self.logins.clear();
        self.magic_links.clear();
        self.codes.clear();
        Ok(())
    }

    /// After a load: a seeded generator starts again from the seed and the load count, so a
    /// restarted run does not draw the secrets of the first run again. Without a seed, nothing to do.
    pub(crate) fn reseed(&mut self) {
        if let Some(seed) = self.settings.seed {
            let label = format!("cotter-emulator state load {}", self.loads);
            self.rng = crate::util::rng::Csprng::from_seed_labelled(label.as_bytes(), seed);
        }
    }
}

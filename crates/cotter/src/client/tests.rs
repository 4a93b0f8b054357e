//! Tests of the client that look inside it (its buffers).

use super::*;
use crate::{LoginKind, ManualClock, OsRandom};
use cotter_emulator::{Emulator, browser};
use cotter_store::MemoryStore;
use cotter_transport::UreqTransport;
use std::borrow::ToOwned;

#[test]
fn logout_wipes_the_buffers_that_held_server_answers() {
    let emu =
        Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emulator");
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let config =
        Config::new(cotter_emulator::DEFAULT_API_KEY_ID).base_url(&api).hosted_page_url(&page);
    let clock = ManualClock::new(emu.now());
    let mut c =
        Client::<_, _, _>::new(config, UreqTransport::new(), MemoryStore::<8192>::new(), &clock)
            .expect("client");
    let who = "wipe@example.com";
    let redirect = "http://127.0.0.1:9/cb";
    let (url, pending) =
        c.begin_login(LoginKind::EmailOtp, Some(who), redirect, &mut OsRandom).expect("begin");
    let back = browser::complete_login(&url, who).expect("the user signs in");
    c.complete_login(&pending, &back).expect("sign-in");
    c.refresh().expect("refresh");
    let refresh = c.session.cache.refresh_token().expect("session").to_owned();
    let held = |buf: &[u8]| buf.windows(refresh.len()).any(|w| w == refresh.as_bytes());
    assert!(held(&c.inbox.work), "the refresh answer is in the work buffer before logout");

    c.logout().expect("logout");
    assert!(c.inbox.work.iter().all(|&b| b == 0), "work buffer wiped");
    assert!(c.io.scratch.iter().all(|&b| b == 0), "scratch buffer wiped");
    assert!(c.inbox.unescape.iter().all(|&b| b == 0), "unescape buffer wiped");
}

//! The `cotter` client under each fault the emulator can inject (`POST /dev/fail`, here through
//! `Emulator::inject_fault`) on the refresh endpoint: a status, a delay past the client's timeout,
//! a TCP reset, a close without an answer, half a response, and a body that is not JSON. In every
//! case the error is a clear one (the status, or a transport error of the right kind, or a protocol
//! error), the session is kept, and the next refresh, once the fault is gone, succeeds.

use core::time::Duration;
use cotter::store::MemoryStore;
use cotter::transport::{Error as _, ErrorKind, UreqConfig, UreqTransport};
use cotter::{Client, Error};
use cotter_tests::{EmuClock, config, emulator, sign_in};
use serde_json::json;

type TestClient<'e> = Client<'e, UreqTransport, MemoryStore<8192>, EmuClock<'e>>;

fn client(emu: &cotter_emulator::Emulator) -> TestClient<'_> {
    let transport = UreqTransport::with_config(UreqConfig::new().timeout(Duration::from_secs(2)));
    let mut c = Client::new(config(emu), transport, MemoryStore::new(), EmuClock(emu)).expect("c");
    sign_in(&mut c, "faults@example.com").expect("signed in");
    c
}

/// Injects `fault` on the next refresh of an expired session and returns the client's error;
/// checks the session survived it and works again afterwards.
fn under(
    emu: &cotter_emulator::Emulator,
    c: &mut TestClient<'_>,
    fault: serde_json::Value,
) -> Error<cotter::transport::UreqError, cotter::store::MemoryStoreError> {
    let mut fault = fault;
    fault["prefix"] = json!("/api/v0/token/");
    fault["method"] = json!("POST");
    emu.inject_fault(&fault).expect("a valid fault");
    emu.advance_clock(3600 + 60); // past exp: the stale token cannot stand in
    let err = match c.access_token() {
        Ok(token) => panic!("{fault}: a token despite the fault: {token:.12}…"),
        Err(e) => e,
    };
    assert!(!err.needs_login(), "{fault}: {err:?} must not end the session");
    assert!(c.is_signed_in().expect("load"), "{fault}: the session is kept");
    emu.clear_faults();
    c.access_token().unwrap_or_else(|e| panic!("{fault}: no recovery: {e:?}"));
    err
}

fn transport_kind(err: &Error<cotter::transport::UreqError, impl core::fmt::Debug>) -> ErrorKind {
    match err {
        Error::Transport(e) => e.kind(),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn status_faults_report_the_status() {
    let emu = emulator(cotter_emulator::Config::new());
    let mut c = client(&emu);
    for status in [500, 503, 429] {
        match under(&emu, &mut c, json!({"status": status})) {
            Error::Api { status: got, .. } => assert_eq!(got, status),
            other => panic!("{status}: {other:?}"),
        }
    }
    // A 400 whose message does not say the grant is invalid does not end the session either.
    let fault = json!({"status": 400, "body": {"msg": "bad luck", "type": "other"}});
    assert!(matches!(under(&emu, &mut c, fault), Error::Api { status: 400, .. }));
}

#[test]
fn a_delay_past_the_timeout_is_a_timeout() {
    let emu = emulator(cotter_emulator::Config::new());
    let mut c = client(&emu);
    let err = under(&emu, &mut c, json!({"kind": "delay", "delay_ms": 3000}));
    assert_eq!(transport_kind(&err), ErrorKind::Timeout, "{err:?}");
    // A delay within the timeout is just slow.
    emu.inject_fault(&json!({"prefix": "/api/v0/token/", "kind": "delay", "delay_ms": 300}))
        .expect("fault");
    emu.advance_clock(3600 + 60);
    c.access_token().expect("slow but fine");
}

#[test]
fn reset_close_and_truncate_are_network_errors() {
    let emu = emulator(cotter_emulator::Config::new());
    let mut c = client(&emu);
    // A reset is a failed connection; an end of stream before or inside the response is a
    // response that is not valid HTTP.
    let reset = transport_kind(&under(&emu, &mut c, json!({"kind": "reset"})));
    assert_eq!(reset, ErrorKind::Io, "reset");
    let close = transport_kind(&under(&emu, &mut c, json!({"kind": "close"})));
    assert_eq!(close, ErrorKind::Protocol, "close");
    let cut = transport_kind(&under(&emu, &mut c, json!({"kind": "truncate"})));
    assert_eq!(cut, ErrorKind::Protocol, "truncate");
}

#[test]
fn malformed_json_is_a_protocol_error() {
    let emu = emulator(cotter_emulator::Config::new());
    let mut c = client(&emu);
    let err = under(&emu, &mut c, json!({"kind": "malformed_json"}));
    assert!(matches!(err, Error::Protocol(_)), "{err:?}");
    // The same garbage under an error status is still that status.
    let err = under(&emu, &mut c, json!({"kind": "malformed_json", "status": 502}));
    assert!(matches!(err, Error::Api { status: 502, .. }), "{err:?}");
}

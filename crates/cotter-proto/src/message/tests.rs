//! Tests of the signed messages against the examples of `docs/protocol.md`
//! (`#signed-messages`, `#test-vectors`).

use super::*;
use crate::json::decode;

#[test]
fn approved_event_matches_the_doc_example() {
    // docs/protocol.md#signed-messages:
    // `<uuid><apikey>LOGIN_WITH_DEVICE1598129092TRUSTED_DEVICEtrue`.
    let msg = SignedMessage::approved_event(
        "ee1982e9-1596-41db-b1a1-4c1880c1f016",
        "19024767-a0b2-4221-8faa-ef116dc853d0",
        event_name::LOGIN_WITH_DEVICE,
        UnixSeconds(1_598_129_092),
    );
    let mut buf = [0u8; 256];
    let text = msg.write_to(&mut buf).unwrap();
    assert_eq!(
        text,
        "ee1982e9-1596-41db-b1a1-4c1880c1f01619024767-a0b2-4221-8faa-ef116dc853d0LOGIN_WITH_DEVICE1598129092TRUSTED_DEVICEtrue"
    );
    assert_eq!(msg.len(), text.len());
    assert!(!msg.is_empty());
    assert_eq!(msg.write_to(&mut [0u8; 10]), Err(Error::BufferTooSmall));
    assert_eq!(msg.to_heapless::<200>().unwrap().as_str(), text);
}

#[test]
fn respond_event_takes_event_and_timestamp_from_the_pending_event() {
    let pending: Event<'_> =
        decode(include_bytes!("../../testdata/event_pending.json"), &mut []).unwrap();
    let mut buf = [0u8; 256];
    let approve = SignedMessage::respond_event("uid", "KEY", &pending, true);
    assert_eq!(approve.write_to(&mut buf).unwrap(), "uidKEYEVENTNAME1584659078TRUSTED_DEVICEtrue");
    let reject = SignedMessage::respond_event("uid", "KEY", &pending, false);
    assert_eq!(reject.write_to(&mut buf).unwrap(), "uidKEYEVENTNAME1584659078TRUSTED_DEVICEfalse");
}

#[test]
fn register_new_device_appends_the_new_key() {
    let msg =
        SignedMessage::register_new_device("uid", "KEY", UnixSeconds(1_600_000_000), "MFkwEw==");
    let mut buf = [0u8; 256];
    assert_eq!(
        msg.write_to(&mut buf).unwrap(),
        "uidKEYENROLL_NEW_TRUSTED_DEVICE1600000000TRUSTED_DEVICEtrueMFkwEw=="
    );
}

#[test]
fn server_event_message_matches_section_9() {
    // docs/protocol.md#test-vectors:
    // `152163b39fb6eb-a1ff-4f7b-a205-d80f3c664cfdEVENTNAME1584659078TRUSTED_DEVICEfalsetrue`,
    // here over the sample event (new = false, approved = true).
    let event: Event<'_> =
        decode(include_bytes!("../../testdata/event_pending.json"), &mut []).unwrap();
    let mut buf = [0u8; 256];
    assert_eq!(
        SignedMessage::event(&event).write_to(&mut buf).unwrap(),
        "152163b39fb6eb-a1ff-4f7b-a205-d80f3c664cfdEVENTNAME1584659078TRUSTED_DEVICEfalsetrue"
    );
}

#[test]
fn identity_token_message_matches_section_9() {
    // docs/protocol.md#test-vectors:
    // `+1234567890PHONEaaf7319d-8f91-4752-a23f-c43ba862d5481582679175`.
    let token = IdentityToken {
        identifier_id: None,
        expire_at: UnixSeconds(1_582_679_175),
        identifier: "+1234567890",
        identifier_type: "PHONE",
        receiver: "aaf7319d-8f91-4752-a23f-c43ba862d548",
        signature: "",
        timestamp: None,
    };
    let msg = SignedMessage::identity_token(&token);
    let mut buf = [0u8; 128];
    assert_eq!(
        msg.write_to(&mut buf).unwrap(),
        "+1234567890PHONEaaf7319d-8f91-4752-a23f-c43ba862d5481582679175"
    );
}

#[test]
fn chunks_concatenate_to_the_message() {
    let msg = SignedMessage::approved_event("u", "k", "E", UnixSeconds(-5));
    let mut joined = std::vec::Vec::new();
    msg.for_each_chunk(|c| joined.extend_from_slice(c));
    assert_eq!(joined, b"ukE-5TRUSTED_DEVICEtrue");
    assert_eq!(std::format!("{msg}"), "ukE-5TRUSTED_DEVICEtrue");
}

//! Tests of the TLS setup: generated certificates, the user's PEM, PEM encoding.

use super::*;

#[test]
fn seeded_certificates_repeat_and_differ_by_seed() {
    let a = setup(&Tls::Generated, Some(7)).expect("generated");
    let b = setup(&Tls::Generated, Some(7)).expect("generated");
    let c = setup(&Tls::Generated, Some(8)).expect("generated");
    let ca = a.ca_pem.expect("a CA");
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(ca.ends_with("-----END CERTIFICATE-----\n"));
    assert_eq!(Some(&ca), b.ca_pem.as_ref());
    assert_ne!(Some(&ca), c.ca_pem.as_ref());
    let unseeded = setup(&Tls::Generated, None).expect("generated");
    assert_ne!(Some(&ca), unseeded.ca_pem.as_ref());
}

#[test]
fn the_ca_key_is_not_the_jwt_key() {
    // The JWT key is the first draw of `Csprng::from_seed(seed)`; the CA key must come from elsewhere.
    let mut jwt = Csprng::from_seed(7);
    let mut tls = Csprng::from_seed_labelled(b"cotter-emulator tls keys", 7);
    assert_ne!(jwt.bytes::<32>(), tls.bytes::<32>());
}

#[test]
fn bad_pem_is_an_error_not_a_panic() {
    let cases = [
        ("", ""),
        ("not pem", "not pem"),
        ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "nothing"),
        (
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ),
    ];
    for (cert_chain_pem, key_pem) in cases {
        let tls = Tls::Pem { cert_chain_pem: cert_chain_pem.into(), key_pem: key_pem.into() };
        assert!(setup(&tls, None).is_err(), "{cert_chain_pem:?}");
    }
}

#[test]
fn debug_hides_the_key() {
    let tls = Tls::Pem { cert_chain_pem: "chain".into(), key_pem: "SECRET".into() };
    let shown = format!("{tls:?}");
    assert!(shown.contains("chain") && !shown.contains("SECRET"), "{shown}");
}

#[test]
fn pem_lines_are_64_characters() {
    let pem = pem_encode("X", &[0u8; 100]);
    let lines: Vec<&str> = pem.lines().collect();
    assert_eq!(lines[0], "-----BEGIN X-----");
    assert_eq!(lines[1].len(), 64);
    assert_eq!(lines.last().copied(), Some("-----END X-----"));
}

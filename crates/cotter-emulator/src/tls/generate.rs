//! The certificates `--tls` makes at start: a CA and a server certificate signed by it, both ECDSA P-256.
//!
//! rcgen encodes them; it has no crypto back end here: the keys are p256 keys drawn from the emulator's
//! generator and sign through rcgen's [`SigningKey`] trait with RFC 6979 deterministic nonces, so one seed
//! gives the same certificates byte for byte. The serial numbers and key identifiers, which rcgen would
//! otherwise derive with its back end, are SHA-256 of the public key.
//!
//! Choices, each for a client that must accept the certificate:
//! - validity 1975-01-01 to 4096-01-01 (rcgen's default): fixed, so seeded runs repeat, and valid for a
//!   device whose clock is not set yet;
//! - the server certificate's subject common name is `localhost`, besides the SANs `127.0.0.1`, `::1` and
//!   `localhost`: embedded-tls's certificate check compares the server name it was given with the common
//!   name, not the SANs;
//! - the CA is limited by name constraints to those three names, so trusting it (its key is predictable
//!   with `--seed`) cannot vouch for any other site.

use super::pem_encode;
use crate::util::rng::Csprng;
use p256::ecdsa::signature::Signer as _;
use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyIdMethod, KeyUsagePurpose,
    NameConstraints, PublicKeyData, SanType, SerialNumber, SignatureAlgorithm, SigningKey,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest as _, Sha256};
use std::string::String;
use std::vec::Vec;

/// The generated chain, its key and the CA certificate.
pub(super) struct Generated {
    /// The server certificate alone: clients hold the CA, and a small client's buffer takes one
    /// certificate more easily than two.
    pub(super) chain: Vec<CertificateDer<'static>>,
    /// The server certificate's private key (PKCS #8).
    pub(super) key: PrivateKeyDer<'static>,
    /// The CA certificate, PEM.
    pub(super) ca_pem: String,
    /// The CA certificate.
    pub(super) ca_der: CertificateDer<'static>,
}

/// A P-256 key as rcgen's signer: RFC 6979 ECDSA with SHA-256, DER signatures.
struct P256Key {
    key: p256::ecdsa::SigningKey,
    /// Uncompressed SEC1 public point, what rcgen puts in the SubjectPublicKeyInfo.
    public: Vec<u8>,
}

impl P256Key {
    fn draw(rng: &mut Csprng) -> Self {
        let key = loop {
            // Out-of-range scalars (probability ~2^-32) are redrawn.
            if let Ok(key) = p256::ecdsa::SigningKey::from_slice(&rng.bytes::<32>()) {
                break key;
            }
        };
        let public = key.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        Self { key, public }
    }

    /// SHA-256 of the SubjectPublicKeyInfo, cut to 20 bytes: key identifier and serial number (RFC 5280
    /// §4.2.1.2 method 1 uses SHA-1 of the key; any unique value is allowed, and at most 20 bytes).
    fn identifier(&self) -> Vec<u8> {
        let mut id = Sha256::digest(self.subject_public_key_info())[..20].to_vec();
        id[0] &= 0x7f; // a positive serial number in 20 bytes
        id
    }
}

impl PublicKeyData for P256Key {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl SigningKey for P256Key {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let signature: p256::ecdsa::Signature =
            self.key.try_sign(msg).map_err(|_| rcgen::Error::RemoteKeyError)?;
        Ok(signature.to_der().as_bytes().to_vec())
    }
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "cotter-emulator");
    name.push(DnType::CommonName, common_name);
    name
}

/// The names the server certificate is for, as SANs and as the CA's permitted subtrees.
const LOCALHOST: &str = "localhost";
const V4: [u8; 4] = [127, 0, 0, 1];
const V6: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

/// Makes the CA and the server certificate, keys drawn from `rng` (CA key first).
///
/// # Errors
///
/// rcgen's, for parameters it cannot encode (none here).
pub(super) fn generate(rng: &mut Csprng) -> Result<Generated, rcgen::Error> {
    let ca_key = P256Key::draw(rng);
    let server_key = P256Key::draw(rng);

    let mut ca = CertificateParams::default();
    ca.distinguished_name = name("cotter-emulator development CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.serial_number = Some(SerialNumber::from(ca_key.identifier()));
    ca.key_identifier_method = KeyIdMethod::PreSpecified(ca_key.identifier());
    ca.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![
            GeneralSubtree::DnsName(LOCALHOST.into()),
            GeneralSubtree::IpAddress(CidrSubnet::from_v4_prefix(V4, 32)),
            GeneralSubtree::IpAddress(CidrSubnet::from_v6_prefix(V6, 128)),
        ],
        excluded_subtrees: Vec::new(),
    });
    let ca_cert = ca.self_signed(&ca_key)?;

    let mut server = CertificateParams::default();
    server.distinguished_name = name(LOCALHOST);
    server.subject_alt_names = vec![
        SanType::IpAddress(V4.into()),
        SanType::IpAddress(V6.into()),
        SanType::DnsName(LOCALHOST.try_into()?),
    ];
    server.is_ca = IsCa::ExplicitNoCa;
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.serial_number = Some(SerialNumber::from(server_key.identifier()));
    server.key_identifier_method = KeyIdMethod::PreSpecified(server_key.identifier());
    server.use_authority_key_identifier_extension = true;
    let issuer = Issuer::new(ca, &ca_key);
    let server_cert = server.signed_by(&server_key, &issuer)?;

    let pkcs8 = p256::pkcs8::EncodePrivateKey::to_pkcs8_der(&server_key.key)
        .map_err(|_| rcgen::Error::RemoteKeyError)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pkcs8.as_bytes().to_vec()));
    let ca_der = ca_cert.der().clone();
    Ok(Generated {
        ca_pem: pem_encode("CERTIFICATE", &ca_der),
        chain: vec![server_cert.der().clone()],
        key,
        ca_der,
    })
}

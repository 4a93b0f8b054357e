//! HTTPS: the [`Tls`] setting, and the rustls server configuration made from it.
//!
//! [`Tls::Generated`] makes a small CA and a server certificate at start (see [`generate`]);
//! [`Tls::Pem`] takes the user's own PEM chain and key. Either way the server speaks TLS 1.3 and 1.2 with
//! rustls's `ring` provider, which offers TLS_AES_128_GCM_SHA256 and secp256r1 key exchange: enough for a
//! no_std client that does only P-256 ECDHE and AES-128-GCM (embedded-tls).

mod generate;

use crate::util::rng::Csprng;
use core::fmt;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::string::String;
use std::sync::Arc;
use std::vec::Vec;

/// How an emulator serves HTTPS ([`Config::with_tls`](crate::Config::with_tls)).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tls {
    /// A certificate made at start: a CA the emulator makes (ECDSA P-256, readable with
    /// [`Emulator::tls_ca_pem`](crate::Emulator::tls_ca_pem)) and a server certificate (ECDSA P-256)
    /// signed by it for `127.0.0.1`, `::1` and `localhost`. With a seed
    /// ([`Config::with_seed`](crate::Config::with_seed)) both repeat byte for byte.
    Generated,
    /// The user's own certificate chain (PEM, server certificate first) and private key (PEM: PKCS #8,
    /// SEC1 or PKCS #1).
    Pem {
        /// One or more `CERTIFICATE` blocks, the server's own first.
        cert_chain_pem: String,
        /// One private key block.
        key_pem: String,
    },
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Generated => f.write_str("Generated"),
            // The key is a secret: never print it.
            Self::Pem { cert_chain_pem, .. } => f
                .debug_struct("Pem")
                .field("cert_chain_pem", cert_chain_pem)
                .field("key_pem", &"<redacted>")
                .finish(),
        }
    }
}

/// A server configuration ready to accept connections, and the generated CA if there is one.
#[derive(Debug)]
pub(crate) struct TlsSetup {
    /// What each connection's `rustls::ServerConnection` is made from.
    pub(crate) config: Arc<ServerConfig>,
    /// The generated CA certificate, PEM (`None` for the user's own certificate).
    pub(crate) ca_pem: Option<String>,
    /// What the scripted user ([`crate::browser`]) trusts for this server: the generated CA, or the
    /// last certificate of the user's chain.
    pub(crate) anchor: CertificateDer<'static>,
}

/// Builds the server configuration for `tls`. `seed` is the emulator's seed: generated keys are drawn
/// from a generator derived from it (kept apart from the one that makes the JWT keys and codes, so that a
/// seeded run makes the same codes with and without TLS).
///
/// # Errors
///
/// A message for [`Error::Tls`](crate::Error::Tls): the PEM does not parse, or rustls refuses the key.
pub(crate) fn setup(tls: &Tls, seed: Option<u64>) -> Result<TlsSetup, String> {
    let (chain, key, ca_pem, anchor) = match tls {
        Tls::Generated => {
            let mut rng = match seed {
                Some(seed) => Csprng::from_seed_labelled(b"cotter-emulator tls keys", seed),
                None => Csprng::from_os().map_err(|e| format!("no system randomness: {e}"))?,
            };
            let made = generate::generate(&mut rng)
                .map_err(|e| format!("could not make the certificates: {e}"))?;
            (made.chain, made.key, Some(made.ca_pem), made.ca_der)
        }
        Tls::Pem { cert_chain_pem, key_pem } => {
            let (chain, key) = parse_pem(cert_chain_pem, key_pem)?;
            let anchor = chain.last().cloned().ok_or("the certificate chain is empty")?;
            (chain, key, None, anchor)
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS versions: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("the certificate or key is unusable: {e}"))?;
    // No session tickets: resumption buys a development server nothing, and a small client that keeps no
    // tickets then reads no post-handshake messages.
    config.send_tls13_tickets = 0;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsSetup { config: Arc::new(config), ca_pem, anchor })
}

/// The user's chain and key out of their PEM text.
fn parse_pem(
    cert_chain_pem: &str,
    key_pem: &str,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String> {
    let chain = CertificateDer::pem_slice_iter(cert_chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the certificate chain is not valid PEM: {e}"))?;
    if chain.is_empty() {
        return Err("the certificate file holds no CERTIFICATE block".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| format!("the key file holds no usable private key: {e}"))?;
    Ok((chain, key))
}

/// `der` as a PEM block with `label`, lines of 64 characters (RFC 7468).
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = crate::util::b64::std_encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests;

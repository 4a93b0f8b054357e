//! What the scripted user trusts over HTTPS: the certificates of the emulators running in this process,
//! each for its own port, plus any CA given with [`trust_ca_pem`](super::trust_ca_pem), as a developer's
//! browser trusts a CA they installed. Nothing else: there is no way to accept any certificate.

use super::{BrowserError, fail};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, PoisonError};
use std::vec::Vec;

/// One trusted certificate: for one port (an emulator in this process) or any (`None`).
struct Anchor {
    port: Option<u16>,
    der: CertificateDer<'static>,
}

static ANCHORS: Mutex<Vec<Anchor>> = Mutex::new(Vec::new());

fn anchors() -> std::sync::MutexGuard<'static, Vec<Anchor>> {
    ANCHORS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Trusts `der` for connections to `port` on loopback, replacing what an earlier emulator on that port
/// left. Called by `Emulator::start`.
pub(crate) fn register(port: u16, der: CertificateDer<'static>) {
    let mut anchors = anchors();
    anchors.retain(|a| a.port != Some(port));
    anchors.push(Anchor { port: Some(port), der });
}

/// Forgets the certificate trusted for `port`. Called when the emulator stops.
pub(crate) fn unregister(port: u16) {
    anchors().retain(|a| a.port != Some(port));
}

/// Trusts each certificate in `pem` for every port.
pub(super) fn add_pem(pem: &str) -> Result<(), BrowserError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(format!("not a PEM certificate: {e}")))?;
    if certs.is_empty() {
        return Err(fail("no CERTIFICATE block in the PEM"));
    }
    let mut anchors = anchors();
    anchors.extend(certs.into_iter().map(|der| Anchor { port: None, der }));
    Ok(())
}

/// A TLS session to `host` (as in the URL) over `tcp` connected to `port`, verified against what is
/// trusted for that port.
pub(super) fn connect(
    host: &str,
    port: u16,
    tcp: TcpStream,
) -> Result<StreamOwned<ClientConnection, TcpStream>, BrowserError> {
    let mut roots = RootCertStore::empty();
    for anchor in anchors().iter().filter(|a| a.port.is_none_or(|p| p == port)) {
        // A certificate that is no usable trust anchor is skipped; the handshake then fails.
        let _ = roots.add(anchor.der.clone());
    }
    if roots.is_empty() {
        return Err(fail(format!(
            "no certificate trusted for port {port}: start the emulator in this process, or call \
             browser::trust_ca_pem with its CA"
        )));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(format!("TLS versions: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']').to_owned())
        .map_err(|_| fail(format!("not a server name: {host}")))?;
    let conn = ClientConnection::new(Arc::new(config), name)
        .map_err(|e| fail(format!("TLS setup: {e}")))?;
    Ok(StreamOwned::new(conn, tcp))
}

//! TLS 1.3 on UART0 (feature `tls`): the byte stream under `Http1Transport` is an embedded-tls
//! connection (blocking, TLS_AES_128_GCM_SHA256, ECDHE on secp256r1) instead of the UART itself.
//! The transport knows nothing of it: it gets an `embedded_io::{Read, Write}` stream either way.
//!
//! - **Who the server is.** The server must present a certificate chain for `localhost` that
//!   ends at the CA compiled into the firmware ([`CA_DER`], from `build.rs`), and sign the
//!   handshake with the certificate's key: [`cert::Verifier`] says what exactly is checked. The
//!   validity periods are checked once the board knows the time ([`board::unix_time`]). The
//!   name is `localhost`, not `127.0.0.1`: the check matches DNS names only.
//! - **Randomness.** The ClientHello's random and the ECDHE secret come from the client's
//!   [`Entropy`] (on QEMU the test-only fixed-seed generator, advanced by every draw, so each
//!   handshake has its own key): 64 bytes are drawn before the handshake, with the error
//!   reported, and served to embedded-tls through rand_core's traits.
//! - **Memory.** The receive buffer holds a whole record of the largest size TLS allows
//!   (2^14 bytes of plaintext plus 256 of overhead): servers do not have to honour a smaller
//!   maximum fragment length (rustls ignores the extension), so a smaller buffer would fail on
//!   the first large record. The send buffer is smaller: embedded-tls splits a write into
//!   records that fit it.
//! - **Proof on the wire.** [`Wire`] watches the bytes of the ClientHello go out and keeps the
//!   first bytes of the ECDHE public key it carries; [`connect`] prints them
//!   (`tls: ecdhe-public=…`), so that `cargo xtask qemu` can check that the two handshakes of a
//!   run used different keys.

use crate::board;
use crate::console;
use crate::report::Failure;
use crate::uart::Uart0;
use core::cell::Cell;
use core::convert::Infallible;
use cortex_m::interrupt::{self, Mutex};
use cotter::Entropy;
use embedded_tls::blocking::{
    Aes128GcmSha256, CryptoProvider, TlsConfig, TlsConnection, TlsContext, TlsError, TlsVerifier,
};

mod cert;
mod selfcheck;

pub(crate) use selfcheck::run as check_certificates;

/// The CA certificate (DER) the firmware trusts, written by `build.rs`.
static CA_DER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tls-ca.der"));

/// The name the server's certificate must carry (the URL's host).
pub(crate) const SERVER_NAME: &str = "localhost";

/// The receive buffer: one whole TLS record of 2^14 bytes of plaintext, plus 256 bytes for the
/// record header, content type, padding and AEAD tag.
const READ_BUF: usize = 16 * 1024 + 256;
/// The send buffer: a record of up to 896 bytes of plaintext (embedded-tls keeps 128 for the
/// record's overhead); a longer request goes out as two records.
const WRITE_BUF: usize = 1024;

/// A TLS connection over UART0.
pub(crate) type Link<'b> = TlsConnection<'b, Wire, Aes128GcmSha256>;

/// The record buffers of one connection at a time.
#[derive(Debug)]
pub(crate) struct Buffers {
    read: [u8; READ_BUF],
    write: [u8; WRITE_BUF],
}

impl Buffers {
    /// Zeroed buffers (in `.bss` when static).
    pub(crate) const fn new() -> Self {
        Self { read: [0; READ_BUF], write: [0; WRITE_BUF] }
    }
}

/// Opens a TLS connection on UART0 and prints the first bytes of its ECDHE public key.
///
/// # Errors
/// The entropy failed, or the handshake did (the server's certificate is not trusted, the
/// connection broke, the server chose what this client does not offer).
pub(crate) fn connect<'b>(
    buffers: &'b mut Buffers,
    entropy: &mut impl Entropy,
) -> Result<Link<'b>, Failure> {
    let mut random = [0u8; 64];
    entropy
        .fill(&mut random)
        .map_err(|_| Failure::new("client", "entropy for the TLS handshake failed"))?;
    let config = TlsConfig::new().with_server_name(SERVER_NAME);
    let mut provider = Provider {
        rng: Pool { bytes: random, used: 0, entropy },
        verifier: cert::Verifier::new(CA_DER, SERVER_NAME, board::unix_time()),
    };
    random.fill(0);
    let mut link = TlsConnection::new(Wire::new(), &mut buffers.read, &mut buffers.write);
    let opened = link.open(TlsContext::new(&config, &mut provider));
    provider.rng.bytes.fill(0);
    // The certificate's reason when the check failed there; embedded-tls's otherwise.
    let why = match (&opened, provider.verifier.error) {
        (Err(_), Some(cert)) => cert.reason(),
        (Err(e), None) => reason(e),
        // embedded-tls asks the verifier only when the server sends the messages: a server that
        // skipped them must not pass.
        (Ok(()), _) if !provider.verifier.authenticated => "the server did not authenticate",
        (Ok(()), _) => "",
    };
    if !why.is_empty() {
        console::line(&["tls: handshake failed (", why, ")"]);
        return Err(Failure::new("client", "TLS handshake").detail(why));
    }
    let key = interrupt::free(|cs| KEY_SHARE.borrow(cs).get());
    let mut hex = [0u8; 16];
    for (pair, byte) in hex.chunks_mut(2).zip(key) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 15)];
    }
    console::line(&[
        "tls: handshake done with ",
        SERVER_NAME,
        " (TLS 1.3, TLS_AES_128_GCM_SHA256, secp256r1; certificate verified up to the CA)",
    ]);
    console::line(&["tls: ecdhe-public=", core::str::from_utf8(&hex).unwrap_or("?")]);
    Ok(link)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A fixed description of an embedded-tls error (no `core::fmt`).
pub(crate) const fn reason(error: &TlsError) -> &'static str {
    match error {
        TlsError::InvalidCertificate => {
            "invalid certificate: not signed by the trusted CA, not for this name, or expired"
        }
        TlsError::InvalidSignature => "invalid CertificateVerify signature",
        TlsError::InvalidSignatureScheme => "unsupported signature scheme",
        TlsError::DecodeError | TlsError::ParseError(_) => "malformed handshake message",
        TlsError::ConnectionClosed => "connection closed",
        TlsError::HandshakeAborted(..) => "the server sent an alert",
        TlsError::InsufficientSpace | TlsError::OutOfMemory => "a TLS buffer is too small",
        TlsError::Io(_) | TlsError::IoError => "I/O error",
        TlsError::CryptoError => "decryption failed",
        TlsError::MissingHandshake => "no handshake yet",
        TlsError::InvalidCipherSuite => "cipher suite not offered",
        TlsError::InvalidKeyShare => "invalid key share",
        _ => "TLS error",
    }
}

/// What embedded-tls asks for: randomness and the certificate verifier.
struct Provider<'a, E> {
    rng: Pool<'a, E>,
    verifier: cert::Verifier,
}

impl<E: Entropy> CryptoProvider for Provider<'_, E> {
    type CipherSuite = Aes128GcmSha256;
    /// No client certificate: nothing is signed.
    type Signature = [u8; 0];

    fn rng(&mut self) -> impl embedded_tls::CryptoRngCore {
        &mut self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Self::CipherSuite>, TlsError> {
        Ok(&mut self.verifier)
    }
}

/// Randomness drawn from the [`Entropy`] before the handshake (so that a failing source is an
/// error, not a panic) and served to embedded-tls, which wants 64 bytes: 32 for the
/// ClientHello's random and 32 for the ECDHE secret. Only when a candidate secret is rejected
/// (not below the group order: probability about 2^-32) does it draw more; a source that fails
/// then is a hardware fault in the middle of a handshake, and the firmware stops (panics).
struct Pool<'a, E> {
    bytes: [u8; 64],
    used: usize,
    entropy: &'a mut E,
}

impl<E: Entropy> rand_core::RngCore for Pool<'_, E> {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let take = dest.len().min(self.bytes.len() - self.used);
        let (from_pool, rest) = dest.split_at_mut(take);
        from_pool.copy_from_slice(&self.bytes[self.used..self.used + take]);
        self.bytes[self.used..self.used + take].fill(0);
        self.used += take;
        if !rest.is_empty() && self.entropy.fill(rest).is_err() {
            panic!("the entropy source failed during a TLS handshake");
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl<E: Entropy> rand_core::CryptoRng for Pool<'_, E> {}

/// The first 8 bytes of the x coordinate of the ECDHE public key of the last ClientHello.
static KEY_SHARE: Mutex<Cell<[u8; 8]>> = Mutex::new(Cell::new([0; 8]));

/// UART0 as TLS sees it: the bytes go out unchanged, and the key share of the ClientHello (the
/// first record sent) is noted in [`KEY_SHARE`].
#[derive(Debug)]
pub(crate) struct Wire {
    uart: Uart0,
    /// Bytes sent so far, up to [`HELLO_SCAN`].
    sent: usize,
    /// The last five bytes sent.
    window: [u8; 5],
    /// Key bytes still to note (after the key share's header was seen), and where.
    capture: Option<usize>,
}

/// How far into the connection the key share is looked for (a ClientHello is about 200 bytes).
const HELLO_SCAN: usize = 512;
/// A secp256r1 key share: group 0x0017, key length 65, uncompressed point (0x04).
const KEY_SHARE_HEAD: [u8; 5] = [0x00, 0x17, 0x00, 0x41, 0x04];

impl Wire {
    fn new() -> Self {
        interrupt::free(|cs| KEY_SHARE.borrow(cs).set([0; 8]));
        Self { uart: Uart0::new(), sent: 0, window: [0; 5], capture: None }
    }

    fn watch(&mut self, byte: u8) {
        if self.sent >= HELLO_SCAN {
            return;
        }
        self.sent += 1;
        if let Some(at) = self.capture {
            interrupt::free(|cs| {
                let cell = KEY_SHARE.borrow(cs);
                let mut key = cell.get();
                key[at] = byte;
                cell.set(key);
            });
            self.capture = (at + 1 < 8).then_some(at + 1);
            return;
        }
        self.window.copy_within(1.., 0);
        self.window[4] = byte;
        if self.window == KEY_SHARE_HEAD {
            self.capture = Some(0);
        }
    }
}

impl embedded_io::ErrorType for Wire {
    type Error = Infallible;
}

impl embedded_io::Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        self.uart.read(buf)
    }
}

impl embedded_io::Write for Wire {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        if self.sent < HELLO_SCAN {
            for &byte in buf {
                self.watch(byte);
            }
        }
        self.uart.write(buf)
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.uart.flush()
    }
}

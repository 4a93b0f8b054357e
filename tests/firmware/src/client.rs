//! Check c: the `cotter` client in its `no_std` form, over HTTP/1.1 on UART0, against the
//! Cotter emulator on the host (`cargo xtask qemu` bridges QEMU's serial socket to it). With the
//! `tls` feature every request goes over TLS 1.3 ([`crate::tls`]) instead: the same steps, the
//! same `Http1Transport`, over a TLS connection on the UART.
//!
//! 1. Device key: 32 bytes from the (test-only) entropy are written into the flash store as a
//!    signed-out record holding only the key, as a factory would provision it; the client
//!    boots and finds it.
//! 2. Time: the board has no real-time clock. `GET /dev/clock` (the emulator's stand-in for
//!    an SNTP query) anchors the client's `AnchoredClock`, whose ticks the firmware advances
//!    itself. (A device sign-in signs the current time, so the clock must be set first.)
//! 3. Enrolment: the firmware creates its user (`POST /user/create`) and enrols its public key
//!    (`PUT /user/methods`), with the API key only, as Cotter's device SDKs did on sign-up.
//! 4. Sign-in with the trusted device (`Client::sign_in_with_device`): the tokens are verified
//!    (ES256 against the emulator's JWKS) and stored in flash.
//! 5. `access_token()` again costs no request; then `POST /dev/clock {"advance":3600}` and
//!    3600 s more on the firmware's ticks: `access_token()` refreshes and gets a new token.
//! 6. Reboot: a new client and clock (and, with `tls`, a new TLS connection) over the same flash
//!    find the session, refresh it (the clock is not anchored after a reboot) and log out; the
//!    device key stays, and signs in once more before the last logout.
//!
//! The client (about 10 KiB: session text, response buffer, scratch, JWKS cache, transport
//! header buffer) lives in a `static`, the flash in another; the stack holds only calls. With
//! `tls` the client of each boot is a local of that boot's function instead, because it
//! borrows the TLS record buffers (a `static`) for as long as it lives, and the second boot
//! borrows them again.

use crate::board::{self, TestEntropy};
use crate::console;
use crate::ram_flash::{FLASH_BYTES, FlashHandle};
use crate::report::{Failure, Reason, ensure};
#[cfg(not(feature = "tls"))]
use crate::uart::Uart0;
use cotter::proto::{
    ALGORITHM_EC, CreateUserRequest, DEVICE_TYPE_MOBILE, Endpoint, UpdateMethodsRequest, User,
};
use cotter::transport::{Http1Transport, Method, Request, Transport};
use cotter::{AnchoredClock, Client, Clock, Config, DevicePublicKey, UserRef};
use cotter_store::{DEVICE_KEY_LEN, Session, TokenStore};
use cotter_store_flash::FlashStore;

const CHECK: &str = "client";
/// The emulator's development API key ID.
const API_KEY: &str = "cotter-dev-api-key";
/// The API base. Only its path and the `Host` header come from it: the UART is the connection
/// (with TLS, the host is also the name the server's certificate must carry).
#[cfg(not(feature = "tls"))]
const BASE: &str = "http://127.0.0.1/api/v0";
#[cfg(feature = "tls")]
const BASE: &str = "https://localhost/api/v0";
/// The emulator's development controls.
#[cfg(not(feature = "tls"))]
const DEV_CLOCK: &str = "http://127.0.0.1/dev/clock";
#[cfg(feature = "tls")]
const DEV_CLOCK: &str = "https://localhost/dev/clock";
/// The hosted login page (not visited by a device sign-in; the configuration needs it).
#[cfg(not(feature = "tls"))]
const HOSTED_PAGE: &str = "http://127.0.0.1/app";
#[cfg(feature = "tls")]
const HOSTED_PAGE: &str = "https://localhost/app";
/// The user this device signs in as.
const IDENTIFIER: &str = "firmware@example.com";
/// Seed of the test-only entropy.
const SEED: u64 = 0x5EED_C077_E2F1_4A5E;
/// How far the clocks move: well past the tokens' one-hour lifetime.
const HOUR: u64 = 3600;

/// Session text (three tokens of the emulator: about 1.7 KiB).
const SESSION: usize = 2560;
/// The largest response (the sign-in answer: an event with three tokens, about 2.4 KiB).
const WORK: usize = 3072;

/// The byte stream under HTTP: UART0, or a TLS connection on it borrowing buffers for `'b`.
#[cfg(not(feature = "tls"))]
type Link<'b> = Uart0;
#[cfg(feature = "tls")]
type Link<'b> = crate::tls::Link<'b>;
/// HTTP/1.1 on the link: a 1 KiB header buffer, up to 16 response headers.
type Http<'b> = Http1Transport<Link<'b>, 1024, 16>;
/// The client, as a nameable type so that it can live in a `static`.
type FwClient<'b> =
    Client<'static, Http<'b>, FlashStore<FlashHandle>, AnchoredClock<fn() -> u64>, SESSION, WORK>;

/// A failure of this check, with the library error's fixed description.
fn fail(reason: &'static str, error: &impl Reason) -> Failure {
    crate::report::fail(CHECK, reason, error)
}

fn config() -> Config<'static> {
    Config::new(API_KEY).base_url(BASE).hosted_page_url(HOSTED_PAGE)
}

/// Boots a client into `slot`: transport on UART0, store on the flash, a clock that is not
/// anchored yet. `Client::new` returns the client by value, so it passes once through this
/// frame (about 12 KiB); out of line, that moment is not added to the deeper calls of the
/// checks. (`Result` → `Option` lets the compiler write it into `slot` with one copy; the only
/// error `Client::new` has, a refused configuration, is checked first for its text.)
#[cfg(not(feature = "tls"))]
#[inline(never)]
fn boot(slot: &mut Option<FwClient<'static>>) -> Result<(), Failure> {
    *slot = None;
    config().validate().map_err(|e| fail("config", &e))?;
    let store = open_store()?;
    let clock = AnchoredClock::new(board::millis as fn() -> u64);
    *slot = Client::new(config(), Http1Transport::new(Uart0::new()), store, clock).ok();
    ensure(slot.is_some(), CHECK, "the client refused its configuration")
}

/// The session store on the (RAM-emulated) flash.
fn open_store() -> Result<FlashStore<FlashHandle>, Failure> {
    FlashStore::new(FlashHandle, 0..FLASH_BYTES as u32).map_err(|e| fail("flash store", &e))
}

/// Prints the server's reason for an error answer (without a heap, `Error::Api` carries only
/// the status and the client keeps the message).
fn explain<T>(result: &Result<T, Failure>, client: Option<&FwClient<'_>>) {
    if let (Err(_), Some(client)) = (result, client)
        && !client.api_message().is_empty()
    {
        console::line(&["client: the server said: ", client.api_message()]);
    }
}

/// Runs check c.
///
/// # Errors
/// The first expectation that did not hold.
#[cfg(not(feature = "tls"))]
pub(crate) fn run() -> Result<(), Failure> {
    // The client lives in `.bss` (`singleton!` keeps it out of `.data` and hands it out once).
    let slot: &'static mut Option<FwClient<'static>> =
        cortex_m::singleton!(: Option<FwClient<'static>> = None)
            .ok_or(Failure::new(CHECK, "client slot taken"))?;
    let result = checks(slot);
    explain(&result, slot.as_ref());
    *slot = None;
    result
}

/// Steps 1–6 on the client in `slot`.
#[cfg(not(feature = "tls"))]
fn checks(slot: &mut Option<FwClient<'static>>) -> Result<(), Failure> {
    let mut rng = TestEntropy::new(SEED);
    provision_device_key(&mut rng)?;
    boot(slot)?;
    let client = slot.as_mut().ok_or(Failure::new(CHECK, "no client"))?;
    let carry = first_boot(client, &mut rng)?;
    // Step 6: reboot. A new client (and clock, not anchored) over the same flash.
    boot(slot)?;
    let client = slot.as_mut().ok_or(Failure::new(CHECK, "no client"))?;
    second_boot(client, &mut rng, &carry)
}

/// Runs check c over TLS: each boot opens its own TLS connection on the same record buffers
/// (a `static`), and its client lives in a frame of its own ([`with_client`]) for as long as
/// the connection.
///
/// # Errors
/// The first expectation that did not hold.
#[cfg(feature = "tls")]
pub(crate) fn run() -> Result<(), Failure> {
    let buffers: &'static mut crate::tls::Buffers =
        cortex_m::singleton!(: crate::tls::Buffers = crate::tls::Buffers::new())
            .ok_or(Failure::new(CHECK, "TLS buffers taken"))?;
    crate::meter::start();
    crate::meter::calibrate();
    let mut rng = TestEntropy::new(SEED);
    provision_device_key(&mut rng)?;
    let carry = with_client(buffers, &mut rng, first_boot)?;
    // Step 6: reboot. A new connection, client and clock (not anchored) over the same flash.
    with_client(buffers, &mut rng, |client, rng| second_boot(client, rng, &carry))
}

/// Opens a TLS connection on `buffers`, boots a client on it in this frame and runs `steps`
/// on it. The client is made where it stays (`Client::new`'s result is not moved).
#[cfg(feature = "tls")]
#[inline(never)]
fn with_client<'b, T>(
    buffers: &'b mut crate::tls::Buffers,
    rng: &mut TestEntropy,
    steps: impl FnOnce(&mut FwClient<'b>, &mut TestEntropy) -> Result<T, Failure>,
) -> Result<T, Failure> {
    config().validate().map_err(|e| fail("config", &e))?;
    // The handshake's instructions: `meter-handshake-ticks`, once per boot.
    let handshake = crate::meter::Region::begin();
    let link = crate::tls::connect(buffers, rng)?;
    handshake.report("handshake");
    let store = open_store()?;
    let clock = AnchoredClock::new(board::millis as fn() -> u64);
    let mut made = Client::new(config(), Http1Transport::new(link), store, clock);
    let client =
        made.as_mut().map_err(|_| Failure::new(CHECK, "the client refused its configuration"))?;
    let result = steps(client, rng);
    explain(&result, Some(client));
    result
}

/// What the second boot checks against.
struct Carry {
    user_id: UserId,
    public: DevicePublicKey,
    refreshed: Fingerprint,
    stored_exp: Option<u64>,
}

/// Steps 2–5 on a client just booted (with the provisioned device key). Out of line, so that
/// its locals do not add to the frame holding the client.
#[inline(never)]
fn first_boot(client: &mut FwClient<'_>, rng: &mut TestEntropy) -> Result<Carry, Failure> {
    // 2: the time.
    let now = dev_clock(client.transport_mut(), 0)?;
    client.clock().observe_server_time(now);
    #[cfg(feature = "tls")]
    board::set_unix_time(now);
    ensure(
        !client.is_signed_in().map_err(|e| fail("load", &e))?,
        CHECK,
        "signed in before sign-in",
    )?;
    let public = client
        .device_public_key()
        .map_err(|e| fail("device key", &e))?
        .ok_or(Failure::new(CHECK, "the provisioned device key was not loaded"))?;

    // 3: enrolment.
    let user_id = create_user(client.transport_mut())?;
    enroll(client.transport_mut(), user_id.as_str(), public.as_str())?;
    console::line(&["client: user ", user_id.as_str(), " created, device key enrolled"]);

    // 4: sign-in with the trusted device.
    client
        .sign_in_with_device(UserRef::CotterId(user_id.as_str()), rng)
        .map_err(|e| fail("sign in with device", &e))?;
    ensure(
        client.is_device_trusted().map_err(|e| fail("device status", &e))?,
        CHECK,
        "device not trusted",
    )?;
    let user = client.user().map_err(|e| fail("user", &e))?;
    ensure(user.identifier.as_str() == IDENTIFIER, CHECK, "wrong user signed in")?;
    let first = Fingerprint::of(client.access_token().map_err(|e| fail("access token", &e))?);
    let first_exp = client.expires_at().unwrap_or(0);
    console::line(&[
        "client: signed in with the trusted device; access token of ",
        console::Decimal::new(first.len as u32).as_str(),
        " bytes verified and stored in flash",
    ]);

    // 5: the cached token, then an hour later a refreshed one.
    let again = Fingerprint::of(client.access_token().map_err(|e| fail("cached token", &e))?);
    ensure(again == first, CHECK, "a fresh token was not served from the session")?;
    dev_clock(client.transport_mut(), HOUR)?;
    board::advance(HOUR);
    // A refresh on an open connection: request, two token verifications, flash save
    // (`meter-refresh-ticks`; with `tls` only).
    #[cfg(feature = "tls")]
    let refresh = crate::meter::Region::begin();
    let refreshed = Fingerprint::of(client.access_token().map_err(|e| fail("refresh", &e))?);
    #[cfg(feature = "tls")]
    refresh.report("refresh");
    ensure(refreshed != first, CHECK, "the token was not refreshed after an hour")?;
    ensure(
        client.expires_at().unwrap_or(0) >= first_exp + HOUR,
        CHECK,
        "the refreshed token does not expire later",
    )?;
    console::line(&[
        "client: an hour later access_token() refreshed (new token verified and stored)",
    ]);
    Ok(Carry { user_id, public, refreshed, stored_exp: client.expires_at() })
}

/// Step 6 on the client of the second boot: the session from flash, refreshed, logout, and
/// the kept device key signing in again.
#[inline(never)]
fn second_boot(
    client: &mut FwClient<'_>,
    rng: &mut TestEntropy,
    carry: &Carry,
) -> Result<(), Failure> {
    ensure(
        client.is_signed_in().map_err(|e| fail("load", &e))?,
        CHECK,
        "the session did not survive the reboot",
    )?;
    ensure(
        client.expires_at() == carry.stored_exp,
        CHECK,
        "the stored session is not the last one",
    )?;
    // After a reboot the key set is fetched first (`meter-reboot-refresh-ticks`; `tls` only).
    #[cfg(feature = "tls")]
    let refresh = crate::meter::Region::begin();
    let after_reboot =
        Fingerprint::of(client.access_token().map_err(|e| fail("refresh after reboot", &e))?);
    #[cfg(feature = "tls")]
    refresh.report("reboot-refresh");
    ensure(after_reboot != carry.refreshed, CHECK, "no refresh with an unanchored clock")?;
    ensure(client.clock().now().is_some(), CHECK, "the verified token did not anchor the clock")?;
    console::line(&["client: after a reboot the session came back from flash and was refreshed"]);

    client.logout().map_err(|e| fail("logout", &e))?;
    ensure(
        !client.is_signed_in().map_err(|e| fail("load", &e))?,
        CHECK,
        "still signed in after logout",
    )?;
    ensure(client.access_token().is_err(), CHECK, "a token after logout")?;
    let kept = client.device_public_key().map_err(|e| fail("device key", &e))?;
    ensure(
        kept.as_ref().map(|k| k.as_str()) == Some(carry.public.as_str()),
        CHECK,
        "logout dropped the device key",
    )?;
    client
        .sign_in_with_device(UserRef::CotterId(carry.user_id.as_str()), rng)
        .map_err(|e| fail("sign in again", &e))?;
    client.logout().map_err(|e| fail("logout", &e))?;
    console::line(&[
        "client: logged out (session wiped, refresh token revoked); the device key signed in again",
    ]);
    Ok(())
}

/// Writes a signed-out record that holds only a device key: 32 bytes of entropy, a valid
/// P-256 scalar with overwhelming probability (the client refuses it otherwise).
#[inline(never)]
fn provision_device_key(rng: &mut TestEntropy) -> Result<(), Failure> {
    use cotter::Entropy as _;
    let mut key = [0u8; DEVICE_KEY_LEN];
    rng.fill(&mut key).map_err(|e| fail("entropy", &e))?;
    let mut store =
        FlashStore::new(FlashHandle, 0..FLASH_BYTES as u32).map_err(|e| fail("flash store", &e))?;
    store
        .save(&Session::new("", "", "", 0).with_device_key(&key))
        .map_err(|e| fail("provisioning", &e))?;
    key.fill(0);
    Ok(())
}

/// Sends a request with the API key (and a JSON body); `Ok` only for status 200.
fn call<'b>(
    transport: &mut Http<'_>,
    method: Method,
    url: &str,
    body: Option<&[u8]>,
    buf: &'b mut [u8],
) -> Result<&'b [u8], Failure> {
    let json = [("API_KEY_ID", API_KEY), ("Content-Type", "application/json")];
    let plain = [("API_KEY_ID", API_KEY)];
    let request = match body {
        Some(b) => Request::new(method, url).with_headers(&json).with_body(b),
        None => Request::new(method, url).with_headers(&plain),
    };
    let response = transport.send(&request, buf).map_err(|e| fail("http", &e))?;
    if response.status != 200 {
        let status = console::Decimal::new(u32::from(response.status));
        console::line(&["client: ", method.as_str(), " ", url, " -> status ", status.as_str()]);
        return Err(Failure::new(CHECK, "unexpected HTTP status"));
    }
    Ok(response.body)
}

/// `GET /dev/clock` (or `POST` with `{"advance": seconds}`): the emulator's time afterwards.
fn dev_clock(transport: &mut Http<'_>, advance: u64) -> Result<u64, Failure> {
    let mut buf = [0u8; 128];
    let mut body = [0u8; 32];
    let body = if advance == 0 {
        None
    } else {
        let digits = console::Decimal::new(advance as u32);
        let text = [b"{\"advance\":", digits.as_str().as_bytes(), b"}"];
        let mut len = 0;
        for part in text {
            body[len..len + part.len()].copy_from_slice(part);
            len += part.len();
        }
        Some(&body[..len])
    };
    let method = if body.is_some() { Method::Post } else { Method::Get };
    let answer = call(transport, method, DEV_CLOCK, body, &mut buf)?;
    number_after(answer, b"\"now\":").ok_or(Failure::new(CHECK, "no time in the /dev/clock answer"))
}

/// The decimal number right after `key` in `json`.
fn number_after(json: &[u8], key: &[u8]) -> Option<u64> {
    let at = json.windows(key.len()).position(|w| w == key)? + key.len();
    let digits = json[at..].iter().take_while(|b| b.is_ascii_digit());
    let mut n: u64 = 0;
    let mut any = false;
    for d in digits {
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        any = true;
    }
    any.then_some(n)
}

/// A user ID (a UUID) held by value.
struct UserId {
    bytes: [u8; 64],
    len: usize,
}

impl UserId {
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

/// `POST /user/create {"identifier": IDENTIFIER}`: the new user's ID.
#[inline(never)]
fn create_user(transport: &mut Http<'_>) -> Result<UserId, Failure> {
    let url = Endpoint::CreateUser { oauth_token: false }
        .url(BASE)
        .and_then(|u| u.to_heapless::<128>())
        .map_err(|e| fail("url", &e))?;
    let mut body = [0u8; 96];
    let body =
        cotter::proto::json::encode(&CreateUserRequest { identifier: IDENTIFIER }, &mut body)
            .map_err(|e| fail("encode", &e))?;
    let mut buf = [0u8; 1024];
    let answer = call(transport, Method::Post, &url, Some(body.as_bytes()), &mut buf)?;
    let mut scratch = [0u8; 256];
    let user: User<'_> =
        cotter::proto::json::decode(answer, &mut scratch).map_err(|e| fail("user json", &e))?;
    let mut id = UserId { bytes: [0; 64], len: user.id.len() };
    id.bytes
        .get_mut(..user.id.len())
        .ok_or(Failure::new(CHECK, "user ID too long"))?
        .copy_from_slice(user.id.as_bytes());
    Ok(id)
}

/// `PUT /user/methods?cotter_user_id=…`: enrols `public_key` (no tokens asked for).
#[inline(never)]
fn enroll(transport: &mut Http<'_>, user_id: &str, public_key: &str) -> Result<(), Failure> {
    let mut url = [0u8; 160];
    let parts: [&[u8]; 3] = [BASE.as_bytes(), b"/user/methods?cotter_user_id=", user_id.as_bytes()];
    let mut len = 0;
    for part in parts {
        url.get_mut(len..len + part.len())
            .ok_or(Failure::new(CHECK, "url too long"))?
            .copy_from_slice(part);
        len += part.len();
    }
    let url =
        core::str::from_utf8(&url[..len]).map_err(|_| Failure::new(CHECK, "url not UTF-8"))?;
    let request = UpdateMethodsRequest::enroll_trusted_device(
        public_key,
        ALGORITHM_EC,
        DEVICE_TYPE_MOBILE,
        "qemu-lm3s6965evb",
    );
    let mut body = [0u8; 384];
    let body = cotter::proto::json::encode(&request, &mut body).map_err(|e| fail("encode", &e))?;
    let mut buf = [0u8; 1024];
    call(transport, Method::Put, url, Some(body.as_bytes()), &mut buf)?;
    Ok(())
}

/// Enough of a token to tell two apart (its length and signature) without keeping it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    len: usize,
    tail: [u8; 32],
}

impl Fingerprint {
    fn of(token: &str) -> Self {
        let mut tail = [0u8; 32];
        let bytes = token.as_bytes();
        let take = bytes.len().min(32);
        tail[..take].copy_from_slice(&bytes[bytes.len() - take..]);
        Self { len: token.len(), tail }
    }
}

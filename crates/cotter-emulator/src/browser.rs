//! A scripted user for the hosted login page: what a person does in a browser, done over
//! HTTP or HTTPS so that examples and tests can sign in without one.
//!
//! [`complete_login`] opens the hosted-page URL a client built, types the identifier (unless
//! the URL already carries it), reads the one-time code or magic link from the development
//! outbox, submits or opens it, and returns the redirect URL the page sends the browser to.
//! [`fail_login`] types wrong codes instead, until the page redirects with an error.
//! It speaks only to the emulator that served the page (127.0.0.1).
//!
//! Over HTTPS it verifies the emulator's certificate: it trusts the certificate of each emulator
//! started in this process for that emulator's port (the generated CA, or the last certificate of the
//! user's own chain), and any CA given to [`trust_ca_pem`] (for an emulator in another process, e.g.
//! the binary run with `--tls --tls-ca-out FILE`). Nothing else.

mod trust;

pub(crate) use trust::{register, unregister};

use crate::util::url::percent_encode;
use core::fmt;
use core::time::Duration;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// Trusts the CA certificate(s) in `ca_pem` for HTTPS pages on any port, from now on in this
/// process: for an emulator this process did not start.
///
/// # Errors
/// [`BrowserError`] when `ca_pem` holds no PEM certificate.
pub fn trust_ca_pem(ca_pem: &str) -> Result<(), BrowserError> {
    trust::add_pem(ca_pem)
}

/// Why the scripted user could not finish.
#[derive(Debug)]
pub struct BrowserError(String);

impl fmt::Display for BrowserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "scripted login failed: {}", self.0)
    }
}

impl core::error::Error for BrowserError {}

fn fail(msg: impl Into<String>) -> BrowserError {
    BrowserError(msg.into())
}

struct Page {
    status: u16,
    location: Option<String>,
    body: String,
}

/// Where a page is: the scheme and `host:port` of its URL.
#[derive(Clone, Copy)]
struct Site<'u> {
    tls: bool,
    authority: &'u str,
}

/// The site and the path of `url`.
fn split_url(url: &str) -> Result<(Site<'_>, &str), BrowserError> {
    let (tls, rest) = match (url.strip_prefix("http://"), url.strip_prefix("https://")) {
        (Some(rest), _) => (false, rest),
        (None, Some(rest)) => (true, rest),
        (None, None) => return Err(fail(format!("not an http(s) URL: {url}"))),
    };
    let slash = rest.find('/').unwrap_or(rest.len());
    let path = if slash == rest.len() { "/" } else { &rest[slash..] };
    Ok((Site { tls, authority: &rest[..slash] }, path))
}

/// A connection to `site`: plain, or TLS verified against what [`trust`] holds for its port.
fn connect(site: Site<'_>) -> Result<Box<dyn ReadWrite>, BrowserError> {
    let authority = site.authority;
    let tcp =
        TcpStream::connect(authority).map_err(|e| fail(format!("connect {authority}: {e}")))?;
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(10)));
    if !site.tls {
        return Ok(Box::new(tcp));
    }
    let (host, port) = authority
        .rsplit_once(':')
        .and_then(|(host, port)| Some((host, port.parse::<u16>().ok()?)))
        .unwrap_or((authority, 443));
    Ok(Box::new(trust::connect(host, port, tcp)?))
}

/// A byte stream both ways (TCP, or TLS over it).
trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn request(
    site: Site<'_>,
    method: &str,
    path: &str,
    form: Option<&str>,
) -> Result<Page, BrowserError> {
    let authority = site.authority;
    let mut stream = connect(site)?;
    let body = form.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .and_then(|()| stream.flush())
        .map_err(|e| fail(format!("send: {e}")))?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| fail(format!("read: {e}")))?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| fail(format!("bad status line {line:?}")))?;
    let mut location = None;
    let mut length = None;
    loop {
        line.clear();
        reader.read_line(&mut line).map_err(|e| fail(format!("read: {e}")))?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("location") {
                location = Some(value.trim().to_owned());
            } else if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let mut bytes = Vec::new();
    match length {
        Some(n) => {
            bytes.resize(n, 0);
            reader.read_exact(&mut bytes).map_err(|e| fail(format!("read body: {e}")))?;
        }
        None => {
            reader.read_to_end(&mut bytes).map_err(|e| fail(format!("read body: {e}")))?;
        }
    }
    Ok(Page { status, location, body: String::from_utf8_lossy(&bytes).into_owned() })
}

fn hidden_login(html: &str) -> Result<String, BrowserError> {
    let marker = "name=\"login\" value=\"";
    let start = html.find(marker).ok_or_else(|| fail("no login field on the page"))? + marker.len();
    Ok(html[start..].split('"').next().unwrap_or_default().to_owned())
}

/// The newest outbox message for `identifier`: (otp, magic_link).
fn outbox(
    site: Site<'_>,
    identifier: &str,
) -> Result<(Option<String>, Option<String>), BrowserError> {
    let page = request(
        site,
        "GET",
        &format!("/dev/outbox?identifier={}", percent_encode(identifier)),
        None,
    )?;
    let messages: serde_json::Value =
        serde_json::from_str(&page.body).map_err(|e| fail(format!("outbox: {e}")))?;
    let last =
        messages.as_array().and_then(|a| a.last()).ok_or_else(|| fail("the outbox is empty"))?;
    let field = |name: &str| last[name].as_str().map(str::to_owned);
    Ok((field("otp"), field("magic_link")))
}

/// The hosted page after the user typed `identifier` (unless the URL already carried it): the
/// page that asks for the code or says a link was sent, and the form's login context.
struct Identified<'u> {
    site: Site<'u>,
    page: Page,
    login: Result<String, BrowserError>,
}

fn open_and_identify<'u>(
    login_url: &'u str,
    identifier: &str,
) -> Result<Identified<'u>, BrowserError> {
    let (site, path) = split_url(login_url)?;
    let mut page = request(site, "GET", path, None)?;
    if page.status != 200 {
        return Err(fail(format!("the login page answered {}", page.status)));
    }
    let login = hidden_login(&page.body);
    if page.body.contains("id=\"identifier\"") {
        let login = login.as_deref().map_err(|e| fail(e.0.clone()))?;
        let form =
            format!("login={}&identifier={}", percent_encode(login), percent_encode(identifier));
        page = request(site, "POST", "/app/identifier", Some(&form))?;
        if page.status != 200 {
            return Err(fail(format!("the identifier form answered {}", page.status)));
        }
    }
    Ok(Identified { site, page, login })
}

fn submit_otp(site: Site<'_>, login: &str, otp: &str) -> Result<Page, BrowserError> {
    let form = format!("login={}&otp={}", percent_encode(login), percent_encode(otp));
    request(site, "POST", "/app/otp", Some(&form))
}

fn redirect_of(page: Page, after: &str) -> Result<String, BrowserError> {
    match (page.status, page.location) {
        (302 | 303, Some(location)) => Ok(location),
        (status, _) => Err(fail(format!("no redirect after {after} (status {status})"))),
    }
}

/// Plays the user on the emulator's hosted page at `login_url` with `identifier` (an email
/// address or phone number) and returns the URL the page redirects to
/// (`redirect_url?code=…&state=…&challenge_id=…`, or `?error=…`).
///
/// # Errors
/// [`BrowserError`] when a page is not what a user would expect.
pub fn complete_login(login_url: &str, identifier: &str) -> Result<String, BrowserError> {
    let Identified { site, page, login } = open_and_identify(login_url, identifier)?;
    let (otp, magic) = outbox(site, identifier)?;
    let done = if page.body.contains("id=\"otp\"") {
        let otp = otp.ok_or_else(|| fail("no code in the outbox"))?;
        submit_otp(site, &login?, &otp)?
    } else {
        let link = magic.ok_or_else(|| fail("no magic link in the outbox"))?;
        let (link_site, link_path) = split_url(&link)?;
        request(link_site, "GET", link_path, None)?
    };
    redirect_of(done, "sign-in")
}

/// Plays a user on the hosted page at `login_url` who types a wrong one-time code until the
/// page gives up (the emulator allows three), and returns the URL the page then redirects to
/// (`redirect_url?error=too_many_attempts&state=…`). For testing a client's rejected sign-in.
///
/// # Errors
/// [`BrowserError`] when a page is not what a user would expect, or the sign-in asks for no
/// code (a magic link).
pub fn fail_login(login_url: &str, identifier: &str) -> Result<String, BrowserError> {
    let Identified { site, page, login } = open_and_identify(login_url, identifier)?;
    if !page.body.contains("id=\"otp\"") {
        return Err(fail("the page asks for no code"));
    }
    let login = login?;
    let (otp, _) = outbox(site, identifier)?;
    let wrong = if otp.as_deref() == Some("000000") { "111111" } else { "000000" };
    // A few tries more than the emulator allows, so that a page that never gives up ends too.
    for _ in 0..10 {
        let page = submit_otp(site, &login, wrong)?;
        if page.status != 400 {
            return redirect_of(page, "wrong codes");
        }
    }
    Err(fail("the page never gave up on wrong codes"))
}

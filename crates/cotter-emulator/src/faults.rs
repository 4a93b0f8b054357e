//! Injected faults (`POST /dev/fail`) and the request journal (`GET /dev/requests`): what a client's
//! error paths are tested against, and what it sent.
//!
//! A fault matches requests by path prefix (and optionally method) outside `/dev/`, and makes them
//! fail in one of six ways: an HTTP error status, a delay before the normal answer, a TCP reset, a
//! close without an answer, half a response, or a body that is not JSON. `times` says how many
//! requests it applies to; `null` keeps it until `DELETE /dev/fail`.

use crate::http::{Response, Wire};
use crate::state::Failure;
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::string::String;
use std::vec::Vec;

/// Longest `delay_ms` accepted (one minute).
pub(crate) const MAX_DELAY_MS: u64 = 60_000;
/// Most entries the journal keeps (the oldest are dropped first).
pub(crate) const JOURNAL_LEN: usize = 10_000;

/// How a faulty request fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FaultKind {
    /// An HTTP error status (400–599) with a JSON error, or the given `body` and `headers`.
    #[default]
    Status,
    /// Waits `delay_ms`, then answers normally.
    Delay,
    /// Resets the TCP connection (RST) instead of answering.
    Reset,
    /// Closes the connection (FIN) without answering.
    Close,
    /// Sends the status line, the headers and half the body, then closes.
    Truncate,
    /// Answers `status` (default 200) with `Content-Type: application/json` and a body that is not JSON.
    MalformedJson,
}

impl FaultKind {
    /// The name used in JSON and in the journal.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Delay => "delay",
            Self::Reset => "reset",
            Self::Close => "close",
            Self::Truncate => "truncate",
            Self::MalformedJson => "malformed_json",
        }
    }
}

/// `Some(None)` for an explicit `null`, `Some(Some(n))` for a number; the field's absence is `None`.
fn explicit<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    Option::<u32>::deserialize(d).map(Some)
}

/// The body of `POST /dev/fail`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultRequest {
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    kind: FaultKind,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    body: Option<serde_json::Value>,
    #[serde(default)]
    headers: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    delay_ms: Option<u64>,
    #[serde(default, deserialize_with = "explicit")]
    times: Option<Option<u32>>,
    /// The old name of `times` (a number only).
    #[serde(default)]
    count: Option<u32>,
}

/// An active fault, as `GET /dev/fail` lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Fault {
    pub(crate) id: u64,
    pub(crate) prefix: String,
    pub(crate) method: Option<String>,
    pub(crate) kind: FaultKind,
    pub(crate) status: Option<u16>,
    pub(crate) body: Option<serde_json::Value>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) delay_ms: Option<u64>,
    /// Requests it still applies to; `None`: until cleared.
    pub(crate) times: Option<u32>,
    /// Requests it has applied to so far.
    pub(crate) applied: u64,
}

fn bad(msg: impl Into<String>) -> Failure {
    Failure::bad("invalid_request", msg)
}

/// RFC 9110 `tchar`.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl FaultRequest {
    /// Checks the request and makes it a fault with `id`.
    ///
    /// # Errors
    ///
    /// 400 for a status out of range, a missing or too long delay, a header the server owns
    /// (`Content-Length`, `Connection`, `Transfer-Encoding`) or a malformed header, `times` and `count`
    /// both given, or a `method` that is not an HTTP token.
    pub(crate) fn into_fault(self, id: u64) -> Result<Fault, Failure> {
        let times = match (self.times, self.count) {
            (Some(_), Some(_)) => return Err(bad("give times or its old name count, not both")),
            (Some(times), None) => times,
            (None, Some(count)) => Some(count),
            (None, None) => Some(1),
        };
        if times == Some(0) {
            return Err(bad("times must be at least 1, or null for until cleared"));
        }
        let status = match (self.kind, self.status) {
            (FaultKind::Status, None) => return Err(bad("a status fault needs status (400..599)")),
            (FaultKind::Status, Some(s)) if !(400..600).contains(&s) => {
                return Err(bad("status must be 400..599"));
            }
            (FaultKind::Truncate | FaultKind::MalformedJson, Some(s))
                if !(200..600).contains(&s) =>
            {
                return Err(bad("status must be 200..599"));
            }
            (FaultKind::Delay | FaultKind::Reset | FaultKind::Close, Some(_)) => {
                return Err(bad("status applies to the status, truncate and malformed_json kinds"));
            }
            (_, status) => status,
        };
        let delay_ms = match (self.kind, self.delay_ms) {
            (FaultKind::Delay, None) => return Err(bad("a delay fault needs delay_ms")),
            (_, Some(ms)) if ms > MAX_DELAY_MS => {
                return Err(bad("delay_ms must be at most 60000"));
            }
            (FaultKind::Delay, Some(ms)) => Some(ms),
            (_, Some(_)) => return Err(bad("delay_ms applies to the delay kind")),
            (_, None) => None,
        };
        if (self.body.is_some() || self.headers.is_some()) && self.kind != FaultKind::Status {
            return Err(bad("body and headers apply to the status kind"));
        }
        let mut headers = Vec::new();
        for (name, value) in self.headers.unwrap_or_default() {
            let serde_json::Value::String(value) = value else {
                return Err(bad("header values must be strings"));
            };
            if !is_token(&name) || value.chars().any(char::is_control) {
                return Err(bad(format!("malformed header {name:?}")));
            }
            if ["content-length", "connection", "transfer-encoding"]
                .iter()
                .any(|owned| name.eq_ignore_ascii_case(owned))
            {
                return Err(bad(format!("{name} is set by the server")));
            }
            headers.push((name, value));
        }
        let method = match self.method {
            Some(m) if !is_token(&m) => return Err(bad("method must be an HTTP method")),
            Some(m) => Some(m.to_ascii_uppercase()),
            None => None,
        };
        Ok(Fault {
            id,
            prefix: self.prefix,
            method,
            kind: self.kind,
            status,
            body: self.body,
            headers,
            delay_ms,
            times,
            applied: 0,
        })
    }
}

impl Fault {
    /// Whether the fault applies to `method` `path`.
    fn matches(&self, method: &str, path: &str) -> bool {
        path.starts_with(&self.prefix)
            && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
    }

    /// What the fault does to this request.
    fn effect(&self) -> Effect {
        match self.kind {
            FaultKind::Delay => Effect::Delay(self.delay_ms.unwrap_or(0)),
            FaultKind::Status => Effect::Answer(self.status_response()),
            FaultKind::Reset => Effect::Answer(wire(Wire::Reset)),
            FaultKind::Close => Effect::Answer(wire(Wire::Close)),
            FaultKind::Truncate => Effect::Truncate(self.status),
            FaultKind::MalformedJson => {
                let mut response = Response::json(self.status.unwrap_or(200), &());
                response.body =
                    b"{\"msg\": \"injected malformed JSON (POST /dev/fail)\", ".to_vec();
                Effect::Answer(response)
            }
        }
    }

    fn status_response(&self) -> Response {
        let status = self.status.unwrap_or(503);
        let mut response = match &self.body {
            None => {
                Response::error(status, "injected_failure", "injected failure (POST /dev/fail)")
            }
            Some(serde_json::Value::String(text)) => {
                let mut response = Response::json(status, &());
                response.body = text.clone().into_bytes();
                response
            }
            Some(value) => Response::json(status, value),
        };
        for (name, value) in &self.headers {
            response.headers.push((Cow::Owned(name.clone()), value.clone()));
        }
        response
    }
}

fn wire(action: Wire) -> Response {
    let mut response = Response::error(500, "injected_failure", "injected failure");
    response.wire = action;
    response
}

/// What an applicable fault does.
#[derive(Debug)]
pub(crate) enum Effect {
    /// Answer with this response (its `wire` may say to reset or close instead).
    Answer(Response),
    /// Wait this many milliseconds, then answer normally.
    Delay(u64),
    /// Answer normally (with this status instead, if given), but send half the body and close.
    Truncate(Option<u16>),
}

/// The active faults.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    active: Vec<Fault>,
    next_id: u64,
}

impl Faults {
    /// Adds a fault; returns it as listed.
    ///
    /// # Errors
    ///
    /// See [`FaultRequest::into_fault`].
    pub(crate) fn add(&mut self, request: FaultRequest) -> Result<Fault, Failure> {
        self.next_id += 1;
        let fault = request.into_fault(self.next_id)?;
        self.active.push(fault.clone());
        Ok(fault)
    }

    /// The active faults, oldest first.
    pub(crate) fn list(&self) -> Vec<Fault> {
        self.active.clone()
    }

    /// Removes every fault; returns how many there were.
    pub(crate) fn clear(&mut self) -> usize {
        core::mem::take(&mut self.active).len()
    }

    /// The first fault for `method` `path` (counted down; removed when used up): its kind and effect.
    pub(crate) fn take(&mut self, method: &str, path: &str) -> Option<(FaultKind, Effect)> {
        let index = self.active.iter().position(|f| f.matches(method, path))?;
        let fault = &mut self.active[index];
        fault.applied += 1;
        let found = (fault.kind, fault.effect());
        if let Some(times) = &mut fault.times {
            *times -= 1;
            if *times == 0 {
                self.active.remove(index);
            }
        }
        Some(found)
    }
}

/// One journal entry (`GET /dev/requests`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Entry {
    /// Sequence number from 1; `?since=N` lists the entries after N.
    pub(crate) id: u64,
    /// When it arrived: emulator clock, RFC 3339.
    pub(crate) time: String,
    pub(crate) method: String,
    /// The path, without the query (which may hold a magic-link token).
    pub(crate) path: String,
    /// The status sent; `null` when the connection was reset or closed instead.
    pub(crate) status: Option<u16>,
    /// From arrival to the response being ready (an injected delay included), milliseconds.
    pub(crate) latency_ms: f64,
    /// The fault kind applied, if any.
    pub(crate) fault: Option<&'static str>,
    /// The API key ID the request named (header or `/token/<key>` path), if any.
    pub(crate) api_key: Option<String>,
}

/// The newest [`JOURNAL_LEN`] requests.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    entries: VecDeque<Entry>,
    next_id: u64,
}

impl Journal {
    /// Appends `entry` (its `id` is assigned here) and returns the id.
    pub(crate) fn push(&mut self, mut entry: Entry) -> u64 {
        self.next_id += 1;
        entry.id = self.next_id;
        if self.entries.len() >= JOURNAL_LEN {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
        self.next_id
    }

    /// Entries with an id above `since`, oldest first.
    pub(crate) fn since(&self, since: u64) -> Vec<Entry> {
        self.entries.iter().filter(|e| e.id > since).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{FaultKind, FaultRequest, Faults};

    fn request(json: &str) -> FaultRequest {
        serde_json::from_str(json).expect("valid JSON")
    }

    #[test]
    fn times_count_and_null() {
        let mut faults = Faults::default();
        let old = faults.add(request(r#"{"prefix":"/a","status":503,"count":2}"#)).expect("ok");
        assert_eq!((old.times, old.kind), (Some(2), FaultKind::Status));
        let forever =
            faults.add(request(r#"{"prefix":"/b","kind":"reset","times":null}"#)).expect("ok");
        assert_eq!(forever.times, None);
        let once = faults.add(request(r#"{"prefix":"/c","kind":"close"}"#)).expect("ok");
        assert_eq!(once.times, Some(1));
        assert!(faults.take("GET", "/a/x").is_some());
        assert!(faults.take("GET", "/a/x").is_some());
        assert!(faults.take("GET", "/a/x").is_none());
        for _ in 0..5 {
            assert!(faults.take("POST", "/b").is_some());
        }
        assert_eq!(faults.list().len(), 2);
        assert_eq!(faults.clear(), 2);
        assert!(faults.take("POST", "/b").is_none());
    }

    #[test]
    fn method_filter() {
        let mut faults = Faults::default();
        faults.add(request(r#"{"prefix":"/t","method":"delete","status":500}"#)).expect("ok");
        assert!(faults.take("POST", "/t").is_none());
        assert!(faults.take("DELETE", "/t").is_some());
    }

    #[test]
    fn invalid_requests() {
        let mut faults = Faults::default();
        for bad in [
            r#"{"prefix":"/","status":200}"#,
            r#"{"prefix":"/"}"#,
            r#"{"prefix":"/","kind":"delay"}"#,
            r#"{"prefix":"/","kind":"delay","delay_ms":60001}"#,
            r#"{"prefix":"/","kind":"reset","status":500}"#,
            r#"{"prefix":"/","status":500,"times":1,"count":1}"#,
            r#"{"prefix":"/","status":500,"times":0}"#,
            r#"{"prefix":"/","status":500,"headers":{"Content-Length":"1"}}"#,
            r#"{"prefix":"/","status":500,"headers":{"X-A":"b\nc"}}"#,
            r#"{"prefix":"/","status":500,"headers":{"X A":"b"}}"#,
            r#"{"prefix":"/","kind":"close","body":"x"}"#,
            r#"{"prefix":"/","status":500,"method":"GE T"}"#,
        ] {
            assert!(faults.add(request(bad)).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<FaultRequest>(r#"{"kind":"explode"}"#).is_err());
        assert!(serde_json::from_str::<FaultRequest>(r#"{"bogus":1}"#).is_err());
        assert!(faults.list().is_empty());
    }
}

//! The development console, `GET /dev/ui`: one server-rendered page (no JavaScript needed) over the
//! state API's data — users, sessions, trusted devices, events, the outbox, the clock, the signing
//! keys, injected faults and the request journal — with plain HTML forms for the actions. Each form
//! posts to `/dev/ui/<action>` and is answered with `303` back to `/dev/ui` (post/redirect/get), the
//! outcome in `?done=`.

use super::{method_not_allowed, not_found};
use crate::app::App;
use crate::faults::FaultRequest;
use crate::http::{Request, Response};
use crate::util::html::escape;
use crate::util::url::{parse_pairs, percent_encode};
use core::fmt::Write as _;
use std::string::String;
use std::vec::Vec;

/// Journal entries the page shows.
const RECENT_REQUESTS: usize = 50;
/// Outbox messages the page shows.
const RECENT_MESSAGES: usize = 20;

pub(crate) fn route(app: &App, req: &Request, rest: &[&str]) -> Response {
    match (rest, req.method.as_str()) {
        ([], "GET") => page(app, req),
        ([], _) => Some(method_not_allowed("GET")),
        (action, "POST") => act(app, req, action),
        ([_, ..], _) => Some(method_not_allowed("POST")),
    }
    .unwrap_or_else(|| not_found(app, req))
}

/// Runs a form's action; `None` for an unknown one.
fn act(app: &App, req: &Request, action: &[&str]) -> Option<Response> {
    let form = parse_pairs(&String::from_utf8_lossy(&req.body));
    let field = |name: &str| {
        form.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
    };
    let outcome = match action {
        ["sessions", "revoke"] => match field("session").parse::<u64>() {
            Ok(id) if app.lock().revoke_session(id) => format!("Session {id} revoked."),
            _ => String::from("No such session."),
        },
        ["users", "delete"] => {
            let id = field("user");
            if app.lock().delete_user(&id) {
                format!("User {id} deleted, with their devices, sessions and events.")
            } else {
                String::from("No such user.")
            }
        }
        ["events", "respond"] => {
            let approved = field("approved") == "true";
            match field("event").parse::<u64>() {
                Ok(id) => match app.lock().respond_as_device(id, approved) {
                    Ok(_) => {
                        format!("Event {id} {}.", if approved { "approved" } else { "rejected" })
                    }
                    Err(failure) => format!("Event {id}: {}", failure.msg),
                },
                Err(_) => String::from("No such event."),
            }
        }
        ["clock"] => match field("advance").parse::<u64>() {
            Ok(seconds) => {
                let offset = app.lock().advance_clock(seconds);
                format!("Clock moved {seconds} s forward (offset now {offset} s).")
            }
            Err(_) => String::from("Enter a whole number of seconds."),
        },
        ["keys", "rotate"] => {
            let mut state = app.lock();
            let state = &mut *state;
            format!("New signing key {}.", state.keys.rotate(&mut state.rng))
        }
        ["faults", "add"] => add_fault(app, &field),
        ["faults", "clear"] => format!("{} fault(s) cleared.", app.faults().clear()),
        ["reset"] => {
            app.lock().reset();
            app.faults().clear();
            String::from("Everything but the configuration was reset.")
        }
        _ => return None,
    };
    Some(Response::redirect(format!("/dev/ui?done={}", percent_encode(&outcome))))
}

fn add_fault(app: &App, field: &dyn Fn(&str) -> String) -> String {
    let mut body = serde_json::Map::new();
    body.insert("prefix".into(), field("prefix").into());
    body.insert("kind".into(), field("kind").into());
    let method = field("method");
    if !method.is_empty() {
        body.insert("method".into(), method.into());
    }
    for number in ["status", "delay_ms"] {
        if let Ok(n) = field(number).parse::<u64>() {
            body.insert(number.into(), n.into());
        }
    }
    let times = field("times");
    body.insert(
        "times".into(),
        if times.is_empty() {
            serde_json::Value::Null
        } else {
            times.parse::<u64>().unwrap_or(0).into()
        },
    );
    match serde_json::from_value::<FaultRequest>(body.into()) {
        Ok(request) => match app.faults().add(request) {
            Ok(fault) => format!("Fault {} added.", fault.id),
            Err(failure) => format!("Fault not added: {}", failure.msg),
        },
        Err(e) => format!("Fault not added: {e}"),
    }
}

/// A `<form>` with one button posting `fields` to `/dev/ui/<action>`.
fn button(action: &str, fields: &[(&str, &str)], label: &str, id: &str) -> String {
    let mut html = format!("<form method=\"post\" action=\"/dev/ui/{action}\" class=\"inline\">");
    for (name, value) in fields {
        let _ = write!(html, "<input type=\"hidden\" name=\"{name}\" value=\"{}\">", escape(value));
    }
    let _ = write!(html, "<button id=\"{}\" type=\"submit\">{label}</button></form>", escape(id));
    html
}

fn table(id: &str, headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut html = format!("<table id=\"{id}\"><thead><tr>");
    for header in headers {
        let _ = write!(html, "<th>{header}</th>");
    }
    html.push_str("</tr></thead><tbody>");
    if rows.is_empty() {
        let _ = write!(html, "<tr><td colspan=\"{}\" class=\"none\">none</td></tr>", headers.len());
    }
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            let _ = write!(html, "<td>{cell}</td>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    html
}

fn page(app: &App, req: &Request) -> Option<Response> {
    let e = |text: &str| escape(text);
    let (users, sessions, devices, events, outbox, now, offset, jwks) = {
        let state = app.lock();
        (
            state.user_views(),
            state.session_views(),
            state.device_views(),
            state.event_views(),
            state.outbox(None),
            state.now(),
            state.clock_offset(),
            serde_json::to_value(state.keys.jwks()).unwrap_or_default(),
        )
    };
    let faults = app.faults().list();
    let journal = app.journal().since(0);
    let mut body = String::new();
    if let Some(done) = req.query_param("done") {
        let _ = write!(body, "<p id=\"done\" role=\"status\">{}</p>", e(&done));
    }

    body.push_str("<h2 id=\"users-heading\">Users</h2>");
    let rows = users
        .iter()
        .map(|u| {
            vec![
                format!("<code>{}</code>", e(&u.id)),
                e(&u.identifier),
                e(&u.api_key),
                e(&u.created),
                u.devices.to_string(),
                button("users/delete", &[("user", &u.id)], "Delete", &format!("delete-{}", u.id)),
            ]
        })
        .collect();
    body.push_str(&table(
        "users",
        &["ID", "identifier", "API key", "created", "devices", ""],
        rows,
    ));

    body.push_str("<h2>Sessions</h2>");
    let rows = sessions
        .iter()
        .map(|s| {
            let action = if s.status == "active" {
                button(
                    "sessions/revoke",
                    &[("session", &s.id.to_string())],
                    "Revoke",
                    &format!("revoke-{}", s.id),
                )
            } else {
                String::new()
            };
            vec![
                s.id.to_string(),
                e(&s.identifier),
                e(&s.api_key),
                e(&s.auth_method),
                e(&s.created),
                e(s.last_refresh.as_deref().unwrap_or("never")),
                format!("<span id=\"status-{}\">{}</span>", s.id, s.status),
                action,
            ]
        })
        .collect();
    body.push_str(&table(
        "sessions",
        &["ID", "user", "API key", "method", "created", "last refresh", "status", ""],
        rows,
    ));

    body.push_str("<h2>Trusted devices</h2>");
    let rows = devices
        .iter()
        .map(|d| {
            let key: String = d.public_key.chars().take(24).collect();
            vec![
                e(&d.identifier),
                e(&d.api_key),
                e(&d.algorithm),
                format!("<code>{}…</code>", e(&key)),
                e(&d.enrolled),
            ]
        })
        .collect();
    body.push_str(&table(
        "devices",
        &["user", "API key", "algorithm", "public key", "enrolled"],
        rows,
    ));

    body.push_str(
        "<h2>Events</h2><p class=\"hint\">Approving here answers as the user's trusted device.</p>",
    );
    let rows = events
        .iter()
        .map(|ev| {
            let id = ev.id.to_string();
            let actions = if ev.status == "pending" {
                button(
                    "events/respond",
                    &[("event", &id), ("approved", "true")],
                    "Approve",
                    &format!("approve-{id}"),
                ) + &button(
                    "events/respond",
                    &[("event", &id), ("approved", "false")],
                    "Reject",
                    &format!("reject-{id}"),
                )
            } else {
                String::new()
            };
            vec![
                id,
                e(&ev.identifier),
                e(&ev.event),
                e(&ev.ip),
                e(&ev.created),
                ev.status.into(),
                actions,
            ]
        })
        .collect();
    body.push_str(&table("events", &["ID", "user", "event", "IP", "created", "status", ""], rows));

    body.push_str("<h2>Outbox</h2>");
    let rows = outbox
        .iter()
        .rev()
        .take(RECENT_MESSAGES)
        .map(|m| {
            let what = match (&m.otp, &m.magic_link) {
                (Some(otp), _) => format!("OTP <code>{}</code>", e(otp)),
                (None, Some(link)) => format!("<a href=\"{0}\">{0}</a>", e(link)),
                (None, None) => String::new(),
            };
            vec![e(&m.created_at), e(&m.identifier), what]
        })
        .collect();
    body.push_str(&table("outbox", &["sent", "to", "message"], rows));

    let _ = write!(
        body,
        "<h2>Clock</h2><p>Emulator clock <b id=\"now\">{}</b> ({now}), {offset} s ahead of the system \
         clock.</p><form method=\"post\" action=\"/dev/ui/clock\"><label>Advance by \
         <input id=\"advance\" name=\"advance\" type=\"number\" min=\"0\" value=\"3600\"> s</label> \
         <button id=\"advance-clock\" type=\"submit\">Advance</button></form>",
        e(&crate::util::time::rfc3339(now))
    );

    body.push_str("<h2>Signing keys</h2><ul id=\"keys\">");
    for key in jwks["keys"].as_array().into_iter().flatten() {
        let _ = write!(body, "<li><code>{}</code></li>", e(key["kid"].as_str().unwrap_or("")));
    }
    body.push_str("</ul>");
    body.push_str(&button("keys/rotate", &[], "Rotate the signing key", "rotate-key"));

    body.push_str("<h2>Faults</h2>");
    let rows = faults
        .iter()
        .map(|f| {
            vec![
                f.id.to_string(),
                format!("<code>{}</code>", e(&f.prefix)),
                e(f.method.as_deref().unwrap_or("any")),
                f.kind.name().into(),
                f.status.map_or_else(String::new, |s| s.to_string()),
                f.delay_ms.map_or_else(String::new, |d| format!("{d} ms")),
                f.times.map_or_else(|| String::from("until cleared"), |t| t.to_string()),
                f.applied.to_string(),
            ]
        })
        .collect();
    body.push_str(&table(
        "faults",
        &["ID", "prefix", "method", "kind", "status", "delay", "left", "applied"],
        rows,
    ));
    body.push_str(
        "<form method=\"post\" action=\"/dev/ui/faults/add\" id=\"add-fault\">\
         <input name=\"prefix\" placeholder=\"/api/v0/token\" value=\"/api/v0/token\" size=\"16\"> \
         <input name=\"method\" placeholder=\"method\" size=\"6\"> \
         <select name=\"kind\"><option>status</option><option>delay</option><option>reset</option>\
         <option>close</option><option>truncate</option><option>malformed_json</option></select> \
         <input name=\"status\" placeholder=\"status\" value=\"503\" size=\"4\"> \
         <input name=\"delay_ms\" placeholder=\"delay ms\" size=\"6\"> \
         <input name=\"times\" placeholder=\"times (empty: until cleared)\" value=\"1\" size=\"6\"> \
         <button id=\"add-fault-submit\" type=\"submit\">Add fault</button></form>",
    );
    body.push_str(&button("faults/clear", &[], "Clear all faults", "clear-faults"));

    body.push_str("<h2>Requests</h2>");
    let rows = journal
        .iter()
        .rev()
        .take(RECENT_REQUESTS)
        .map(|r| {
            vec![
                r.id.to_string(),
                e(&r.time),
                e(&r.method),
                format!("<code>{}</code>", e(&r.path)),
                r.status.map_or_else(|| String::from("—"), |s| s.to_string()),
                format!("{:.1} ms", r.latency_ms),
                r.fault.unwrap_or("").into(),
                e(r.api_key.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    body.push_str(&table(
        "requests",
        &["#", "time", "method", "path", "status", "latency", "fault", "API key"],
        rows,
    ));
    body.push_str(
        "<h2>Reset</h2><p class=\"hint\">Forgets users, devices, sessions, events, the outbox, \
        faults and the clock offset; makes new signing keys. The configuration stays.</p>",
    );
    body.push_str(&button("reset", &[], "Reset everything", "reset"));

    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Console · Cotter emulator</title><style>\
body{{font-family:system-ui,sans-serif;margin:1rem 2rem;color:#222}}\
table{{border-collapse:collapse;margin:.5rem 0 1rem}}td,th{{border:1px solid #ddd;padding:.25rem .5rem;\
font-size:.9rem;text-align:left}}th{{background:#f4f4f4}}.none{{color:#888}}.inline{{display:inline}}\
#dev-only{{background:#fff3cd;border:1px solid #e0c36c;padding:.5rem 1rem}}\
#done{{background:#e6f4ea;padding:.5rem 1rem}}.hint{{color:#666;font-size:.85rem}}</style></head>\n\
<body><h1>Cotter emulator console</h1>\
<p id=\"dev-only\" role=\"note\"><b>For development only.</b> This console and every <code>/dev/</code> \
endpoint change the emulator's state without authentication; never expose them to a network.</p>\n\
{body}\n</body></html>\n"
    );
    Some(Response::html(200, html))
}

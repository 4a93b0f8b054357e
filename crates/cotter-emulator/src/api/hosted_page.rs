//! The hosted login page (`GET /app`, the stand-in for `js.cotter.app/app`): plain HTML forms that work
//! without JavaScript. Stable element IDs: `identifier` and `otp` (inputs), `submit` (each form's button),
//! `error` (the message of a rejected entry).

use super::{method_not_allowed, not_found};
use crate::app::App;
use crate::http::{Request, Response};
use crate::state::{LoginParams, OtpOutcome};
use crate::util::html::escape;
use crate::util::url::{parse_pairs, percent_encode};
use std::string::String;

pub(crate) fn route(app: &App, req: &Request, rest: &[&str]) -> Response {
    match (rest, req.method.as_str()) {
        ([], "GET") => start(app, req),
        (["identifier"], "POST") => submit_identifier(app, req),
        (["otp"], "POST") => submit_otp(app, req),
        (["magic"], "GET") => magic(app, req),
        ([], _) | (["magic"], _) => method_not_allowed("GET"),
        (["identifier" | "otp"], _) => method_not_allowed("POST"),
        _ => not_found(app, req),
    }
}

fn start(app: &App, req: &Request) -> Response {
    let param = |name| req.query_param(name).unwrap_or_default();
    let api_key = param("api_key");
    if !app.settings.known_key(&api_key) {
        return error_page(
            401,
            "Unknown API key",
            "The api_key parameter is missing or not a known API key ID.",
        );
    }
    let redirect_url = param("redirect_url");
    if !app.settings.redirect_allowed(&redirect_url) {
        return error_page(
            400,
            "Redirect URL not allowed",
            &format!("The redirect URL {redirect_url:?} is not in the list of allowed URLs."),
        );
    }
    let identifier_type =
        req.query_param("type").unwrap_or_else(|| "EMAIL".into()).to_ascii_uppercase();
    if identifier_type != "EMAIL" && identifier_type != "PHONE" {
        return error_page(400, "Bad request", "type must be EMAIL or PHONE.");
    }
    let auth_method =
        req.query_param("auth_method").unwrap_or_else(|| "OTP".into()).to_ascii_uppercase();
    if auth_method != "OTP" && auth_method != "MAGIC_LINK" {
        return error_page(400, "Bad request", "auth_method must be OTP or MAGIC_LINK.");
    }
    let code_challenge = param("code_challenge");
    if code_challenge.is_empty() {
        return error_page(400, "Bad request", "code_challenge (PKCE S256) is required.");
    }
    let params = LoginParams {
        api_key,
        redirect_url,
        identifier_type,
        code_challenge,
        state: param("state"),
        auth_method,
    };
    let direct = req.query_param("direct_login").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let input = param("input");
    let kind = params.identifier_type.clone();
    let login = app.lock().begin_login(params);
    if direct && !input.is_empty() {
        return send(app, &login, &kind, &input);
    }
    identifier_form(200, &login, &kind, "", None)
}

fn submit_identifier(app: &App, req: &Request) -> Response {
    let form = Form::parse(req);
    let kind = app.lock().login(&form.login).map(|l| l.params.identifier_type.clone());
    match kind {
        Some(kind) => send(app, &form.login, &kind, &form.get("identifier")),
        None => expired_page(),
    }
}

/// Validates `input` and sends the OTP or magic link, or shows the identifier form again with an error.
fn send(app: &App, login: &str, kind: &str, input: &str) -> Response {
    let identifier = match normalize_identifier(kind, input) {
        Ok(identifier) => identifier,
        Err(message) => return identifier_form(400, login, kind, input, Some(message)),
    };
    let mut state = app.lock();
    if let Err(failure) = state.send_challenge(login, &identifier) {
        return error_page(failure.status, "Sign-in failed", &failure.msg);
    }
    let magic = state.login(login).is_some_and(|l| l.params.auth_method == "MAGIC_LINK");
    drop(state);
    if magic { magic_sent_page(&identifier) } else { otp_form(200, login, &identifier, None) }
}

fn submit_otp(app: &App, req: &Request) -> Response {
    let form = Form::parse(req);
    let mut state = app.lock();
    let identifier = state.challenge_identifier(&form.login).map(String::from);
    match state.check_otp(&form.login, &form.get("otp")) {
        Ok(OtpOutcome::Redirect(location)) => Response::redirect(location),
        Ok(OtpOutcome::Wrong(left)) => {
            let message = format!(
                "That code is not right. {left} attempt{} left.",
                if left == 1 { "" } else { "s" }
            );
            otp_form(400, &form.login, &identifier.unwrap_or_default(), Some(&message))
        }
        Err(failure) if failure.kind == "invalid_request" && identifier.is_none() => {
            drop(state);
            expired_page()
        }
        Err(failure) => error_page(failure.status, "Sign-in failed", &failure.msg),
    }
}

fn magic(app: &App, req: &Request) -> Response {
    let token = req.query_param("token").unwrap_or_default();
    match app.lock().open_magic_link(&token) {
        Ok(location) => Response::redirect(location),
        Err(failure) => error_page(failure.status, "Link not valid", &failure.msg),
    }
}

/// `EMAIL`: one `@` with text on both sides, no spaces. `PHONE`: `+` and 6–15 digits (spaces, dashes,
/// dots and parentheses dropped).
pub(crate) fn normalize_identifier(kind: &str, input: &str) -> Result<String, &'static str> {
    let input = input.trim();
    if kind == "PHONE" {
        let compact: String =
            input.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
        let digits = compact
            .strip_prefix('+')
            .ok_or("Enter the phone number with its country code, like +14155550100.")?;
        if (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(compact)
        } else {
            Err("Enter the phone number with its country code, like +14155550100.")
        }
    } else {
        let valid = (3..=254).contains(&input.len())
            && input.split('@').count() == 2
            && input.split('@').all(|part| !part.is_empty())
            && !input
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ','));
        if valid { Ok(input.into()) } else { Err("Enter a valid email address.") }
    }
}

/// An `application/x-www-form-urlencoded` body with its hidden `login` field.
struct Form {
    login: String,
    pairs: std::vec::Vec<(String, String)>,
}

impl Form {
    fn parse(req: &Request) -> Self {
        let pairs = parse_pairs(&String::from_utf8_lossy(&req.body));
        let login =
            pairs.iter().find(|(k, _)| k == "login").map(|(_, v)| v.clone()).unwrap_or_default();
        Self { login, pairs }
    }

    fn get(&self, name: &str) -> String {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }
}

fn page(status: u16, title: &str, body: &str) -> Response {
    Response::html(
        status,
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} · Cotter emulator</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#222}}\
input,button{{font-size:1.1rem;padding:.5rem;width:100%;box-sizing:border-box;margin:.4rem 0}}\
#error{{color:#b00020}}.hint{{color:#666;font-size:.85rem}}</style></head>\n<body><h1>{title}</h1>\n{body}\n</body></html>\n",
            title = escape(title)
        ),
    )
}

fn error_html(error: Option<&str>) -> String {
    error
        .map_or_else(String::new, |e| format!("<p id=\"error\" role=\"alert\">{}</p>\n", escape(e)))
}

fn identifier_form(
    status: u16,
    login: &str,
    kind: &str,
    value: &str,
    error: Option<&str>,
) -> Response {
    let (label, input_mode, autocomplete) =
        if kind == "PHONE" { ("Phone number", "tel", "tel") } else { ("Email", "email", "email") };
    page(
        status,
        "Sign in",
        &format!(
            "{error}<form method=\"post\" action=\"/app/identifier\">\n\
<input type=\"hidden\" name=\"login\" value=\"{login}\">\n\
<label for=\"identifier\">{label}</label>\n\
<input id=\"identifier\" name=\"identifier\" type=\"text\" inputmode=\"{input_mode}\" autocomplete=\"{autocomplete}\" value=\"{value}\" required autofocus>\n\
<button id=\"submit\" type=\"submit\">Continue</button>\n</form>",
            error = error_html(error),
            login = escape(login),
            value = escape(value),
        ),
    )
}

fn otp_form(status: u16, login: &str, identifier: &str, error: Option<&str>) -> Response {
    page(
        status,
        "Enter your code",
        &format!(
            "<p>We sent a 6-digit code to <b id=\"sent-to\">{who}</b>. It expires in 10 minutes.</p>\n{error}\
<form method=\"post\" action=\"/app/otp\">\n\
<input type=\"hidden\" name=\"login\" value=\"{login}\">\n\
<label for=\"otp\">Code</label>\n\
<input id=\"otp\" name=\"otp\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" required autofocus>\n\
<button id=\"submit\" type=\"submit\">Verify</button>\n</form>\n\
<p class=\"hint\">Development server: the code is in <a href=\"/dev/outbox?identifier={query}\">the outbox</a> and on its stdout.</p>",
            who = escape(identifier),
            error = error_html(error),
            login = escape(login),
            query = escape(&percent_encode(identifier)),
        ),
    )
}

fn magic_sent_page(identifier: &str) -> Response {
    page(
        200,
        "Check your inbox",
        &format!(
            "<p>We sent a sign-in link to <b id=\"sent-to\">{who}</b>. Open it to continue; it expires in 10 minutes.</p>\n\
<p class=\"hint\">Development server: the link is in <a href=\"/dev/outbox?identifier={query}\">the outbox</a> and on its stdout.</p>",
            who = escape(identifier),
            query = escape(&percent_encode(identifier)),
        ),
    )
}

fn error_page(status: u16, title: &str, message: &str) -> Response {
    page(status, title, &error_html(Some(message)))
}

fn expired_page() -> Response {
    error_page(400, "Sign-in expired", "This sign-in page has expired. Start again from the app.")
}

#[cfg(test)]
mod tests {
    use super::normalize_identifier;

    #[test]
    fn identifiers() {
        assert_eq!(normalize_identifier("EMAIL", " a@b.c "), Ok("a@b.c".into()));
        assert!(normalize_identifier("EMAIL", "a@@b").is_err());
        assert!(normalize_identifier("EMAIL", "a b@c").is_err());
        assert!(normalize_identifier("EMAIL", "@c").is_err());
        assert_eq!(normalize_identifier("PHONE", "+1 (415) 555-0100"), Ok("+14155550100".into()));
        assert!(normalize_identifier("PHONE", "4155550100").is_err());
        assert!(normalize_identifier("PHONE", "+12ab").is_err());
    }
}

//! `verify`: a command-line verifier for Cotter tokens (and any ES256 JWT).
//!
//! ```text
//! cargo run -p cotter-examples --example verify -- \
//!     --jwks FILE --aud AUD --iss ISS --now UNIX [--leeway SECS] TOKEN
//! ```
//!
//! `TOKEN` is the compact token, or `-` to read it from standard input (surrounding
//! whitespace is trimmed there). Exit status: 0 and `{"header":…,"claims":…}` on stdout when
//! the token is valid; 1 and one line `error: <reason>` on stderr when it is not; 2 with a
//! message for a usage error or an unreadable or invalid JWKS file.

use cotter_jwt::{Jwks, UntrustedToken, Validation};
use std::io::Read;
use std::process::ExitCode;

const USAGE: &str =
    "usage: verify --jwks FILE --aud AUD --iss ISS --now UNIX [--leeway SECS] TOKEN|-";

/// How many keys a JWKS file may hold here.
const MAX_KEYS: usize = 16;

struct Args {
    jwks: String,
    aud: String,
    iss: String,
    now: u64,
    leeway: Option<u64>,
    token: String,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut jwks = None;
    let mut aud = None;
    let mut iss = None;
    let mut now = None;
    let mut leeway = None;
    let mut token = None;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let slot = match flag.as_str() {
            "--jwks" => &mut jwks,
            "--aud" => &mut aud,
            "--iss" => &mut iss,
            "--now" => &mut now,
            "--leeway" => &mut leeway,
            "-h" | "--help" => return Err(String::new()),
            "--" => {
                let rest: Vec<String> = args.by_ref().collect();
                match (rest.as_slice(), &token) {
                    ([t], None) => token = Some(t.clone()),
                    _ => return Err("expected exactly one TOKEN".into()),
                }
                continue;
            }
            f if f.starts_with("--") => return Err(format!("unknown option `{f}`")),
            _ => {
                if token.replace(arg).is_some() {
                    return Err("expected exactly one TOKEN".into());
                }
                continue;
            }
        };
        let value = match inline {
            Some(v) => v,
            None => args.next().ok_or_else(|| format!("`{flag}` needs a value"))?,
        };
        if slot.replace(value).is_some() {
            return Err(format!("`{flag}` given twice"));
        }
    }
    let need = |v: Option<String>, name: &str| v.ok_or_else(|| format!("missing `{name}`"));
    let number = |v: String, name: &str| {
        v.parse::<u64>()
            .map_err(|_| format!("`{name}` must be a whole number of seconds, got `{v}`"))
    };
    Ok(Args {
        jwks: need(jwks, "--jwks")?,
        aud: need(aud, "--aud")?,
        iss: need(iss, "--iss")?,
        now: number(need(now, "--now")?, "--now")?,
        leeway: leeway.map(|v| number(v, "--leeway")).transpose()?,
        token: need(token, "TOKEN")?,
    })
}

fn usage_error(msg: &str) -> ExitCode {
    if msg.is_empty() {
        eprintln!("{USAGE}");
    } else {
        eprintln!("verify: {msg}\n{USAGE}");
    }
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => return usage_error(&msg),
    };
    let jwks_text = match std::fs::read_to_string(&args.jwks) {
        Ok(t) => t,
        Err(e) => return usage_error(&format!("cannot read JWKS file `{}`: {e}", args.jwks)),
    };
    let jwks = match Jwks::<MAX_KEYS>::from_json(&jwks_text) {
        Ok(j) => j,
        Err(e) => return usage_error(&format!("invalid JWKS file `{}`: {e}", args.jwks)),
    };
    let token = if args.token == "-" {
        let mut s = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut s) {
            return usage_error(&format!("cannot read the token from standard input: {e}"));
        }
        s.trim().to_owned()
    } else {
        args.token
    };

    let mut validation = Validation::new(args.now).audience(&args.aud).issuer(&args.iss);
    if let Some(leeway) = args.leeway {
        validation = validation.leeway(leeway);
    }
    let mut buf = vec![0u8; UntrustedToken::buffer_len(&token)];
    match jwks.verify(&token, &validation, &mut buf) {
        Ok(verified) => {
            println!(
                "{{\"header\":{},\"claims\":{}}}",
                verified.header().json(),
                verified.claims().json()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

//! Where cotter-proto's JSON decoder refuses what `serde_json` (through the serde derives)
//! accepts, by design. Shared by the differential tests (`json/diff_tests.rs`) and the
//! `proto_decode` fuzz target (`fuzz/src/proto_decode.rs`, which includes this file), so that
//! both excuse exactly the same cases. The includer has `Error` and `JsonErrorKind` in scope.

use super::{Error, JsonErrorKind};

/// Refusals `serde_json` does not share, by design: nesting deeper than
/// `cotter_proto::json::MAX_DEPTH` (serde_json allows 128), a lone UTF-16 surrogate escape in
/// a skipped member (serde_json checks only the hex digits there), more list items than
/// `cotter_proto::MAX_LIST` (the owned `Vec` has no bound), and a struct written as a JSON
/// array (serde's derives read it by position).
pub(super) fn excused(e: &Error, body: &str) -> bool {
    let Error::Json { error, object, member } = *e else {
        return false;
    };
    let lower = body.to_ascii_lowercase();
    let surrogate = ["\\ud8", "\\ud9", "\\uda", "\\udb", "\\udc", "\\udd", "\\ude", "\\udf"]
        .iter()
        .any(|p| lower.contains(p));
    match error.kind() {
        JsonErrorKind::TooDeep => true,
        // The string kinds: a bad escape, a raw control character, invalid UTF-8.
        JsonErrorKind::InvalidEscape
        | JsonErrorKind::ControlCharacter
        | JsonErrorKind::InvalidUtf8 => surrogate,
        JsonErrorKind::InvalidValue => matches!(member, Some("enrolled" | "identifiers")),
        // serde's derives also read a struct from an array of its members in order.
        JsonErrorKind::InvalidType => body.contains('[') && struct_position(object, member),
        _ => false,
    }
}

/// Whether an error at `object` and `member` is about a place where a struct is expected: the
/// body itself, or a member that holds one.
fn struct_position(object: Option<&str>, member: Option<&str>) -> bool {
    matches!(
        (object, member),
        (None, None)
            | (Some("IdentityResponse"), Some("identifier" | "token" | "user" | "oauth_token"))
            | (Some("User" | "Event"), Some("oauth_token"))
    )
}

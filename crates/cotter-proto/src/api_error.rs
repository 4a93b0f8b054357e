//! Cotter's error body: `{"msg": "…", "type": "…"}`.

#[cfg(feature = "serde")]
use serde::Deserialize;
use serde::Serialize;

/// An error body of the Cotter API (any non-200 status).
///
/// Both members default to `""` when absent, so any JSON object decodes; a member of the
/// wrong type is still an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "serde", derive(Deserialize))]
pub struct ApiError<'a> {
    /// Human-readable message.
    #[serde(default)]
    pub msg: &'a str,
    /// Error type; often empty.
    #[serde(default, rename = "type")]
    pub r#type: &'a str,
}

impl ApiError<'_> {
    /// Whether a refresh failure is final: `msg` contains `"not valid"`, the test of Cotter's
    /// JS SDK (`TokenHandler.ts`). The caller should then drop the session and ask the user to
    /// sign in again; other failures may be retried.
    #[must_use]
    pub fn is_invalid_grant(&self) -> bool {
        contains(self.msg, "not valid")
    }

    /// Whether a user lookup failed because the user exists (Flutter's `"User already exists"`).
    #[must_use]
    pub fn is_user_already_exists(&self) -> bool {
        contains(self.msg, "User already exists")
    }
}

/// Whether `needle` (not empty) occurs in `haystack`. A byte-window scan instead of
/// `str::contains`, whose two-way substring searcher costs about 1 KB of flash on a
/// microcontroller; the messages searched are short.
pub(crate) fn contains(haystack: &str, needle: &str) -> bool {
    haystack.as_bytes().windows(needle.len()).any(|w| w == needle.as_bytes())
}

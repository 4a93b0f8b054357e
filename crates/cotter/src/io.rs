//! The client's I/O side and the buffers server answers land in: two of the three parts a
//! [`Client`](crate::Client) is made of (the third is the session it holds,
//! [`HeldSession`](crate::session::HeldSession)).
//!
//! The split follows the borrows. A decoded answer borrows the [`Inbox`] for as long as it is
//! used, while accepting it needs the other two parts: the [`Io`] side to verify its tokens
//! (the JWKS may have to be fetched, into `Io`'s own scratch space, which is why scratch is
//! there and not in the inbox) and the session to store them. So a method borrows the parts
//! it needs, each as a whole, and no function takes the client's fields one by one.

use crate::clock::Clock;
use crate::config::Config;
use crate::error::ApiMessage;
use crate::verify::{JWKS_POLICY, JwksCache};

/// Bytes of scratch space for request bodies, JWKS documents and token decoding.
pub(crate) const SCRATCH: usize = 2048;
/// Bytes for decoding escaped JSON strings of responses.
pub(crate) const UNESCAPE: usize = 512;

/// What the client talks to the server with, and checks its answers with: the transport,
/// the configuration (where to, which API key, what leeway), the clock, the JWKS cache, the
/// last server message, and the scratch space requests are encoded in and tokens decoded in.
pub(crate) struct Io<'c, T, C> {
    pub(crate) transport: T,
    pub(crate) config: Config<'c>,
    pub(crate) clock: C,
    pub(crate) jwks: JwksCache,
    /// The server's message of the last [`Error::Api`](crate::Error::Api).
    pub(crate) api_msg: ApiMessage,
    /// Request bodies, JWKS documents, token decoding; never an answer that outlives a call.
    pub(crate) scratch: [u8; SCRATCH],
}

impl<'c, T, C: Clock> Io<'c, T, C> {
    pub(crate) fn new(config: Config<'c>, transport: T, clock: C) -> Self {
        Self {
            transport,
            config,
            clock,
            jwks: JwksCache::new(JWKS_POLICY),
            api_msg: ApiMessage::new(),
            scratch: [0; SCRATCH],
        }
    }

    /// Whether a token that expires at `exp` is valid for longer than the leeway (an unknown
    /// time is never fresh).
    pub(crate) fn is_fresh(&self, exp: u64) -> bool {
        let now = self.clock.now();
        now.is_some_and(|now| exp > now.saturating_add(self.config.leeway))
    }
}

/// Where a server answer lands: its body in `work`, the strings decoded from it in
/// `unescape`. A decoded answer borrows both.
pub(crate) struct Inbox<const WORK: usize> {
    pub(crate) work: [u8; WORK],
    pub(crate) unescape: [u8; UNESCAPE],
}

impl<const WORK: usize> Inbox<WORK> {
    pub(crate) const fn new() -> Self {
        Self { work: [0; WORK], unescape: [0; UNESCAPE] }
    }
}

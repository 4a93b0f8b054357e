//! Small helpers shared by the server and the endpoints: randomness, time, base64, HTML and URL text.

pub(crate) mod b64;
pub(crate) mod html;
pub(crate) mod rng;
pub(crate) mod time;
pub(crate) mod url;

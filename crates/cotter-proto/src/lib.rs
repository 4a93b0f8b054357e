#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod api_error;
mod auth_method;
pub mod base64;
mod bump;
mod decimal;
mod device;
mod endpoint;
mod error;
mod event;
mod hosted_page;
mod identity;
pub mod json;
mod message;
mod oauth;
#[cfg(feature = "alloc")]
mod owned;
mod percent;
mod pkce;
mod redact;
mod redirect;
mod secret_text;
mod sink;
mod state;
mod unix_seconds;
mod user;

pub use api_error::ApiError;
pub use auth_method::AuthMethod;
/// The error of a JSON body ([`Error::Json`]), from the `cotter-json` reader it is read with.
pub use cotter_json::{JsonError, JsonErrorKind};
pub use device::{
    ALGORITHM_EC, ALGORITHM_ED25519, DEVICE_TYPE_MOBILE, EnrolledMethod, METHOD_TRUSTED_DEVICE,
    UpdateMethodsRequest, event_name,
};
pub use endpoint::{BASE_URL, Endpoint, EndpointUrl};
pub use error::{Error, RejectionKind};
pub use event::{CreateEventRequest, CreatePendingEventRequest, Event, RespondEventRequest};
pub use hosted_page::{
    Channel, HOSTED_PAGE_URL, HostedPageUrl, IdentifierField, IdentifierType, LoginMethod,
};
pub use identity::{GetIdentityRequest, IdentifierInfo, IdentityResponse, IdentityToken};
pub use message::SignedMessage;
pub use oauth::{GRANT_TYPE_REFRESH_TOKEN, OAuthToken, RefreshRequest};
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use owned::{
    ApiErrorOwned, EventOwned, IdentifierInfoOwned, IdentityResponseOwned, IdentityTokenOwned,
    OAuthTokenOwned, UserOwned,
};
pub use pkce::{CodeChallenge, CodeVerifier};
pub use redirect::{AuthorizationCode, RedirectParams};
pub use state::State;
pub use unix_seconds::UnixSeconds;
pub use user::{CreateUserRequest, MAX_LIST, NIL_USER_ID, StrList, User};

//! How each response type is read: its members, their JSON names and whether they are
//! required, optional (absent or `null` is `None`) or defaulted. The names and rules are the
//! same as the types' serde attributes, which the differential tests check.

use super::read::decode_struct;
use crate::{
    ApiError, EnrolledMethod, Event, IdentifierInfo, IdentityResponse, IdentityToken, OAuthToken,
    User,
};

decode_struct!(OAuthToken {
    access_token: required "access_token",
    auth_method: required "auth_method",
    expires_in: required "expires_in",
    id_token: required "id_token",
    refresh_token: optional "refresh_token",
    token_type: required "token_type",
});

decode_struct!(User {
    id: required "ID",
    client_user_id: required "client_user_id",
    issuer: required "issuer",
    created_at: required "created_at",
    update_at: optional "update_at",
    updated_at: optional "updated_at",
    deleted_at: optional "deleted_at",
    default_method: optional "default_method",
    enrolled: optional "enrolled",
    identifier: optional "identifier",
    identifiers: optional "identifiers",
    oauth_token: optional "oauth_token",
});

decode_struct!(Event {
    id: required "ID",
    created_at_pascal: optional "CreatedAt",
    updated_at_pascal: optional "UpdatedAt",
    deleted_at_pascal: optional "DeletedAt",
    created_at: optional "created_at",
    updated_at: optional "updated_at",
    deleted_at: optional "deleted_at",
    user_id: optional "user_id",
    client_user_id: required "client_user_id",
    issuer: required "issuer",
    event: required "event",
    ip: required "ip",
    location: required "location",
    timestamp: required "timestamp",
    method: required "method",
    new: required "new",
    approved: required "approved",
    signature: optional "signature",
    oauth_token: optional "oauth_token",
});

decode_struct!(IdentityResponse {
    identifier: optional "identifier",
    token: optional "token",
    user: required "user",
    oauth_token: required "oauth_token",
});

decode_struct!(IdentifierInfo {
    id: required "ID",
    created_at: required "created_at",
    update_at: optional "update_at",
    deleted_at: optional "deleted_at",
    identifier: required "identifier",
    identifier_type: required "identifier_type",
    public_key: required "public_key",
    device_type: required "device_type",
    device_name: required "device_name",
    expiry: required "expiry",
    timestamp: optional "timestamp",
});

decode_struct!(IdentityToken {
    identifier_id: optional "identifier_id",
    expire_at: required "expire_at",
    identifier: required "identifier",
    identifier_type: required "identifier_type",
    receiver: required "receiver",
    signature: required "signature",
    timestamp: optional "timestamp",
});

decode_struct!(EnrolledMethod {
    method: required "method",
    enrolled: required "enrolled",
});

decode_struct!(ApiError {
    msg: or_default "msg",
    r#type: or_default "type",
});

/// The owned variants decode through the borrowed types.
#[cfg(feature = "alloc")]
macro_rules! decode_owned {
    ($($owned:ident from $borrowed:ident),*) => {$(
        impl<'a> super::read::Value<'a> for crate::$owned {
            fn decode_value(
                value: cotter_json::JsonValue<'a>,
                scratch: &mut super::read::Scratch<'a>,
            ) -> Result<Self, crate::Error> {
                $borrowed::decode_value(value, scratch).map(|v| v.to_owned())
            }
        }
    )*};
}

#[cfg(feature = "alloc")]
decode_owned!(
    OAuthTokenOwned from OAuthToken,
    UserOwned from User,
    EventOwned from Event,
    IdentityResponseOwned from IdentityResponse,
    IdentifierInfoOwned from IdentifierInfo,
    IdentityTokenOwned from IdentityToken,
    ApiErrorOwned from ApiError
);

//! [`AuthLayer`] and [`AuthService`]: the tower middleware.

use crate::auth::Shared;
use crate::claims::CotterClaims;
use crate::error::{AuthError, is_description};
use axum_core::response::{IntoResponse as _, Response};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use http::{HeaderMap, Request, header};
use std::sync::Arc;
use tower_layer::Layer;
use tower_service::Service;

type Check = Arc<dyn Fn(&CotterClaims) -> bool + Send + Sync>;

/// A tower [`Layer`] from [`CotterAuth::layer`](crate::CotterAuth::layer): requests without a
/// valid Cotter access token are answered with the RFC 6750 error and never reach the inner
/// service; the others reach it with [`CotterClaims`] in their extensions.
#[derive(Clone)]
pub struct AuthLayer {
    shared: Arc<Shared>,
    checks: Arc<[(&'static str, Check)]>,
}

impl core::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let names: Vec<&str> = self.checks.iter().map(|(d, _)| *d).collect();
        f.debug_struct("AuthLayer").field("checks", &names).finish_non_exhaustive()
    }
}

impl AuthLayer {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared, checks: Arc::from(Vec::new()) }
    }

    /// Adds a check of the verified claims: a token it refuses gets 403 with
    /// `WWW-Authenticate: Bearer error="insufficient_scope", error_description="{description}"`.
    ///
    /// ```
    /// # async fn demo(auth: cotter_axum::CotterAuth) {
    /// let passkeys_only = auth
    ///     .layer()
    ///     .require("WEBAUTHN sign-in required", |c| c.auth_method.as_deref() == Some("WEBAUTHN"));
    /// # let _ = passkeys_only;
    /// # }
    /// ```
    ///
    /// # Panics
    /// When `description` has a character RFC 6750 does not allow in it (`"`, `\`, or
    /// anything but printable ASCII): a programming error, caught on the first run.
    pub fn require(
        self,
        description: &'static str,
        check: impl Fn(&CotterClaims) -> bool + Send + Sync + 'static,
    ) -> Self {
        assert!(is_description(description), "not an RFC 6750 error_description: {description:?}");
        let mut checks: Vec<(&'static str, Check)> = self.checks.iter().cloned().collect();
        checks.push((description, Arc::new(check)));
        Self { shared: self.shared, checks: Arc::from(checks) }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService { inner, layer: self.clone() }
    }
}

/// The [`Service`] of an [`AuthLayer`].
#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    layer: AuthLayer,
}

impl<S> core::fmt::Debug for AuthService<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthService").field("layer", &self.layer).finish_non_exhaustive()
    }
}

/// The bearer token of the request: RFC 6750 section 2.1, scheme case-insensitive.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<&str, AuthError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else { return Err(AuthError::Missing) };
    if values.next().is_some() {
        return Err(AuthError::InvalidRequest("more than one Authorization header"));
    }
    let value = value.to_str().map_err(|_| AuthError::InvalidToken("malformed token"))?.trim();
    if value.is_empty() {
        return Err(AuthError::Missing);
    }
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Missing);
    }
    let token = token.trim();
    if token.is_empty() { Err(AuthError::Missing) } else { Ok(token) }
}

impl<S, B> Service<Request<B>> for AuthService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone is the one not yet polled ready; the ready one serves this request.
        let clone = self.inner.clone();
        let mut inner = core::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            // The body is not `Sync`: keep it out of the futures that borrow the headers.
            let (mut parts, body) = request.into_parts();
            let verdict = async {
                let token = bearer(&parts.headers)?;
                let verified = layer.shared.authenticate(token).await?;
                let claims = CotterClaims::new(verified);
                if let Some((description, _)) = layer.checks.iter().find(|(_, c)| !c(&claims)) {
                    return Err(AuthError::InsufficientScope(description));
                }
                Ok(claims)
            };
            match verdict.await {
                Ok(claims) => {
                    parts.extensions.insert(claims);
                    inner.call(Request::from_parts(parts, body)).await
                }
                Err(refused) => Ok(refused.into_response()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::AUTHORIZATION, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer(&headers(&[])), Err(AuthError::Missing));
        assert_eq!(bearer(&headers(&[""])), Err(AuthError::Missing));
        assert_eq!(bearer(&headers(&["Bearer"])), Err(AuthError::Missing));
        assert_eq!(bearer(&headers(&["Bearer   "])), Err(AuthError::Missing));
        assert_eq!(bearer(&headers(&["Basic dXNlcjpwdw=="])), Err(AuthError::Missing));
        assert_eq!(bearer(&headers(&["Bearer a.b.c"])), Ok("a.b.c"));
        assert_eq!(bearer(&headers(&["bearer a.b.c"])), Ok("a.b.c"));
        assert!(matches!(
            bearer(&headers(&["Bearer a", "Bearer b"])),
            Err(AuthError::InvalidRequest(_))
        ));
    }
}

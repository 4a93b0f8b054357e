//! [`Method`]: the HTTP methods a [`Request`](crate::Request) can carry.

use core::fmt;

/// An HTTP method: the four the Cotter API uses.
///
/// Protocol code names a method by its wire token (`cotter_proto::Endpoint::method` returns
/// `"POST"`), so that it need not depend on this crate; [`Method::from_token`] turns the token
/// into a `Method` and [`Method::as_str`] back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method's token as sent on the request line (`"GET"`, `"POST"`, `"PUT"`, `"DELETE"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }

    /// The method whose token is `token`, or `None` for any other text.
    ///
    /// Method tokens are case-sensitive (RFC 9110 §9.1), so `"get"` is `None`; the inverse of
    /// [`Method::as_str`].
    ///
    /// ```
    /// use cotter_transport::Method;
    ///
    /// assert_eq!(Method::from_token("DELETE"), Some(Method::Delete));
    /// assert_eq!(Method::from_token("get"), None);
    /// ```
    #[must_use]
    pub fn from_token(token: &str) -> Option<Self> {
        match token {
            "GET" => Some(Self::Get),
            "POST" => Some(Self::Post),
            "PUT" => Some(Self::Put),
            "DELETE" => Some(Self::Delete),
            _ => None,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Method;
    use std::string::ToString;

    #[test]
    fn tokens_round_trip() {
        for method in [Method::Get, Method::Post, Method::Put, Method::Delete] {
            assert_eq!(Method::from_token(method.as_str()), Some(method));
            assert_eq!(method.to_string(), method.as_str());
        }
        assert_eq!(Method::Delete.to_string(), "DELETE");
        for other in ["", "get", "Post", "HEAD", "PATCH", "GET ", "OPTIONS"] {
            assert_eq!(Method::from_token(other), None, "{other:?}");
        }
    }
}

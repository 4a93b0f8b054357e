//! [`SharedClient`]: one client for many threads, with single-flight refresh.

use crate::client::{Client, Result};
use crate::clock::Clock;
use cotter_store::TokenStore;
use cotter_transport::Transport;
use std::string::String;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A [`Client`] shared between threads (`Send + Sync` when the client is `Send`).
///
/// Refreshes are single-flight: the client sits behind one lock, and a refresh happens while
/// holding it, so when many threads ask for a token at expiry exactly one refresh request
/// reaches the server; the others wait for it and then read the new token from memory.
#[derive(Debug)]
pub struct SharedClient<'c, T, S, C, const SESSION: usize = 4096, const WORK: usize = 8192> {
    inner: Mutex<Client<'c, T, S, C, SESSION, WORK>>,
}

impl<'c, T, S, C, const SESSION: usize, const WORK: usize> SharedClient<'c, T, S, C, SESSION, WORK>
where
    T: Transport,
    S: TokenStore,
    C: Clock,
{
    /// Shares `client`.
    pub fn new(client: Client<'c, T, S, C, SESSION, WORK>) -> Self {
        Self { inner: Mutex::new(client) }
    }

    /// The client, locked (a panic in another holder does not make it unusable: the session
    /// it protects is always consistent between calls).
    pub fn lock(&self) -> MutexGuard<'_, Client<'c, T, S, C, SESSION, WORK>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A valid access token (see [`Client::access_token`]), copied out of the lock.
    ///
    /// # Errors
    /// As [`Client::access_token`].
    pub fn access_token(&self) -> Result<String, T, S> {
        self.lock().access_token().map(String::from)
    }

    /// `Bearer <access token>`.
    ///
    /// # Errors
    /// As [`Client::access_token`].
    pub fn bearer_header(&self) -> Result<String, T, S> {
        self.access_token().map(|t| std::format!("Bearer {t}"))
    }

    /// Signs out (see [`Client::logout`]).
    ///
    /// # Errors
    /// As [`Client::logout`].
    pub fn logout(&self) -> Result<(), T, S> {
        self.lock().logout()
    }

    /// The client back.
    pub fn into_inner(self) -> Client<'c, T, S, C, SESSION, WORK> {
        self.inner.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

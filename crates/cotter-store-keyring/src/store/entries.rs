//! How a [`KeyringStore`] reads and writes its entries: one keyring entry at a time, and the
//! whole record (head, then chunks) for a load.

use super::{Backend, HeadEntry, KeyringStore};
use crate::error::{Damage, KeyringStoreError};
use crate::format::{self, Bank, FormatError, Head};
use keyring_core::Entry;
use zeroize::Zeroizing;

impl KeyringStore {
    /// The keyring entry `(service, name)`.
    fn entry(&self, name: &str) -> Result<Entry, KeyringStoreError> {
        let built = match &self.backend {
            Backend::Platform => {
                if let Err(e) = keyring::Entry::store_status() {
                    // keyring keeps the first failure for the life of the process; carry its
                    // text (the error itself is not `Clone`).
                    let why = keyring_core::Error::PlatformFailure(e.to_string().into());
                    return Err(KeyringStoreError::Unavailable(why));
                }
                keyring::Entry::new(&self.service, name).map(|e| e.inner)
            }
            Backend::Store(store) => Entry::new_in_store(store, &self.service, name),
        };
        built.map_err(KeyringStoreError::from_keyring)
    }

    /// Fails with the backend's error when there is no credential store to talk to, before the
    /// lock file is touched: without a keyring the store creates no files at all.
    pub(super) fn reachable(&self) -> Result<(), KeyringStoreError> {
        self.entry(&self.user).map(drop)
    }

    /// The secret of entry `name`; `None` when it does not exist.
    pub(super) fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyringStoreError> {
        match self.entry(name)?.get_secret() {
            Ok(secret) => Ok(Some(Zeroizing::new(secret))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(KeyringStoreError::from_keyring(e)),
        }
    }

    pub(super) fn set(&self, name: &str, secret: &[u8]) -> Result<(), KeyringStoreError> {
        self.entry(name)?.set_secret(secret).map_err(KeyringStoreError::from_keyring)
    }

    /// Deletes entry `name`; `false` when it did not exist.
    pub(super) fn delete(&self, name: &str) -> Result<bool, KeyringStoreError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(KeyringStoreError::from_keyring(e)),
        }
    }

    /// Deletes chunks `from`, `from + 1`, … of `bank` up to the first that does not exist.
    /// Chunks are always written from 1 upwards, so there are no gaps to miss.
    pub(super) fn delete_chunks(&self, bank: Bank, from: u16) -> Result<(), KeyringStoreError> {
        for index in from..=u16::MAX {
            if !self.delete(&format::chunk_name(&self.user, bank, index))? {
                break;
            }
        }
        Ok(())
    }

    /// The current head, `None` when there is none. A head that does not parse counts as none
    /// when `lenient` (a save may overwrite it), and as an error otherwise.
    pub(super) fn head(&self, lenient: bool) -> Result<Option<HeadEntry>, KeyringStoreError> {
        let Some(secret) = self.get(&self.user)? else { return Ok(None) };
        match Head::parse(&secret) {
            Ok((head, _)) => Ok(Some((head, secret))),
            Err(_) if lenient => Ok(None),
            Err(FormatError::UnsupportedVersion(v)) => {
                Err(KeyringStoreError::UnsupportedVersion(v))
            }
            Err(_) => Err(KeyringStoreError::Corrupt(Damage::BadHead)),
        }
    }

    /// One attempt at reading the record into `buf`; returns its length, or `None`.
    pub(super) fn read_record(&self, buf: &mut [u8]) -> Result<Option<usize>, KeyringStoreError> {
        let Some((head, secret)) = self.head(false)? else { return Ok(None) };
        let (_, first) =
            Head::parse(&secret).map_err(|_| KeyringStoreError::Corrupt(Damage::BadHead))?;
        let total = usize::try_from(head.record_len)
            .map_err(|_| KeyringStoreError::Corrupt(Damage::BadHead))?;
        let out =
            buf.get_mut(..total).ok_or(KeyringStoreError::BufferTooSmall { needed: total })?;
        out[..first.len()].copy_from_slice(first);
        let mut at = first.len();
        for index in 1..head.parts {
            let name = format::chunk_name(&self.user, head.bank, index);
            let chunk = self
                .get(&name)?
                .ok_or(KeyringStoreError::Corrupt(Damage::MissingChunk { index }))?;
            let data = format::parse_chunk(&chunk, head.generation)
                .map_err(|_| KeyringStoreError::Corrupt(Damage::StaleChunk { index }))?;
            let dst = out
                .get_mut(at..at + data.len())
                .ok_or(KeyringStoreError::Corrupt(Damage::LengthMismatch))?;
            dst.copy_from_slice(data);
            at += data.len();
        }
        if at != total {
            return Err(KeyringStoreError::Corrupt(Damage::LengthMismatch));
        }
        Ok(Some(total))
    }
}

//! Saving and clearing: appending records, moving to a fresh sector, erasing.

use super::{Located, Log, State};
use crate::error::Error;
use crate::io::{self, CHUNK, Programmer};
use crate::raw::{Halt, Raw};
use crate::record::{COMMIT_LEN, HEADER_LEN, Header, Kind};
use cotter_store::crc::Crc32;
use cotter_store::{EncodeError, Session, encode_with, encoded_len};

/// Why programming one record failed.
enum WriteError {
    /// The driver failed.
    Flash(Halt),
    /// The record did not read back as written; it was left uncommitted.
    Verify,
    /// Cannot happen: the session was measured with `encoded_len` first.
    Encode(EncodeError),
}

impl From<EncodeError> for WriteError {
    fn from(e: EncodeError) -> Self {
        Self::Encode(e)
    }
}

/// How many times a save or clear tries a fresh sector after a failed read-back.
const ATTEMPTS: usize = 2;

impl Log {
    pub(super) fn save(
        &mut self,
        flash: &mut dyn Raw,
        session: &Session<'_>,
    ) -> Result<(), Error<Halt>> {
        let mut st = self.state(flash)?;
        let len = encoded_len(session)?;
        let size = u32::try_from(len).map(|l| self.geo.record_size(l)).unwrap_or(u32::MAX);
        if size > self.geo.sector_size {
            let max = self.geo.sector_size as usize;
            return Err(Error::TooLarge { needed: size as usize, max });
        }
        // Fits in a `u32`: `size` did.
        let len = len as u32;
        for _ in 0..ATTEMPTS {
            self.make_room(flash, &mut st, size)?;
            let header = Header { kind: Kind::Session, seq: st.next_seq, len };
            if self.append(flash, &mut st, header, Some(session))? {
                return Ok(());
            }
        }
        Err(Error::Verify)
    }

    pub(super) fn clear(&mut self, flash: &mut dyn Raw) -> Result<(), Error<Halt>> {
        let mut st = self.state(flash)?;
        if st.live.is_some_and(|l| l.header.kind == Kind::Session) {
            // The tombstone goes to the start of a freshly erased sector, so that the sector
            // it stays in holds no older session.
            let mut committed = false;
            for _ in 0..ATTEMPTS {
                self.advance(flash, &mut st)?;
                let header = Header { kind: Kind::Tombstone, seq: st.next_seq, len: 0 };
                if self.append(flash, &mut st, header, None)? {
                    committed = true;
                    break;
                }
            }
            if !committed {
                return Err(Error::Verify);
            }
        }
        // Nothing older than the live record (a tombstone, or nothing at all) can come back
        // now, so every other sector can go, one at a time.
        let keep = st.live.map(|l| l.sector);
        for sector in (0..self.geo.sectors).filter(|&s| Some(s) != keep) {
            let addr = self.geo.sector_addr(sector);
            if !io::is_blank(flash, &self.geo, addr, self.geo.sector_size).map_err(Error::Flash)? {
                self.erase(flash, &st, sector)?;
            }
            if sector == st.write_sector {
                st.write_offset = 0;
                st.blank_after_cursor = true;
            }
        }
        self.state = Some(st);
        Ok(())
    }

    /// Makes sure `size` erased bytes follow the write cursor, moving to a fresh sector if the
    /// current one is full or not blank after the cursor.
    fn make_room(
        &mut self,
        flash: &mut dyn Raw,
        st: &mut State,
        size: u32,
    ) -> Result<(), Error<Halt>> {
        let room = self.geo.sector_size - st.write_offset;
        if size <= room {
            if st.blank_after_cursor {
                return Ok(());
            }
            let addr = self.geo.sector_addr(st.write_sector) + st.write_offset;
            if io::is_blank(flash, &self.geo, addr, room).map_err(Error::Flash)? {
                st.blank_after_cursor = true;
                self.state = Some(*st);
                return Ok(());
            }
        }
        self.advance(flash, st)
    }

    /// Erases the sector after the write sector (skipping the one holding the live record)
    /// and moves the write cursor to its start.
    fn advance(&mut self, flash: &mut dyn Raw, st: &mut State) -> Result<(), Error<Halt>> {
        let mut target = self.geo.next_sector(st.write_sector);
        if st.live.is_some_and(|l| l.sector == target) {
            target = self.geo.next_sector(target);
        }
        self.erase(flash, st, target)?;
        st.write_sector = target;
        st.write_offset = 0;
        st.blank_after_cursor = true;
        self.state = Some(*st);
        Ok(())
    }

    /// Erases `sector`, which never holds the live record of `st`.
    fn erase(&self, flash: &mut dyn Raw, st: &State, sector: u32) -> Result<(), Error<Halt>> {
        debug_assert!(st.live.is_none_or(|l| l.sector != sector), "erasing the live record");
        let from = self.geo.sector_addr(sector);
        flash.erase(from, from + self.geo.sector_size).map_err(Error::Flash)
    }

    /// Programs a record at the write cursor (known blank and large enough) and advances the
    /// cursor. `Ok(true)` when committed (and then it is the live record), `Ok(false)` when it
    /// did not read back (the rest of the sector is then given up).
    fn append(
        &mut self,
        flash: &mut dyn Raw,
        st: &mut State,
        header: Header,
        session: Option<&Session<'_>>,
    ) -> Result<bool, Error<Halt>> {
        let at = Located { sector: st.write_sector, offset: st.write_offset, header };
        st.next_seq = header.seq.wrapping_add(1);
        match self.program(flash, &at, session) {
            Ok(()) => {
                st.live = Some(at);
                st.write_offset += self.geo.record_size(header.len);
                self.state = Some(*st);
                Ok(true)
            }
            Err(WriteError::Verify) => {
                st.write_offset = self.geo.sector_size;
                st.blank_after_cursor = false;
                self.state = Some(*st);
                Ok(false)
            }
            Err(WriteError::Flash(e)) => Err(Error::Flash(e)),
            Err(WriteError::Encode(e)) => Err(Error::Encode(e)),
        }
    }

    /// Header and payload, read-back check, then the commit word and its read-back check.
    fn program(
        &self,
        flash: &mut dyn Raw,
        at: &Located,
        session: Option<&Session<'_>>,
    ) -> Result<(), WriteError> {
        let addr = self.geo.sector_addr(at.sector) + at.offset;
        let header = at.header.encode();
        let mut crc = Crc32::new();
        crc.update(&header);
        let mut p = Programmer::new(flash, &self.geo, addr);
        p.push(&header).map_err(WriteError::Flash)?;
        p.pad().map_err(WriteError::Flash)?;
        if let Some(session) = session {
            encode_with(session, |chunk: &[u8]| {
                crc.update(chunk);
                p.push(chunk).map_err(WriteError::Flash)
            })?;
        }
        p.finish().map_err(WriteError::Flash)?;
        let crc = crc.finish();

        let payload = addr + self.geo.header_size();
        let mut back = Crc32::new();
        let mut head = [0u8; HEADER_LEN];
        io::read(flash, &self.geo, addr, &mut head).map_err(WriteError::Flash)?;
        back.update(&head);
        io::crc_of(flash, &self.geo, payload, at.header.len, &mut back)
            .map_err(WriteError::Flash)?;
        if back.finish() != crc {
            return Err(WriteError::Verify);
        }

        let commit_addr = payload + self.geo.round_up(at.header.len);
        let mut commit = [0xFFu8; CHUNK];
        commit[..COMMIT_LEN].copy_from_slice(&crc.to_le_bytes());
        let unit = self.geo.commit_size() as usize;
        flash.write(commit_addr, &commit[..unit]).map_err(WriteError::Flash)?;
        let mut check = [0u8; COMMIT_LEN];
        io::read(flash, &self.geo, commit_addr, &mut check).map_err(WriteError::Flash)?;
        if check != crc.to_le_bytes() {
            return Err(WriteError::Verify);
        }
        Ok(())
    }
}

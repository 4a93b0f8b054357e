//! Finding the live record and the free space after a (re)start.
//!
//! Each sector is walked from its start, record by record, trusting a length only once the
//! header CRC has checked; the walk of a sector stops at a blank or unreadable header. The
//! newest header (by sequence number) tells where writing resumes; candidates are then
//! verified newest first (payload CRC against the commit word) until one is complete.

use super::{Located, Log, State};
use crate::io;
use crate::raw::{Halt, Raw};
use crate::record::{HEADER_LEN, Header, newer};
use cotter_store::crc::Crc32;

impl Log {
    /// Scans the whole range.
    pub(super) fn scan(&self, flash: &mut dyn Raw) -> Result<State, Halt> {
        let (newest, count) = self.newest_header(flash, None)?;
        let (write_sector, write_offset, next_seq) = match newest {
            Some(l) => (
                l.sector,
                l.offset + self.geo.record_size(l.header.len),
                l.header.seq.wrapping_add(1),
            ),
            None => (0, 0, 0),
        };
        // Newest first; bounded by the number of headers so that no input can loop forever.
        let mut live = None;
        let mut candidate = newest;
        for _ in 0..count {
            let Some(c) = candidate else { break };
            if self.is_committed(flash, &c)? {
                live = Some(c);
                break;
            }
            candidate = self.newest_header(flash, Some(c.header.seq))?.0;
        }
        Ok(State { live, write_sector, write_offset, blank_after_cursor: false, next_seq })
    }

    /// The newest record header (strictly older than `older_than` if given), committed or
    /// not, and how many valid headers there are in all.
    fn newest_header(
        &self,
        flash: &mut dyn Raw,
        older_than: Option<u32>,
    ) -> Result<(Option<Located>, u32), Halt> {
        let mut best: Option<Located> = None;
        let mut count = 0u32;
        for sector in 0..self.geo.sectors {
            let mut offset = 0;
            while let Some(header) = self.header_at(flash, sector, offset)? {
                count += 1;
                let eligible = older_than.is_none_or(|bound| newer(bound, header.seq));
                if eligible && best.is_none_or(|b| newer(header.seq, b.header.seq)) {
                    best = Some(Located { sector, offset, header });
                }
                offset += self.geo.record_size(header.len);
            }
        }
        Ok((best, count))
    }

    /// The header at `offset` of `sector` if one is there whose record fits in the sector.
    fn header_at(
        &self,
        flash: &mut dyn Raw,
        sector: u32,
        offset: u32,
    ) -> Result<Option<Header>, Halt> {
        let room = self.geo.sector_size - offset;
        if room < self.geo.record_size(0) {
            return Ok(None);
        }
        let mut bytes = [0u8; HEADER_LEN];
        io::read(flash, &self.geo, self.geo.sector_addr(sector) + offset, &mut bytes)?;
        Ok(Header::parse(&bytes).filter(|h| self.geo.record_size(h.len) <= room))
    }

    /// Whether the record's commit word holds the CRC of its header and payload.
    fn is_committed(&self, flash: &mut dyn Raw, at: &Located) -> Result<bool, Halt> {
        let addr = self.geo.sector_addr(at.sector) + at.offset;
        let payload = addr + self.geo.header_size();
        let mut crc = Crc32::new();
        crc.update(&at.header.encode());
        io::crc_of(flash, &self.geo, payload, at.header.len, &mut crc)?;
        let mut commit = [0u8; 4];
        io::read(flash, &self.geo, payload + self.geo.round_up(at.header.len), &mut commit)?;
        Ok(u32::from_le_bytes(commit) == crc.finish())
    }
}

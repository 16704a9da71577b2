//! Iterating over the records of a trail held in memory (or memory-mapped): zero-copy.

use crate::error::{Error, ErrorKind};
use crate::frame::{Action, FrameOptions, Framer};
use crate::record::Record;

/// The records of a whole trail in a byte slice. Yields `Err` for each framing problem (with its
/// offset) and, with resync on (the default), goes on with the next good record.
///
/// ```
/// use bsm_format::encode::RecordBuilder;
/// use bsm_format::{EventType, Time};
/// let mut trail = Vec::new();
/// for sec in 0..10 {
///     RecordBuilder::new(EventType::FORK, Time::new(1_700_000_000 + sec, 0)).finish_into(&mut trail);
/// }
/// trail.extend_from_slice(b"garbage");
/// let (good, bad): (Vec<_>, Vec<_>) = bsm_format::records(&trail).partition(|r| r.is_ok());
/// assert_eq!((good.len(), bad.len()), (10, 1));
/// ```
pub struct Trail<'a> {
    data: &'a [u8],
    pos: usize,
    framer: Framer,
}

/// Iterates over the records of `data`, resyncing after garbage.
pub fn records(data: &[u8]) -> Trail<'_> {
    Trail::new(data, FrameOptions::default())
}

impl<'a> Trail<'a> {
    /// The records of `data`, framed with `opts`.
    pub fn new(data: &'a [u8], opts: FrameOptions) -> Trail<'a> {
        Trail {
            data,
            pos: 0,
            framer: Framer::new(opts),
        }
    }

    /// Offset of the next byte to be framed.
    pub fn offset(&self) -> u64 {
        self.pos as u64
    }
}

impl<'a> Iterator for Trail<'a> {
    type Item = Result<Record<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let window = &self.data[self.pos..];
            match self.framer.step(window, self.pos as u64, true) {
                Action::Record { len, consume } => {
                    let rec = Record::new(self.pos as u64, &window[..len]);
                    self.pos += consume;
                    return Some(Ok(rec));
                }
                Action::Error { error, consume } => {
                    self.pos += consume;
                    return Some(Err(*error));
                }
                Action::Skip(n) => self.pos += n,
                // Never asked at the end of input; treat defensively as the end.
                Action::NeedMore | Action::End => return None,
            }
        }
    }
}

impl std::iter::FusedIterator for Trail<'_> {}

impl<'a> Record<'a> {
    /// The record in `bytes`, which must hold exactly one (as kept from an earlier framing),
    /// found at `offset` of its input. Errors carry offsets in that input.
    pub fn from_bytes(offset: u64, bytes: &'a [u8]) -> Result<Record<'a>, Error> {
        let shifted = |mut e: Error| {
            e.offset += offset;
            e
        };
        match records(bytes).next() {
            Some(Ok(r)) if r.offset() == 0 && r.len() == bytes.len() => {
                Ok(Record::new(offset, bytes))
            }
            Some(Ok(r)) => Err(Error::new(
                offset,
                ErrorKind::NotOneRecord {
                    extra: (bytes.len() - r.len()) as u64,
                },
            )),
            Some(Err(e)) => Err(shifted(e)),
            None => Err(Error::new(
                offset,
                ErrorKind::Truncated {
                    what: "record",
                    need: 1,
                    have: 0,
                },
            )),
        }
    }
}

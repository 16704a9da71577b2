//! Framing: cutting a byte stream into records. Shared by the slice iterator ([`crate::Trail`])
//! and the streaming [`crate::RecordReader`], so that both see exactly the same records and
//! errors. Framing is the only place that ever needs more bytes; tokens are decoded inside a
//! complete record.
//!
//! With resync on, a byte that cannot start a record (or a record whose byte count is
//! impossible) starts a scan for the next *confirmed* record: a header whose byte count lands
//! on a trailer that repeats it. A record whose trailer does not confirm it is still returned,
//! but the scan then looks inside it for a confirmed record, so that a corrupt byte count cannot
//! swallow the good records that follow.

use crate::error::{Error, ErrorKind};
use crate::ids::{TokenId, TRAILER_MAGIC, TRAILER_SIZE};
use crate::token::HeaderKind;

/// Largest record accepted by default (real producers stay far below: 32 KiB userland, a few
/// tens of KiB from kernels).
pub const DEFAULT_MAX_RECORD: u32 = 4 << 20;

/// Framing options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FrameOptions {
    /// Scan for the next good record after garbage (default) instead of stopping.
    pub resync: bool,
    /// Records larger than this are errors.
    pub max_record: u32,
    /// Skip everything before the first confirmed header32 record, silently (praudit's `-p`,
    /// for input that starts mid-record, such as `tail -f` of a live trail).
    pub sync_header32: bool,
}

impl Default for FrameOptions {
    fn default() -> Self {
        FrameOptions {
            resync: true,
            max_record: DEFAULT_MAX_RECORD,
            sync_header32: false,
        }
    }
}

/// What the framer asks its driver to do next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// A record of `len` bytes starts at the window's start; afterwards drop `consume` bytes.
    Record {
        len: usize,
        consume: usize,
    },
    /// Report an error, then drop `consume` bytes (boxed: errors are rare, and a small
    /// action is cheaper to hand back for every record).
    Error {
        error: Box<Error>,
        consume: usize,
    },
    /// Drop `n` bytes silently (already reported).
    Skip(usize),
    /// The window is too short to decide: supply more bytes (never asked at end of input).
    NeedMore,
    End,
}

#[derive(Debug, Clone)]
enum State {
    /// Skipping to the first confirmed header32 record (`sync_header32`).
    Sync,
    Normal,
    /// Looking for the next confirmed record after a framing error that started at `start`.
    Scanning {
        start: u64,
        kind: ErrorKind,
    },
    /// Inside a returned record that its trailer did not confirm, which ends at `end`.
    Suspect {
        end: u64,
    },
    Done,
}

/// The framing state machine. The driver shows it a window of the input starting at absolute
/// offset `base`; `at_eof` says that no bytes follow the window.
#[derive(Debug, Clone)]
pub(crate) struct Framer {
    opts: FrameOptions,
    state: State,
}

enum Frame {
    Record { len: usize, file: bool },
    NeedMore,
    Bad(ErrorKind),
}

enum Scan {
    Found(usize),
    /// A possible record at this position needs more input to be confirmed or rejected.
    Undecided(usize),
    NotFound,
}

impl Framer {
    pub(crate) fn new(opts: FrameOptions) -> Framer {
        Framer {
            opts,
            state: if opts.sync_header32 {
                State::Sync
            } else {
                State::Normal
            },
        }
    }

    #[inline]
    pub(crate) fn step(&mut self, buf: &[u8], base: u64, at_eof: bool) -> Action {
        // The common case first: a confirmed record where one is expected.
        if matches!(self.state, State::Normal) {
            if let Some(len) = confirmed_record(buf, self.opts.max_record) {
                return Action::Record { len, consume: len };
            }
        }
        self.step_slow(buf, base, at_eof)
    }

    #[inline(never)]
    fn step_slow(&mut self, buf: &[u8], base: u64, at_eof: bool) -> Action {
        match self.state.clone() {
            State::Done => Action::End,
            State::Sync => match scan(buf, buf.len(), at_eof, self.opts.max_record, Some(0x14)) {
                Scan::Found(q) => {
                    self.state = State::Normal;
                    Action::Skip(q)
                }
                Scan::Undecided(0) => Action::NeedMore,
                Scan::Undecided(q) => Action::Skip(q),
                Scan::NotFound if at_eof => {
                    self.state = State::Done;
                    if buf.is_empty() && base == 0 {
                        return Action::End;
                    }
                    Action::Error {
                        error: Box::new(Error::new(
                            0,
                            ErrorKind::NoRecord {
                                skipped: base + buf.len() as u64,
                            },
                        )),
                        consume: buf.len(),
                    }
                }
                Scan::NotFound if buf.is_empty() => Action::NeedMore,
                Scan::NotFound => Action::Skip(buf.len()),
            },
            State::Normal => {
                if buf.is_empty() {
                    return if at_eof {
                        Action::End
                    } else {
                        Action::NeedMore
                    };
                }
                match frame(buf, at_eof, self.opts.max_record) {
                    Frame::Record { len, file } => {
                        if self.opts.resync && !confirmed(buf, len, file) {
                            self.state = State::Suspect {
                                end: base + len as u64,
                            };
                            return Action::Record { len, consume: 1 };
                        }
                        Action::Record { len, consume: len }
                    }
                    Frame::NeedMore => Action::NeedMore,
                    Frame::Bad(kind) => {
                        if !self.opts.resync {
                            self.state = State::Done;
                            return Action::Error {
                                error: Box::new(Error::new(base, kind)),
                                consume: buf.len(),
                            };
                        }
                        self.state = State::Scanning { start: base, kind };
                        Action::Skip(1)
                    }
                }
            }
            State::Scanning { start, kind } => {
                let report = |at: u64| {
                    let kind = match kind {
                        ErrorKind::Garbage { byte, .. } => ErrorKind::Garbage {
                            byte,
                            skipped: at - start,
                        },
                        k => k,
                    };
                    Error::new(start, kind)
                };
                match scan(buf, buf.len(), at_eof, self.opts.max_record, None) {
                    Scan::Found(q) => {
                        self.state = State::Normal;
                        Action::Error {
                            error: Box::new(report(base + q as u64)),
                            consume: q,
                        }
                    }
                    Scan::Undecided(0) => Action::NeedMore,
                    Scan::Undecided(q) => Action::Skip(q),
                    Scan::NotFound if at_eof => {
                        self.state = State::Done;
                        Action::Error {
                            error: Box::new(report(base + buf.len() as u64)),
                            consume: buf.len(),
                        }
                    }
                    Scan::NotFound if buf.is_empty() => Action::NeedMore,
                    Scan::NotFound => Action::Skip(buf.len()),
                }
            }
            State::Suspect { end } => {
                let limit = (end.saturating_sub(base) as usize).min(buf.len());
                match scan(buf, limit, at_eof, self.opts.max_record, None) {
                    Scan::Found(q) => {
                        self.state = State::Normal;
                        Action::Skip(q)
                    }
                    Scan::Undecided(0) => Action::NeedMore,
                    Scan::Undecided(q) => Action::Skip(q),
                    Scan::NotFound => {
                        if limit == 0 && buf.is_empty() && !at_eof && end > base {
                            return Action::NeedMore;
                        }
                        self.state = State::Normal;
                        Action::Skip(limit)
                    }
                }
            }
        }
    }
}

/// The length of the record at the start of `buf` when it is an ordinary record that is whole
/// in `buf` and confirmed by its trailer (what nearly every step finds). Anything else (file
/// tokens, damage, a record not yet whole) goes the slow way.
#[inline(always)]
fn confirmed_record(buf: &[u8], max: u32) -> Option<usize> {
    let kind = HeaderKind::from_id(*buf.first()?)?;
    let size = u32_at(buf, 1)?;
    let len = size as usize;
    if size < kind.min_size() || size > max || len > buf.len() {
        return None;
    }
    let t = buf.get(len.checked_sub(TRAILER_SIZE)?..len)?;
    (t[0] == 0x13 && t[1..3] == TRAILER_MAGIC.to_be_bytes() && u32_at(t, 3) == Some(size))
        .then_some(len)
}

fn u32_at(buf: &[u8], at: usize) -> Option<u32> {
    let b = buf.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Frames the unit at the start of `buf`, trusting its byte count.
fn frame(buf: &[u8], at_eof: bool, max: u32) -> Frame {
    let id = buf[0];
    if let Some(kind) = HeaderKind::from_id(id) {
        let Some(size) = u32_at(buf, 1) else {
            return if at_eof {
                Frame::Bad(ErrorKind::Truncated {
                    what: "header.size",
                    need: 5,
                    have: buf.len() as u64,
                })
            } else {
                Frame::NeedMore
            };
        };
        if size < kind.min_size() {
            return Frame::Bad(ErrorKind::RecordTooSmall {
                size,
                min: kind.min_size(),
            });
        }
        if size > max {
            return Frame::Bad(ErrorKind::RecordTooLarge { size, max });
        }
        if (buf.len() as u64) < size as u64 {
            return if at_eof {
                Frame::Bad(ErrorKind::RecordTruncated {
                    size,
                    have: buf.len() as u64,
                })
            } else {
                Frame::NeedMore
            };
        }
        Frame::Record {
            len: size as usize,
            file: false,
        }
    } else if id == TokenId::FILE.0 {
        let Some(b) = buf.get(9..11) else {
            return if at_eof {
                Frame::Bad(ErrorKind::Truncated {
                    what: "file token",
                    need: 11,
                    have: buf.len() as u64,
                })
            } else {
                Frame::NeedMore
            };
        };
        let len = 11 + u16::from_be_bytes([b[0], b[1]]) as usize;
        if buf.len() < len {
            return if at_eof {
                Frame::Bad(ErrorKind::Truncated {
                    what: "file.name",
                    need: len as u64,
                    have: buf.len() as u64,
                })
            } else {
                Frame::NeedMore
            };
        }
        Frame::Record { len, file: true }
    } else {
        Frame::Bad(ErrorKind::Garbage {
            byte: id,
            skipped: 0,
        })
    }
}

/// Whether a framed unit is confirmed: a record whose trailer repeats its byte count, or a file
/// token whose name ends in its only NUL.
fn confirmed(buf: &[u8], len: usize, file: bool) -> bool {
    if file {
        // A file name is a path: one NUL, at its end.
        let name = &buf[11..len];
        return name.is_empty() || memchr::memchr(0, name) == Some(name.len() - 1);
    }
    if len < TRAILER_SIZE {
        return false;
    }
    let t = &buf[len - TRAILER_SIZE..len];
    t[0] == 0x13 && t[1..3] == TRAILER_MAGIC.to_be_bytes() && u32_at(t, 3) == Some(len as u32)
}

/// Looks for the first confirmed unit starting at a position in `0..limit` (only units that
/// start with `only`, when given).
fn scan(buf: &[u8], limit: usize, at_eof: bool, max: u32, only: Option<u8>) -> Scan {
    let starts = |b: u8| match only {
        Some(id) => b == id,
        None => HeaderKind::from_id(b).is_some() || b == TokenId::FILE.0,
    };
    let mut q = 0;
    while q < limit {
        // Only a header or file id can start a unit; jump between candidates quickly.
        let Some(k) = buf[q..limit].iter().position(|&b| starts(b)) else {
            return Scan::NotFound;
        };
        q += k;
        match frame(&buf[q..], at_eof, max) {
            Frame::Record { len, file } if confirmed(&buf[q..], len, file) => {
                if !file {
                    return Scan::Found(q);
                }
                // A file token is weak evidence: trust it only with a name and followed by the
                // end of the input or by a confirmed unit.
                if len == 11 {
                    q += 1;
                    continue;
                }
                let next = &buf[q + len..];
                if next.is_empty() {
                    if at_eof {
                        return Scan::Found(q);
                    }
                    return Scan::Undecided(q);
                }
                match frame(next, at_eof, max) {
                    Frame::Record { len: n, file: f } if confirmed(next, n, f) => {
                        return Scan::Found(q)
                    }
                    Frame::NeedMore => return Scan::Undecided(q),
                    _ => {}
                }
            }
            Frame::NeedMore => return Scan::Undecided(q),
            _ => {}
        }
        q += 1;
    }
    Scan::NotFound
}

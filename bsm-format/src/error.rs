//! Decode errors. Every error carries the absolute byte offset in the input where the problem was
//! found, and names the field or structure that could not be read.

use std::fmt;

/// A problem found while framing or decoding BSM input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at offset {offset}")]
pub struct Error {
    /// Absolute byte offset in the input (file or stream) where the problem starts.
    pub offset: u64,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl Error {
    pub(crate) fn new(offset: u64, kind: ErrorKind) -> Error {
        Error { offset, kind }
    }
}

/// The kinds of problems a trail can have.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A field runs past the end of its record (or of the input).
    Truncated {
        what: &'static str,
        need: u64,
        have: u64,
    },
    /// A byte that cannot start a record was found where a record should start.
    /// `skipped` is how many bytes were skipped before the next record was found (resync mode).
    Garbage { byte: u8, skipped: u64 },
    /// A record's byte count is smaller than its header.
    RecordTooSmall { size: u32, min: u32 },
    /// A record's byte count is larger than the configured limit.
    RecordTooLarge { size: u32, max: u32 },
    /// The input ends inside a record.
    RecordTruncated { size: u32, have: u64 },
    /// An address-type field holds something other than 4 (IPv4) or 16 (IPv6).
    BadAddressType { what: &'static str, value: u32 },
    /// A data token's unit type is not one of 0-3, so its items cannot be sized.
    BadUnitType { value: u8 },
    /// Token id 0x00 (AUT_INVALID), often zero padding inside a record.
    InvalidToken,
    /// The trailer's magic number is not 0xb105.
    BadTrailerMagic { magic: u16 },
    /// The trailer's byte count does not match the header's.
    TrailerMismatch { header: u32, trailer: u32 },
    /// The record has no trailer token at its end.
    MissingTrailer,
    /// A trailer token appears before the end of the record.
    TrailerNotAtEnd { remaining: u64 },
    /// A NUL-terminated string has no NUL before the end of its record.
    Unterminated { what: &'static str },
    /// A string-list token (exec_args, exec_env, ...) claims more strings than its record can hold,
    /// and no shorter reading leaves a well-formed record.
    StringCount { what: &'static str, count: u32 },
    /// A standalone token other than `file` appeared between records.
    NotARecord { id: u8 },
    /// Syncing to a header32 record (praudit's -p) found none.
    NoRecord { skipped: u64 },
    /// Reading the underlying input failed.
    Io(String),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Truncated { what, need, have } => {
                write!(f, "truncated {what}: need {need} bytes, have {have}")
            }
            ErrorKind::Garbage { byte, skipped } => write!(
                f,
                "garbage: byte {byte:#04x} cannot start a record ({skipped} bytes skipped)"
            ),
            ErrorKind::RecordTooSmall { size, min } => {
                write!(
                    f,
                    "record byte count {size} is smaller than its header ({min})"
                )
            }
            ErrorKind::RecordTooLarge { size, max } => {
                write!(
                    f,
                    "record byte count {size} exceeds the limit of {max} bytes"
                )
            }
            ErrorKind::RecordTruncated { size, have } => write!(
                f,
                "truncated record: byte count {size}, only {have} bytes left in the input"
            ),
            ErrorKind::BadAddressType { what, value } => {
                write!(f, "bad address type {value} in {what} (expected 4 or 16)")
            }
            ErrorKind::BadUnitType { value } => {
                write!(f, "bad data unit type {value} (expected 0-3)")
            }
            ErrorKind::InvalidToken => write!(f, "invalid token id 0x00 (zero padding?)"),
            ErrorKind::BadTrailerMagic { magic } => {
                write!(f, "bad trailer magic {magic:#06x} (expected 0xb105)")
            }
            ErrorKind::TrailerMismatch { header, trailer } => write!(
                f,
                "trailer byte count {trailer} does not match the header's {header}"
            ),
            ErrorKind::MissingTrailer => write!(f, "record has no trailer"),
            ErrorKind::TrailerNotAtEnd { remaining } => {
                write!(
                    f,
                    "trailer is followed by {remaining} more bytes of its record"
                )
            }
            ErrorKind::Unterminated { what } => {
                write!(
                    f,
                    "unterminated {what}: no NUL before the end of the record"
                )
            }
            ErrorKind::StringCount { what, count } => write!(
                f,
                "{what} claims {count} strings but no reading of them fits the record"
            ),
            ErrorKind::NotARecord { id } => {
                write!(f, "token {id:#04x} found between records")
            }
            ErrorKind::NoRecord { skipped } => {
                write!(f, "no header32 record to sync to ({skipped} bytes skipped)")
            }
            ErrorKind::Io(e) => write!(f, "read error: {e}"),
        }
    }
}

//! Decode errors. Every error carries the absolute byte offset in the input where the problem was
//! found, and names the field or structure that could not be read.

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

/// The kinds of problems a trail can have. Their texts name the field and the numbers found, so
/// that a message is useful without the bytes at hand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A field runs past the end of its record (or of the input).
    #[error("truncated {what}: need {need} bytes, have {have}")]
    Truncated {
        /// The field (`subject.pid`, `path`).
        what: &'static str,
        /// Bytes the field needs.
        need: u64,
        /// Bytes left for it.
        have: u64,
    },
    /// A byte that cannot start a record was found where a record should start.
    #[error("garbage: byte {byte:#04x} cannot start a record ({skipped} bytes skipped)")]
    Garbage {
        /// The first byte that could not start a record.
        byte: u8,
        /// How many bytes were skipped before the next record (or the end).
        skipped: u64,
    },
    /// A record's byte count is smaller than its header.
    #[error("record byte count {size} is smaller than its header ({min})")]
    RecordTooSmall {
        /// The byte count the header gives.
        size: u32,
        /// The size of the header itself.
        min: u32,
    },
    /// A record's byte count is larger than the configured limit.
    #[error("record byte count {size} exceeds the limit of {max} bytes")]
    RecordTooLarge {
        /// The byte count the header gives.
        size: u32,
        /// The limit ([`crate::FrameOptions::max_record`]).
        max: u32,
    },
    /// The input ends inside a record.
    #[error("truncated record: byte count {size}, only {have} bytes left in the input")]
    RecordTruncated {
        /// The byte count the header gives.
        size: u32,
        /// Bytes left in the input.
        have: u64,
    },
    /// An address-type field holds something other than 4 (IPv4) or 16 (IPv6).
    #[error("bad address type {value} in {what} (expected 4 or 16)")]
    BadAddressType {
        /// The field.
        what: &'static str,
        /// The type found.
        value: u32,
    },
    /// A data token's unit type is not one of 0-3, so its items cannot be sized.
    #[error("bad data unit type {value} (expected 0-3)")]
    BadUnitType {
        /// The unit type found.
        value: u8,
    },
    /// Token id 0x00 (AUT_INVALID), often zero padding inside a record.
    #[error("invalid token id 0x00 (zero padding?)")]
    InvalidToken,
    /// The trailer's magic number is not 0xb105.
    #[error("bad trailer magic {magic:#06x} (expected 0xb105)")]
    BadTrailerMagic {
        /// The magic number found.
        magic: u16,
    },
    /// The trailer's byte count does not match the header's.
    #[error("trailer byte count {trailer} does not match the header's {header}")]
    TrailerMismatch {
        /// The header's byte count.
        header: u32,
        /// The trailer's.
        trailer: u32,
    },
    /// The record has no trailer token at its end.
    #[error("record has no trailer")]
    MissingTrailer,
    /// A trailer token appears before the end of the record.
    #[error("trailer is followed by {remaining} more bytes of its record")]
    TrailerNotAtEnd {
        /// Bytes of the record after the trailer.
        remaining: u64,
    },
    /// A NUL-terminated string has no NUL before the end of its record.
    #[error("unterminated {what}: no NUL before the end of the record")]
    Unterminated {
        /// The field.
        what: &'static str,
    },
    /// A string-list token (exec_args, exec_env, ...) claims more strings than its record can hold,
    /// and no shorter reading leaves a well-formed record.
    #[error("{what} claims {count} strings but no reading of them fits the record")]
    StringCount {
        /// The token.
        what: &'static str,
        /// The count it claims.
        count: u32,
    },
    /// A standalone token other than `file` appeared between records.
    #[error("token {id:#04x} found between records")]
    NotARecord {
        /// The token id found.
        id: u8,
    },
    /// Syncing to a header32 record (praudit's -p) found none.
    #[error("no header32 record to sync to ({skipped} bytes skipped)")]
    NoRecord {
        /// Bytes skipped looking for one.
        skipped: u64,
    },
    /// Bytes given as one record hold more than one, or bytes before it.
    #[error("the bytes are not one record ({extra} bytes besides the first record)")]
    NotOneRecord {
        /// Bytes besides the first record.
        extra: u64,
    },
    /// Reading the underlying input failed.
    #[error("read error: {message}")]
    Io {
        /// The kind of the I/O error.
        kind: std::io::ErrorKind,
        /// Its text.
        message: String,
    },
}

impl ErrorKind {
    /// The kind for an I/O error of the input.
    pub(crate) fn io(e: &std::io::Error) -> ErrorKind {
        ErrorKind::Io {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

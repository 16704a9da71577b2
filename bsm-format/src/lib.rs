//! # bsm-format
//!
//! A platform-independent, zero-copy, streaming decoder and encoder for BSM audit trails, the
//! audit format of macOS and FreeBSD (OpenBSM, `/dev/auditpipe`, `/var/audit`). No libbsm.
//!
//! * [`records`] iterates over the records of a trail held in memory; [`RecordReader`] streams
//!   them from any [`std::io::Read`] with a bounded buffer. Both use the same framing code.
//! * A [`Record`] borrows its bytes; [`Record::tokens`] decodes its [`Token`]s lazily.
//! * Every trail is treated as hostile: decoding never panics, never trusts a length or count
//!   for allocation, and reports every problem as an [`Error`] with its byte offset. With resync
//!   (the default) the next good record is found after garbage, so nothing good is lost.
//! * [`encode::RecordBuilder`] writes records; [`generate::Generator`] makes realistic trails.
//!
//! Byte layouts follow OpenBSM, xnu and FreeBSD as described in the project's format notes.

#![forbid(unsafe_code)]

mod batch;
mod cursor;
pub mod encode;
mod error;
mod frame;
pub mod generate;
mod ids;
mod layout;
mod reader;
mod record;
pub mod tables;
pub mod token;
mod trail;
pub mod trailname;
pub mod types;
mod wire;

pub use batch::{Batch, Batches, MemoryBatches, DEFAULT_BATCH};
pub use error::{Error, ErrorKind};
pub use frame::{FrameOptions, DEFAULT_MAX_RECORD};
pub use ids::TokenId;
pub use reader::{RecordReader, DEFAULT_CHUNK};
pub use record::{Record, RecordKind, Tokens};
pub use token::Token;
pub use trail::{records, Trail};
pub use types::{Address, BsmErrno, EventType, Modifier, Text, Time};

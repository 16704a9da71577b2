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
//! * [`encode::RecordBuilder`] writes records; `generate::Generator` (feature `generate`) makes
//!   realistic trails. Feature `chrono` adds [`Time`]'s conversion to chrono's types.
//!
//! Byte layouts follow OpenBSM, xnu and FreeBSD as described in the project's format notes.
//!
//! ## Reading a trail file
//!
//! ```
//! use bsm_format::{RecordKind, RecordReader, Token};
//! # let dir = std::env::temp_dir().join(format!("bsm-format-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # let path = dir.join("20231114221320.20231114221420");
//! # {
//! #     use bsm_format::{encode::RecordBuilder, token::{File, StringList}, EventType, Text, Time, Token};
//! #     let mut bytes = Vec::new();
//! #     let name = bsm_format::encode::with_nul("/var/audit/20231114221320.not_terminated");
//! #     Token::File(File { time: Time::new(1_700_000_000, 0), name: Text(&name) }).encode(&mut bytes);
//! #     for i in 0..3 {
//! #         let mut args = Vec::new();
//! #         StringList::encode_strings(0x3c, &[b"ls".as_slice(), format!("/tmp/{i}").as_bytes()], &mut args);
//! #         RecordBuilder::new(EventType::EXECVE, Time::new(1_700_000_000 + i, 0)).push_raw(&args).finish_into(&mut bytes);
//! #     }
//! #     Token::File(File { time: Time::new(1_700_000_060, 0), name: Text(&name) }).encode(&mut bytes);
//! #     std::fs::write(&path, bytes)?;
//! # }
//! // A trail file as auditd leaves it in /var/audit (read on any OS).
//! let file = std::fs::File::open(&path)?;
//! let mut reader = RecordReader::new(std::io::BufReader::new(file));
//! let (mut execs, mut problems) = (0, 0);
//! while let Some(rec) = reader.next_record() {
//!     let rec = match rec {
//!         Ok(rec) => rec,
//!         // Bytes that are not a record: reported with their offset; reading goes on.
//!         Err(e) => {
//!             eprintln!("{}: {e}", path.display());
//!             problems += 1;
//!             continue;
//!         }
//!     };
//!     // auditd writes a `file` token, not a record, at the start and end of each file.
//!     if rec.kind() == RecordKind::File {
//!         continue;
//!     }
//!     let Some(header) = rec.header()? else { continue };
//!     if header.event == bsm_format::EventType::EXECVE {
//!         execs += 1;
//!         for token in rec.tokens() {
//!             if let Ok(Token::ExecArgs(args)) = token {
//!                 let argv: Vec<String> =
//!                     args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
//!                 println!("{} {}", header.time.sec, argv.join(" "));
//!             }
//!         }
//!     }
//! }
//! assert!(execs > 0 && problems == 0);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod batch;
mod cursor;
pub mod encode;
mod error;
mod frame;
#[cfg(any(test, feature = "generate"))]
pub mod generate;
mod ids;
pub mod json;
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

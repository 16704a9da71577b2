//! The reading layer under every knox front end (the `knox` command line, the Arrow tables, the
//! Python package): where BSM records come from, and the one loop that reads them.
//!
//! - [`source`]: files, trail directories (a copied `/var/audit`), trees of hosts (auditdistd's
//!   `/var/audit/remote`, case folders), stdin, bytes in memory, followed trails and the live
//!   pipe, each with the host its name says it is from.
//! - [`pipeline`]: sources framed into batches, batches mapped on N threads, parts handed to a
//!   sink in input order, every problem reported once with its file and offset.
//! - [`problem`]: those problems and the exit codes they make.
//! - [`accounts`]: user and group names (the source machine's files, or this machine's).
//! - [`tables`]: which audit_event and audit_class tables name events and classes.
//!
//! Nothing here knows about a command line, an output format or a terminal.

#![forbid(unsafe_code)]

pub mod accounts;
pub mod pipeline;
pub mod problem;
pub mod source;
pub mod tables;

//! # knox-model
//!
//! What BSM audit records say happened, read once and shared by every knox tool and export.
//!
//! * [`Event`]: the facts of one record — its [`Act`] (exec, fork, exit, file open, connect,
//!   login, setuid, ...), its subject (audit user, effective and real ids, pid, session,
//!   terminal), its objects (paths, file attributes, addresses and ports, arguments), its
//!   [`Outcome`] and its time. Reading a record allocates nothing: an event keeps the record's
//!   bytes, borrowed or shared.
//! * [`Acts`]: which act each event number of an event table is, decided in one place
//!   ([`act::classify`]) from the event's name and classes.
//! * [`Model`]: the processes behind the events, per host: parent from fork, vfork and
//!   posix_spawn, every program run (exec chain), exit status, and a [`ProcessId`] that is
//!   stable for a process's lifetime (unique across pid reuse, trail files and hosts) so that
//!   exports can link parent and child. Only running processes are held.
//!
//! The crate is platform-independent, like `bsm-format`: it reads trails on any OS.
//!
//! ```
//! use bsm_format::tables::{EventTable, Flavor};
//! use knox_model::{Acts, Change, Event, Model};
//!
//! // A trail: here made by the generator; usually std::fs::read("/var/audit/...").
//! let trail = bsm_format::generate::Generator::new(7).trail(500);
//! let acts = Acts::new(EventTable::embedded(Flavor::MacOs));
//! let mut model: Model = Model::new();
//! let host = model.host(Some("mac1"));
//! let mut exited = 0;
//! for rec in bsm_format::records(&trail) {
//!     let Ok(rec) = rec else { continue }; // a damaged stretch: the next good record follows
//!     let Ok(Some(ev)) = Event::parse(&rec, &acts) else { continue }; // file tokens, bad headers
//!     if ev.act.is_exec() && !ev.failed() {
//!         let path = ev.path().map(String::from_utf8_lossy);
//!         let _ = path; // e.g. print the program
//!     }
//!     model.apply(host, &ev);
//!     for change in model.changes() {
//!         if let Change::Ended(p, _) = change {
//!             // p.id is stable ("mac1/4242@1700000000.123"), p.parent links to the parent.
//!             if p.exit.is_some() {
//!                 exited += 1;
//!             }
//!         }
//!     }
//! }
//! model.finish();
//! let still_running = model.changes().count();
//! assert!(exited > 0 && still_running > 0);
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod act;
mod event;
mod model;
pub mod ocsf;
mod process;
pub mod quote;
pub mod sigma;

pub use act::{Act, Acts, FileOp, ForkKind, NetOp, OpenMode, PrivilegeOp, SessionOp};
pub use event::{Endpoint, Event, Failure, Outcome, Strings, MAX_ARGS, MAX_PATHS};
pub use model::{Change, Data, End, Key, Model, MAX_RUNNING};
pub use process::{Host, Image, Origin, Process, ProcessId};

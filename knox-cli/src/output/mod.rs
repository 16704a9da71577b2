//! What the tools write: praudit's text and XML, raw records, JSON, the reports on commands,
//! processes, files, errors and the network, the timeline page, the hunt's matches and the
//! exports. Printers get the settings' [`Context`](crate::read::settings::Context), never the
//! command line.

pub mod activity;
pub(crate) mod auditon;
pub(crate) mod auditreduce;
pub(crate) mod commands;
pub(crate) mod export;
pub(crate) mod hunt;
pub(crate) mod json;
pub(crate) mod jsonw;
pub mod praudit;
pub(crate) mod quote;
pub(crate) mod stats;
pub(crate) mod timeline;
pub(crate) mod verify;

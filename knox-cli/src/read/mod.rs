//! Where records come from and how they are chosen: the settings resolved once from a tool's
//! options, the sources (files, trail directories, stdin, followed files, the live pipe), the
//! one record loop, the selection, and the facts that the process model reads.

pub mod accounts;
pub(crate) mod auditpipe;
pub mod events;
pub mod filter;
pub(crate) mod glob;
pub mod input;
pub(crate) mod live;
pub mod pipeline;
pub mod privileges;
pub(crate) mod progress;
pub(crate) mod report;
pub mod settings;

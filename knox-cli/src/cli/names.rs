//! The event and class table options of every command that names events (resolved in
//! `knox_read::tables`).

use std::path::PathBuf;

use bsm_format::tables::{ClassTable, EventTable, Flavor};
use knox_read::tables::{parse_flavor, EventSource, TableFiles};

/// Options shared by every command that names events.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Times and names")]
pub struct EventOptions {
    /// Event table of the machine that wrote the trail (its /etc/security/audit_event).
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Embedded event table to use: macos or freebsd (they differ on 43201-43218).
    #[arg(long, value_name = "FLAVOR", value_parser = parse_flavor)]
    pub flavor: Option<Flavor>,
    /// Class table of the machine that wrote the trail (its /etc/security/audit_class).
    #[arg(long, value_name = "FILE")]
    pub classes: Option<PathBuf>,
}

/// Help text describing the default, shared by every command.
pub const EVENTS_HELP: &str = "Event names come from --events FILE, else the embedded table that \
--flavor picks, else /etc/security/audit_event when this machine has one (a Mac or FreeBSD host \
reading its own trails), else the embedded macOS table: on a machine without the file the trail \
most likely comes from a Mac (FreeBSD admins usually read trails on FreeBSD, where the file exists).";

impl EventOptions {
    /// Where the tables come from.
    pub fn files(&self) -> TableFiles {
        TableFiles {
            events: self.events.clone(),
            flavor: self.flavor,
            classes: self.classes.clone(),
        }
    }

    /// The class table: --classes FILE, else this machine's, else the embedded one.
    pub fn load_classes(&self) -> std::io::Result<ClassTable> {
        self.files().load_classes()
    }

    /// Resolves the options into a table.
    pub fn load(&self) -> std::io::Result<(EventTable, EventSource)> {
        self.files().load()
    }
}

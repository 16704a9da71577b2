//! A process as the trail shows it: from its fork (or the first record that names it) to its
//! exit, with its parent, the programs it ran and a stable id.

use std::fmt;
use std::sync::Arc;

use bsm_format::token::{Exit, Subject};
use bsm_format::{EventType, Time};

use crate::act::ForkKind;

/// A host the records came from, as an index into the model's host names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Host(pub(crate) u32);

/// An id for one process lifetime that stays the same in every output and export: unique across
/// pid reuse, across trail files and across hosts, and the same each time the same trails are
/// read. It is `[host/]pid@start`, where start is the time (seconds.milliseconds) of the fork or
/// spawn that created the process, or of the first record that shows it when the trail does not
/// reach back to its creation; `#2`, `#3`, ... follow in the rare case of the same pid starting
/// twice within one millisecond on one host.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessId(Arc<str>);

impl ProcessId {
    pub(crate) fn new(host: Option<&str>, pid: u32, start: Time, nth: u32) -> ProcessId {
        let mut s = String::with_capacity(40);
        if let Some(h) = host {
            s.push_str(h);
            s.push('/');
        }
        use fmt::Write;
        let _ = write!(s, "{pid}@{}.{:03}", start.sec, start.msec);
        if nth > 1 {
            let _ = write!(s, "#{nth}");
        }
        ProcessId(s.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProcessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ProcessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProcessId({})", self.0)
    }
}

/// A program a process ran: the executable and its arguments, from an exec or spawn record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// When the exec happened.
    pub time: Time,
    /// The exec's event (execve, mac_execve, posix_spawn, ...).
    pub event: EventType,
    /// The executable's path (the first path token of the record), if the record has one.
    pub path: Option<Box<[u8]>>,
    /// The arguments, each followed by its NUL (compact); see [`Image::argv`].
    argv: Box<[u8]>,
    /// The argument count the record claims (xnu writes the real count even when it cut the
    /// strings at 16 KiB), when it has an exec_args token.
    pub argc: Option<u32>,
}

impl Image {
    pub(crate) fn new(
        time: Time,
        event: EventType,
        path: Option<&[u8]>,
        argv: Option<(&[u8], u32)>,
    ) -> Image {
        Image {
            time,
            event,
            path: path.map(Box::from),
            argv: argv.map_or_else(Box::default, |(raw, _)| raw.into()),
            argc: argv.map(|(_, n)| n),
        }
    }

    /// The arguments, without their NULs.
    pub fn argv(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let raw = &self.argv[..];
        raw.split(|&c| c == 0)
            .take(raw.iter().filter(|&&c| c == 0).count())
    }

    /// The arguments as written: each followed by its NUL.
    pub fn argv_raw(&self) -> &[u8] {
        &self.argv
    }
}

/// How a process came to be in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Created by a fork of its parent (running the parent's program until it execs).
    Fork(ForkKind),
    /// Created by posix_spawn, running the spawned program from the start.
    Spawn,
    /// First seen in a record of its own: the trail does not show its creation.
    Seen,
}

/// One process, from its creation (or first record) to its exit.
#[derive(Debug, Clone)]
pub struct Process<T = ()> {
    /// The stable id.
    pub id: ProcessId,
    /// Order of appearance in this reading: unique, but not stable across readings.
    pub seq: u64,
    /// The host whose trail holds the process.
    pub host: Host,
    /// Its pid.
    pub pid: u32,
    /// The process that forked or spawned this one, when the trail shows it.
    pub parent: Option<ProcessId>,
    /// The parent's `seq`.
    pub parent_seq: Option<u64>,
    /// The parent's pid.
    pub ppid: Option<u32>,
    /// How the trail showed it being born (or that it did not).
    pub origin: Origin,
    /// When the process was created (or first seen).
    pub start: Time,
    /// The program inherited from the parent at fork, until the first exec.
    pub inherited: Option<Arc<Image>>,
    /// Every program the process ran itself, in order.
    pub execs: Vec<Arc<Image>>,
    /// When the process exited, if the trail shows it.
    pub end: Option<Time>,
    /// The exit token of its exit record.
    pub exit: Option<Exit>,
    /// The subject of its last record: audit user, effective and real ids, session, terminal.
    pub subject: Option<Subject>,
    /// How many records the process made.
    pub records: u64,
    /// What a tool keeps for the process.
    pub data: T,
}

impl<T> Process<T> {
    /// The program the process runs: its last exec, else what it inherited from its parent.
    pub fn image(&self) -> Option<&Image> {
        self.execs.last().or(self.inherited.as_ref()).map(|i| &**i)
    }

    /// Whether [`Process::image`] is inherited (a forked child that has not exec'd).
    pub fn image_is_inherited(&self) -> bool {
        self.execs.is_empty() && self.inherited.is_some()
    }

    /// The exit status, if the process exited.
    pub fn status(&self) -> Option<u32> {
        self.exit.map(|e| e.status)
    }
}

//! What a trail says programs did: for each process of the model (`knox_model`), the files it
//! touched, its network use, its failed calls and its moments on a time axis. The reports
//! (`ps`, `tree`, `files`, `errors`, `net`, `timeline`) each print a process when it is over and
//! keep only what they print.
//!
//! The selection (`--after`, `--event`, ...) picks the records a report counts; processes are
//! still followed through every record, so parents, programs and exit statuses stay right.
//! With a selection, a report shows the processes that made a selected record.

pub mod print;
pub mod tree;

use std::collections::HashMap;
use std::io::{self, Write};

use bsm_format::{Address, Time};
use knox_model::{Act, Change, End, Event, FileOp, Key, Model, Process};

use crate::read::events::Parsed;
use crate::read::pipeline::{Sink, SourceInfo};

/// Examples kept per error group.
const EXAMPLES: usize = 3;

/// Most moments kept for the timeline (the page stays usable; the rest are counted).
pub const MAX_MOMENTS: usize = 200_000;

/// File operations, as bits of [`FileUse::ops`].
pub const OPS: [&str; 10] = [
    "read",
    "write",
    "create",
    "delete",
    "rename",
    "renamed-to",
    "attr",
    "stat",
    "close",
    "other",
];

fn op_bit(op: &str) -> u16 {
    OPS.iter().position(|&o| o == op).map_or(1 << 9, |i| 1 << i)
}

/// The names of the operations in a mask, in [`OPS`] order.
pub fn op_names(ops: u16) -> Vec<&'static str> {
    OPS.iter()
        .enumerate()
        .filter(|(i, _)| ops & (1 << i) != 0)
        .map(|(_, &o)| o)
        .collect()
}

/// How a file report names what an act did to a file.
fn file_op(act: Act) -> &'static str {
    match act {
        Act::File(op) => match op {
            FileOp::Open(m) if m.create => "create",
            FileOp::Open(m) if m.write => "write",
            FileOp::Open(_) => "read",
            FileOp::Create | FileOp::Link => "create",
            FileOp::Read => "read",
            FileOp::Write => "write",
            FileOp::Delete => "delete",
            FileOp::Rename => "rename",
            FileOp::SetSecurity | FileOp::SetAttributes => "attr",
            FileOp::GetAttributes => "stat",
            FileOp::Close => "close",
            _ => "other",
        },
        _ => "other",
    }
}

/// What one process did to one path.
#[derive(Debug, Clone)]
pub struct FileUse {
    pub ops: u16,
    pub count: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub first: Time,
    pub last: Time,
}

/// Failed calls of one process with the same errno and event.
#[derive(Debug, Clone)]
pub struct ErrorGroup {
    pub errno: u8,
    /// The first occurrence's return value (what an errno BSM does not name means is in it).
    pub return_value: Option<i64>,
    pub event: u16,
    pub count: u64,
    pub first: Time,
    /// The paths, addresses or texts of the first occurrences.
    pub examples: Vec<String>,
}

/// The other end (or the local end) of a network call, kept compact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    /// The record names no address (e.g. `socket(2)`).
    None,
    Inet(Address, u16),
    Unix(Box<[u8]>),
}

impl Peer {
    fn of(e: Option<knox_model::Endpoint<'_>>) -> Peer {
        match e {
            None => Peer::None,
            Some(knox_model::Endpoint::Inet { addr, port }) => Peer::Inet(addr, port),
            Some(knox_model::Endpoint::Unix(p)) => Peer::Unix(p.into()),
        }
    }
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Peer::None => Ok(()),
            Peer::Inet(a @ Address::V4(_), port) => write!(f, "{a}:{port}"),
            Peer::Inet(a @ Address::V6(_), port) => write!(f, "[{a}]:{port}"),
            Peer::Unix(p) => f.write_str(&String::from_utf8_lossy(p)),
        }
    }
}

/// Network calls of one kind, by one process, to one address, with one outcome.
#[derive(Debug, Clone)]
pub struct NetUse {
    pub event: u16,
    pub address: Peer,
    pub success: bool,
    pub errno: u8,
    pub count: u64,
    pub first: Time,
    pub last: Time,
}

/// One point on a process's time axis (for `knox timeline`).
#[derive(Debug, Clone)]
pub struct Moment {
    pub t: Time,
    /// `file`, `net`, `exec` or `error` (a failed call of any kind).
    pub kind: &'static str,
    /// Event name and what it touched.
    pub what: String,
}

/// What a report needs kept per process beyond its counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    pub files: bool,
    pub net: bool,
    pub errors: bool,
    pub moments: bool,
}

/// What one process did while it ran (the model's data for each process).
#[derive(Debug, Default)]
pub struct Activity {
    /// In the `--pid` subtree (always, without `--pid`).
    pub in_scope: bool,
    /// Made a selected record (always, without a selection).
    pub selected: bool,
    /// Counts of file, network and failed operations in selected records.
    pub files: u64,
    pub net: u64,
    pub failed: u64,
    pub file_uses: HashMap<Box<[u8]>, FileUse>,
    pub net_uses: HashMap<(u16, Peer, bool, u8), NetUse>,
    /// By (errno, event).
    pub errors: HashMap<(u8, u16), ErrorGroup>,
    pub moments: Vec<Moment>,
}

impl knox_model::Data for Activity {
    fn started(_: u32, _: Option<&Activity>) -> Activity {
        Activity::default()
    }
}

/// A report: told of each process when it appears and when it is over.
pub trait Report {
    /// What it needs kept per process.
    fn needs(&self) -> Needs;
    /// A process appeared (already in scope or not).
    fn started(&mut self, _p: &Process<Activity>) {}
    /// A process is over; `model` shows the processes still running.
    fn ended(&mut self, p: Process<Activity>, why: End, model: &Model<Activity>) -> io::Result<()>;
    /// Every process has been handed over.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs the records through the model into a report.
pub struct Activities<'r> {
    model: Model<Activity>,
    report: &'r mut dyn Report,
    needs: Needs,
    /// `--pid`: only this process and its descendants.
    scope: Option<u32>,
    /// Whether every record is selected (no selection given).
    all_selected: bool,
    /// Event names, for moments and examples.
    events: &'r bsm_format::tables::EventTable,
    moments_kept: usize,
    pub moments_dropped: u64,
    /// Records with a failed call, counted in the processes in scope.
    pub failed_records: u64,
    /// Whether the `--pid` process appeared, and whether any record was selected.
    scope_seen: bool,
    any_selected: bool,
    what: &'static str,
    err: &'r mut dyn Write,
}

impl<'r> Activities<'r> {
    pub fn new(
        report: &'r mut dyn Report,
        scope: Option<u32>,
        all_selected: bool,
        events: &'r bsm_format::tables::EventTable,
        what: &'static str,
        err: &'r mut dyn Write,
    ) -> Activities<'r> {
        let needs = report.needs();
        Activities {
            model: Model::new(),
            report,
            needs,
            scope,
            all_selected,
            events,
            moments_kept: 0,
            moments_dropped: 0,
            failed_records: 0,
            scope_seen: false,
            any_selected: false,
            what,
            err,
        }
    }

    /// The same, holding at most `n` running processes (tests use a small bound).
    pub fn max_running(mut self, n: usize) -> Self {
        self.model = Model::new().with_max_running(n);
        self
    }

    /// How many processes are running.
    pub fn running(&self) -> usize {
        self.model.running()
    }

    /// Applies one record's facts.
    pub fn add(&mut self, host: knox_model::Host, parsed: &Parsed) -> io::Result<()> {
        let ev = &parsed.ev;
        let selected = parsed.selected || self.all_selected;
        let needs = self.needs;
        let name = self.events.get(ev.event.0).map_or("", |e| e.name.as_str());
        if let Some(p) = self.model.apply(host, ev) {
            let a = &mut p.data;
            if selected {
                self.any_selected = true;
                a.selected = true;
                note(a, ev, needs);
                if let Some(m) = needs.moments.then(|| moment_of(ev, name)).flatten() {
                    if self.moments_kept < MAX_MOMENTS {
                        self.moments_kept += 1;
                        a.moments.push(m);
                    } else {
                        self.moments_dropped += 1;
                    }
                }
            }
        }
        self.changes()
    }

    /// Whether a process is in the `--pid` scope: it is the process, or its parent is in it.
    fn in_scope(&self, host: knox_model::Host, pid: u32, parent: Option<(u32, u64)>) -> bool {
        self.scope.is_none_or(|s| s == pid)
            || parent
                .and_then(|(pid, seq)| self.model.get(Key { host, pid, seq }))
                .is_some_and(|p| p.data.in_scope)
    }

    /// Hands the model's changes to the report.
    fn changes(&mut self) -> io::Result<()> {
        let mut changes: std::collections::VecDeque<Change<Activity>> =
            self.model.changes().collect();
        while let Some(c) = changes.pop_front() {
            match c {
                Change::Started(key) => {
                    self.scope_seen |= self.scope == Some(key.pid);
                    let all = self.all_selected;
                    if let Some(parent) = self.model.get(key).map(|p| p.ppid.zip(p.parent_seq)) {
                        let in_scope = self.in_scope(key.host, key.pid, parent);
                        if let Some(p) = self.model.get_mut(key) {
                            p.data.in_scope = in_scope;
                            // Its first record may have been selected already.
                            p.data.selected |= all;
                            self.report.started(p);
                        }
                        continue;
                    }
                    // It started and ended with the same record (first seen at its exit, or
                    // replaced at once): its end is further in this list. Reports are told of
                    // it now, in the order processes appeared.
                    let ended = changes.iter_mut().find_map(|c| match c {
                        Change::Ended(p, _)
                            if (p.host, p.pid, p.seq) == (key.host, key.pid, key.seq) =>
                        {
                            Some(p)
                        }
                        _ => None,
                    });
                    if let Some(p) = ended {
                        p.data.in_scope = self.in_scope(p.host, p.pid, p.ppid.zip(p.parent_seq));
                        p.data.selected |= all;
                        self.report.started(p);
                    }
                }
                Change::Ended(p, why) => {
                    if p.data.in_scope {
                        self.failed_records += p.data.failed;
                    }
                    self.report.ended(*p, why, &self.model)?;
                }
            }
        }
        Ok(())
    }

    /// The input ended: every running process is handed over.
    pub fn finish(&mut self) -> io::Result<()> {
        if self.model.evicted() > 0 {
            writeln!(
                self.err,
                "{}: more than {} processes were running at once (macOS and FreeBSD pids stay \
                 below 100,000): the {} that had run longest were reported before their exit",
                self.what,
                self.model.max_running(),
                self.model.evicted()
            )?;
        }
        self.model.finish();
        self.changes()?;
        self.report.finish()?;
        // An empty report says why.
        match self.scope {
            Some(pid) if !self.scope_seen => {
                writeln!(self.err, "{}: no process {pid} in the input", self.what)?
            }
            _ if !self.all_selected && !self.any_selected => writeln!(
                self.err,
                "{}: no record in the input matches the selection",
                self.what
            )?,
            _ => {}
        }
        Ok(())
    }
}

impl Sink<Vec<Parsed>> for Activities<'_> {
    fn apply(&mut self, part: Vec<Parsed>, src: &SourceInfo) -> io::Result<()> {
        let host = self.model.host(src.host.as_deref());
        for p in &part {
            self.add(host, p)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        Activities::finish(self)
    }
}

/// Notes what a selected record of the process did.
fn note(a: &mut Activity, ev: &Event, needs: Needs) {
    let failed = ev.failed();
    if failed {
        a.failed += 1;
        if needs.errors {
            let errno = ev.errno().map_or(0, |e| e.0);
            let g = a
                .errors
                .entry((errno, ev.event.0))
                .or_insert_with(|| ErrorGroup {
                    errno,
                    return_value: ev.failure().and_then(|f| f.return_value),
                    event: ev.event.0,
                    count: 0,
                    first: ev.time,
                    examples: Vec::new(),
                });
            g.count += 1;
            if g.examples.len() < EXAMPLES {
                if let Some(x) = example(ev).filter(|x| !g.examples.contains(x)) {
                    g.examples.push(x);
                }
            }
        }
    }
    if ev.act.is_lifecycle() {
        return;
    }
    let address = ev.address().or_else(|| ev.remote());
    if address.is_some() || matches!(ev.act, Act::Net(_)) {
        a.net += 1;
        if needs.net {
            let peer = Peer::of(address);
            let errno = ev.errno().map_or(0, |e| e.0);
            let u = a
                .net_uses
                .entry((ev.event.0, peer, !failed, errno))
                .or_insert_with_key(|k| NetUse {
                    event: ev.event.0,
                    address: k.1.clone(),
                    success: !failed,
                    errno,
                    count: 0,
                    first: ev.time,
                    last: ev.time,
                });
            u.count += 1;
            u.last = ev.time;
        }
    } else if ev.path().is_some() {
        a.files += 1;
        if needs.files {
            let op = file_op(ev.act);
            for (i, path) in ev.paths().enumerate() {
                // rename's later paths are where the file went.
                let bit = op_bit(if op == "rename" && i > 0 {
                    "renamed-to"
                } else {
                    op
                });
                let u = match a.file_uses.get_mut(path) {
                    Some(u) => u,
                    None => a.file_uses.entry(path.into()).or_insert(FileUse {
                        ops: 0,
                        count: 0,
                        succeeded: 0,
                        failed: 0,
                        first: ev.time,
                        last: ev.time,
                    }),
                };
                u.last = ev.time;
                u.count += 1;
                u.ops |= bit;
                if failed {
                    u.failed += 1;
                } else {
                    u.succeeded += 1;
                }
            }
        }
    }
}

/// What a failed call was about: its path, address, text, or the process it signalled.
fn example(ev: &Event) -> Option<String> {
    if ev.act == Act::Signal {
        return match (ev.signal(), ev.target_pid()) {
            (Some(s), Some(p)) => Some(format!("signal {s} to pid {p}")),
            (None, Some(p)) => Some(format!("pid {p}")),
            _ => None,
        };
    }
    if let Some(p) = ev.path() {
        return Some(String::from_utf8_lossy(p).into_owned());
    }
    if let Some(a) = ev.address().or_else(|| ev.remote()) {
        return Some(a.to_string());
    }
    ev.text().map(|t| String::from_utf8_lossy(t).into_owned())
}

/// The timeline point of a record, if it is one: an exec, a network or file operation, or a
/// failed call of any kind.
fn moment_of(ev: &Event, name: &str) -> Option<Moment> {
    let address = ev.address().or_else(|| ev.remote());
    let kind = if ev.failed() {
        "error"
    } else if ev.act.is_exec() {
        "exec"
    } else if matches!(ev.act, Act::Net(_)) || address.is_some() {
        "net"
    } else if ev.path().is_some() {
        "file"
    } else {
        return None;
    };
    let short = name.trim_start_matches("AUE_");
    let short = if short.is_empty() {
        ev.act.name()
    } else {
        short
    };
    let mut what = match (ev.path(), address) {
        (Some(p), _) => format!("{short} {}", String::from_utf8_lossy(p)),
        (None, Some(a)) => format!("{short} {a}"),
        (None, None) => short.to_string(),
    };
    if let Some(f) = ev.failure() {
        what.push_str(": ");
        what.push_str(&f.describe());
    }
    Some(Moment {
        t: ev.time,
        kind,
        what,
    })
}

/// The command line of the program a process runs, shell-quoted (its path as the first word):
/// its last exec, or the program it inherited from its parent; `-` when the trail shows none.
pub fn command_text<T>(p: &Process<T>) -> String {
    knox_model::quote::process_command_line(p)
}

/// Whether a report shows a process: in the `--pid` scope and, with a selection, with a
/// selected record.
pub fn shown(p: &Process<Activity>) -> bool {
    p.data.in_scope && p.data.selected
}

//! What a trail says about programs: processes (with their command lines and exit statuses),
//! the files each touched, failed system calls, and network use.
//!
//! One pass over the records keeps an [`Activity`] for each *running* process. When a process
//! exits (or its pid is reused, or the input ends) its activity is handed to a [`Sink`], which
//! prints it or keeps what its report needs, and the model forgets it. So memory follows the
//! processes running at one time, not the length of the trail, and the tools print as processes
//! exit, which is also what `--follow` and `--live` need.

pub mod kinds;
pub mod print;
pub mod tree;

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};

use bsm_format::tables::EventTable;
use bsm_format::{Address, Record, RecordKind, RecordReader, Time, Token};
use serde::Serialize;

use crate::filter::Filter;
use crate::input::Source;
use crate::report::{Problem, Problems};
use kinds::{is_exec, is_lifecycle, op_bit, EXIT, FORK, POSIX_SPAWN, VFORK};

pub use kinds::{op_names, OPS};
pub use print::command_text;

/// Examples kept per error group.
const EXAMPLES: usize = 3;

/// Most processes held running. Pids on macOS and FreeBSD stay below 100,000 (PID_MAX is 99,999),
/// so only a forged trail goes past this; the oldest processes are then handed over early (and
/// counted), which keeps memory bounded.
pub const MAX_RUNNING: usize = 100_000;

/// Most moments kept for the timeline (the page stays usable; the rest are counted).
pub const MAX_MOMENTS: usize = 200_000;

/// One process, from its fork (or first record) to its exit.
#[derive(Debug, Clone, Serialize)]
pub struct Process {
    pub pid: u32,
    pub ppid: Option<u32>,
    /// Every exec of the process, in order: each argument list as its raw NUL-terminated
    /// strings (compact; serialized as lists of strings).
    #[serde(serialize_with = "lists")]
    pub argv: Vec<Box<[u8]>>,
    #[serde(serialize_with = "opt_bytes")]
    pub path: Option<Box<[u8]>>,
    pub euid: u32,
    pub auid: u32,
    /// RFC 3339 UTC of the fork/spawn (or the first record seen).
    #[serde(serialize_with = "time_json")]
    pub start: Time,
    /// RFC 3339 UTC of the exit, if the trail has it.
    #[serde(serialize_with = "opt_time_json")]
    pub end: Option<Time>,
    pub status: Option<u32>,
    pub files: u64,
    pub net: u64,
    pub failed: u64,
}

/// What one process did to one path.
#[derive(Debug, Clone, Serialize)]
pub struct FileUse {
    #[serde(serialize_with = "ops_json")]
    pub ops: u16,
    pub count: u64,
    pub succeeded: u64,
    pub failed: u64,
    #[serde(serialize_with = "time_json")]
    pub first: Time,
    #[serde(serialize_with = "time_json")]
    pub last: Time,
}

/// Failed calls of one process with the same errno and event.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorGroup {
    pub errno: u8,
    pub errno_name: Option<&'static str>,
    pub event: u16,
    pub event_name: Option<String>,
    pub pid: u32,
    pub count: u64,
    #[serde(serialize_with = "time_json")]
    pub first: Time,
    /// The paths, addresses or texts of the first occurrences.
    pub examples: Vec<String>,
}

/// The other end (or the local end) of a network call, kept compact; printed by `Display`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// The record names no address (e.g. `socket(2)`).
    None,
    Inet(Address, u16),
    Unix(Box<[u8]>),
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::None => Ok(()),
            Endpoint::Inet(a @ Address::V4(_), port) => write!(f, "{a}:{port}"),
            Endpoint::Inet(a @ Address::V6(_), port) => write!(f, "[{a}]:{port}"),
            Endpoint::Unix(p) => f.write_str(&String::from_utf8_lossy(p)),
        }
    }
}

/// Network calls of one kind, by one process, to one address, with one outcome.
#[derive(Debug, Clone)]
pub struct NetUse {
    pub event: u16,
    pub address: Endpoint,
    pub success: bool,
    pub errno: u8,
    pub count: u64,
    pub first: Time,
}

/// One point on a process's time axis (for `knox timeline`).
#[derive(Debug, Clone)]
pub struct Moment {
    /// Milliseconds since the epoch.
    pub t: u64,
    /// `file`, `net`, `exec` or `error` (a failed call of any kind).
    pub kind: &'static str,
    /// Event name and what it touched.
    pub what: String,
}

/// Everything one process did while it ran.
#[derive(Debug)]
pub struct Activity {
    /// Order of appearance in the input: unique for each process, even when pids are reused.
    pub seq: u64,
    /// The `seq` of the parent the process was forked or spawned from, if the trail shows it.
    pub parent: Option<u64>,
    /// Whether the process is in the `--pid` subtree (always, without `--pid`).
    pub in_scope: bool,
    pub process: Process,
    pub files: HashMap<Box<[u8]>, FileUse>,
    pub net: HashMap<(u16, Endpoint, bool, u8), NetUse>,
    /// By (errno, event).
    pub errors: HashMap<(u8, u16), ErrorGroup>,
    /// Filled only when the model keeps moments.
    pub moments: Vec<Moment>,
}

/// Receives each process once: when it appears, and when it is done.
pub trait Sink {
    /// A process appeared (fork, spawn, or its first record).
    fn started(&mut self, _seq: u64, _pid: u32, _parent: Option<u64>, _in_scope: bool) {}
    /// A process exited, its pid was reused, or the input ended while it ran; `running` shows
    /// the processes still running.
    fn done(&mut self, a: Activity, running: &Running<'_>) -> io::Result<()>;
    /// The input ended and every process has been handed over.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The processes running at one point of the trail, by pid.
pub struct Running<'m>(&'m HashMap<u32, Box<Activity>>);

impl Running<'_> {
    /// The process that appeared as `seq`, if it is still running.
    pub fn get(&self, seq: u64, pid: u32) -> Option<&Process> {
        self.0
            .get(&pid)
            .filter(|a| a.seq == seq)
            .map(|a| &a.process)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The processes running at this point of the trail.
pub struct Model {
    /// Boxed: the table then holds pointers, and its spare slots stay small.
    live: HashMap<u32, Box<Activity>>,
    /// (seq, pid) of processes in order of appearance, to find the oldest running one; entries
    /// of processes already gone are dropped lazily.
    order: VecDeque<(u64, u32)>,
    max_running: usize,
    /// Processes handed over early because more than `max_running` ran at once.
    pub evicted: u64,
    next_seq: u64,
    /// `--pid`: only this process and its descendants are in scope.
    scope: Option<u32>,
    keep_moments: bool,
    moments_kept: usize,
    pub moments_dropped: u64,
    /// What each event number is, worked out once: (file operation, network?).
    kinds: HashMap<u16, (&'static str, bool)>,
    /// Processes that appeared or ended in the last record, for [`Model::drain`].
    started: Vec<(u64, u32, Option<u64>, bool)>,
    done: Vec<Activity>,
    pub failed_records: u64,
}

impl Default for Model {
    fn default() -> Model {
        Model::new(None, false)
    }
}

pub fn rfc3339(t: Time) -> String {
    t.to_utc()
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| format!("{}.{:03}", t.sec, t.msec))
}

/// What the tokens of one record say, borrowed from the record.
#[derive(Default)]
struct Facts<'a> {
    subject: Option<bsm_format::token::Subject>,
    failed: bool,
    errno: u8,
    /// The first paths (more than four path tokens in one record are not seen in practice;
    /// the rest are ignored rather than allocated for).
    paths: [&'a [u8]; 4],
    npaths: usize,
    argv: Option<&'a [u8]>,
    child: Option<u32>,
    status: Option<u32>,
    addr: Option<Endpoint>,
    text: Option<&'a [u8]>,
}

impl Model {
    /// An empty model; `scope` is `--pid`, `moments` whether to keep timeline points.
    pub fn new(scope: Option<u32>, moments: bool) -> Model {
        Model {
            live: HashMap::new(),
            order: VecDeque::new(),
            max_running: MAX_RUNNING,
            evicted: 0,
            next_seq: 0,
            scope,
            keep_moments: moments,
            moments_kept: 0,
            moments_dropped: 0,
            kinds: HashMap::new(),
            started: Vec::new(),
            done: Vec::new(),
            failed_records: 0,
        }
    }

    /// The same model holding at most `n` running processes (tests use a small bound).
    pub fn max_running(mut self, n: usize) -> Model {
        self.max_running = n.max(1);
        self
    }

    /// The running process with this pid, created when the trail has not shown it yet.
    fn process(&mut self, pid: u32, t: Time) -> &mut Activity {
        if !self.live.contains_key(&pid) {
            self.start(pid, None, t);
        }
        self.live.get_mut(&pid).expect("just inserted")
    }

    /// A new process `pid`, child of the running process `ppid` (if any).
    fn start(&mut self, pid: u32, ppid: Option<u32>, t: Time) {
        let parent = ppid.and_then(|pp| self.live.get(&pp));
        let parent_seq = parent.map(|p| p.seq);
        let in_scope = self.scope.is_none_or(|s| s == pid) || parent.is_some_and(|p| p.in_scope);
        let seq = self.next_seq;
        self.next_seq += 1;
        let a = Box::new(Activity {
            seq,
            parent: parent_seq,
            in_scope,
            process: Process {
                pid,
                ppid,
                argv: Vec::new(),
                path: None,
                euid: 0,
                auid: u32::MAX,
                start: t,
                end: None,
                status: None,
                files: 0,
                net: 0,
                failed: 0,
            },
            files: HashMap::new(),
            net: HashMap::new(),
            errors: HashMap::new(),
            moments: Vec::new(),
        });
        self.started.push((seq, pid, parent_seq, in_scope));
        // A pid seen again without its exit: the earlier process is over.
        if let Some(old) = self.live.insert(pid, a) {
            self.done.push(*old);
        }
        self.order.push_back((seq, pid));
        if self.live.len() > self.max_running {
            self.evict_oldest();
        }
        if self.order.len() > 2 * self.live.len() + 1024 {
            let live = &self.live;
            self.order
                .retain(|(seq, pid)| live.get(pid).is_some_and(|a| a.seq == *seq));
        }
    }

    /// Hands over the process that has been running longest.
    fn evict_oldest(&mut self) {
        while let Some((seq, pid)) = self.order.pop_front() {
            if self.live.get(&pid).is_some_and(|a| a.seq == seq) {
                let a = self.live.remove(&pid).expect("checked");
                self.done.push(*a);
                self.evicted += 1;
                return;
            }
        }
    }

    /// Adds one record; returns its first decode error (the tokens before it still count).
    pub fn add(&mut self, rec: &Record<'_>, events: &EventTable) -> Option<bsm_format::Error> {
        let h = match rec.header() {
            Ok(h) => h,
            Err(e) => return Some(e),
        };
        let (t, ev) = (h.time, h.event.0);
        let info = events.get(ev);
        let name = info.map_or("", |e| e.name.as_str());
        let (op, net_event) = *self.kinds.entry(ev).or_insert_with(|| {
            let classes = info.map_or("", |e| e.classes.as_str());
            (
                kinds::file_op(name, classes),
                kinds::is_net_event(name, classes),
            )
        });
        let mut f = Facts::default();
        let mut error = None;
        for tok in rec.tokens() {
            let tok = match tok {
                Ok(t) => t,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            };
            match tok {
                Token::Subject(s) => f.subject = Some(s),
                Token::Return(r) if !r.errno.is_success() => {
                    f.failed = true;
                    f.errno = r.errno.0;
                }
                Token::Path(p) if f.npaths < f.paths.len() => {
                    f.paths[f.npaths] = p.bytes();
                    f.npaths += 1;
                }
                Token::ExecArgs(l) => f.argv = Some(l.raw()),
                Token::Arg(a) if a.argno == 0 && matches!(ev, FORK | VFORK | POSIX_SPAWN) => {
                    f.child = Some(a.value as u32)
                }
                Token::Exit(x) => f.status = Some(x.status),
                Token::SockInet(s) => {
                    f.addr = Some(Endpoint::Inet(s.addr, bsm_format::token::port_be(s.port)))
                }
                Token::SockUnix(s) => f.addr = Some(Endpoint::Unix(s.path.into())),
                Token::SocketEx(s) => {
                    f.addr = Some(Endpoint::Inet(
                        s.remote_addr,
                        bsm_format::token::port_be(s.remote_port),
                    ))
                }
                Token::Text(x) => f.text = Some(x.bytes()),
                _ => {}
            }
        }
        let Some(s) = f.subject else { return error };
        let paths = &f.paths[..f.npaths];
        let me = self.process(s.pid, t);
        me.process.euid = s.euid;
        me.process.auid = s.auid;
        if f.failed {
            me.process.failed += 1;
            let g = me
                .errors
                .entry((f.errno, ev))
                .or_insert_with(|| ErrorGroup {
                    errno: f.errno,
                    errno_name: bsm_format::BsmErrno(f.errno).name(),
                    event: ev,
                    event_name: info.map(|e| e.name.clone()),
                    pid: s.pid,
                    count: 0,
                    first: t,
                    examples: Vec::new(),
                });
            g.count += 1;
            if g.examples.len() < EXAMPLES {
                let example = match (paths.first(), &f.addr, f.text) {
                    (Some(p), ..) => Some(String::from_utf8_lossy(p).into_owned()),
                    (None, Some(a), _) => Some(a.to_string()),
                    (None, None, Some(x)) => Some(String::from_utf8_lossy(x).into_owned()),
                    _ => None,
                };
                if let Some(x) = example.filter(|x| !g.examples.contains(x)) {
                    g.examples.push(x);
                }
            }
        }
        if self.keep_moments {
            self.moment(s.pid, t, ev, name, net_event, &f);
        }
        if f.failed {
            self.failed_records += 1;
        }
        match ev {
            FORK | VFORK if !f.failed => {
                if let Some(c) = f.child.filter(|&c| c != 0) {
                    self.start(c, Some(s.pid), t);
                }
            }
            EXIT => {
                if let Some(mut a) = self.live.remove(&s.pid) {
                    a.process.status = f.status;
                    a.process.end = Some(t);
                    self.done.push(*a);
                }
            }
            _ if is_exec(ev) && !f.failed => {
                let target = match f.child.filter(|&c| c != 0) {
                    Some(c) if ev == POSIX_SPAWN => {
                        self.start(c, Some(s.pid), t);
                        c
                    }
                    _ => s.pid,
                };
                if let Some(a) = self.live.get_mut(&target) {
                    a.process.argv.push(f.argv.unwrap_or_default().into());
                    a.process.path = paths.first().map(|&p| p.into());
                }
            }
            _ => {}
        }
        if is_lifecycle(ev) {
            return error;
        }
        let Some(me) = self.live.get_mut(&s.pid) else {
            return error;
        };
        if let Some(address) = f.addr.take().or(net_event.then_some(Endpoint::None)) {
            me.process.net += 1;
            let success = !f.failed;
            me.net
                .entry((ev, address, success, f.errno))
                .or_insert_with_key(|k| NetUse {
                    event: ev,
                    address: k.1.clone(),
                    success,
                    errno: f.errno,
                    count: 0,
                    first: t,
                })
                .count += 1;
        } else if !paths.is_empty() {
            me.process.files += 1;
            for (i, &path) in paths.iter().enumerate() {
                // rename's second path is where the file went.
                let bit = op_bit(if op == "rename" && i > 0 {
                    "renamed-to"
                } else {
                    op
                });
                let u = match me.files.get_mut(path) {
                    Some(u) => u,
                    None => me.files.entry(path.into()).or_insert(FileUse {
                        ops: 0,
                        count: 0,
                        succeeded: 0,
                        failed: 0,
                        first: t,
                        last: t,
                    }),
                };
                u.last = t;
                u.count += 1;
                u.ops |= bit;
                if f.failed {
                    u.failed += 1;
                } else {
                    u.succeeded += 1;
                }
            }
        }
        error
    }

    /// Adds a point to the timeline of process `pid` (which is running).
    fn moment(&mut self, pid: u32, t: Time, ev: u16, name: &str, net: bool, f: &Facts<'_>) {
        let kind = if f.failed {
            "error"
        } else if is_exec(ev) {
            "exec"
        } else if net || f.addr.is_some() {
            "net"
        } else if f.npaths > 0 {
            "file"
        } else {
            return;
        };
        if self.moments_kept >= MAX_MOMENTS {
            self.moments_dropped += 1;
            return;
        }
        self.moments_kept += 1;
        let short = name.trim_start_matches("AUE_");
        let what = match (f.paths[..f.npaths].first(), &f.addr) {
            (Some(p), _) => format!("{short} {}", String::from_utf8_lossy(p)),
            (None, Some(a)) => format!("{short} {a}"),
            (None, None) => short.to_string(),
        };
        if let Some(a) = self.live.get_mut(&pid) {
            a.moments.push(Moment {
                t: t.sec.saturating_mul(1000).saturating_add(t.msec),
                kind,
                what,
            });
        }
    }

    /// Hands the processes that appeared or ended since the last call to the sink.
    pub fn drain(&mut self, sink: &mut dyn Sink) -> io::Result<()> {
        for (seq, pid, parent, in_scope) in self.started.drain(..) {
            sink.started(seq, pid, parent, in_scope);
        }
        let running = Running(&self.live);
        for a in self.done.drain(..) {
            sink.done(a, &running)?;
        }
        Ok(())
    }

    /// The input ended: the processes still running are handed over in order of appearance.
    pub fn finish(&mut self, sink: &mut dyn Sink) -> io::Result<()> {
        self.drain(sink)?;
        let mut rest: Vec<Box<Activity>> = self.live.drain().map(|(_, a)| a).collect();
        rest.sort_by_key(|a| a.seq);
        let running = Running(&self.live);
        for a in rest {
            sink.done(*a, &running)?;
        }
        sink.finish()
    }

    /// How many processes are running (what the model's memory follows).
    pub fn running(&self) -> usize {
        self.live.len()
    }

    /// Reads every source through the model into the sink.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        sources: &[Source],
        events: &EventTable,
        filter: &Filter,
        what: &str,
        sink: &mut dyn Sink,
        err: &mut dyn Write,
        problems: &mut Problems,
    ) -> io::Result<()> {
        for src in sources {
            let name = src.name();
            let reader = match src.open() {
                Ok(r) => r,
                Err(e) => {
                    writeln!(err, "{what}: {name}: {e}")?;
                    problems.unreadable.push(name);
                    continue;
                }
            };
            let mut rr = RecordReader::new(reader);
            while let Some(r) = rr.next_record() {
                match r {
                    Ok(rec) if rec.kind() == RecordKind::File => {}
                    Ok(rec) => {
                        if !filter.matches(&rec) {
                            continue;
                        }
                        if let Some(e) = self.add(&rec, events) {
                            problems.decode_errors += 1;
                            writeln!(err, "{what}: {}", Problem::new(&name, &e))?;
                        }
                        self.drain(sink)?;
                    }
                    Err(e) => {
                        problems.decode_errors += 1;
                        writeln!(err, "{what}: {}", Problem::new(&name, &e))?;
                    }
                }
            }
        }
        if self.evicted > 0 {
            writeln!(
                err,
                "{what}: more than {} processes were running at once (macOS and FreeBSD pids stay \
                 below 100,000): the {} that had run longest were reported before their exit",
                self.max_running, self.evicted
            )?;
        }
        self.finish(sink)
    }
}

fn ops_json<S: serde::Serializer>(ops: &u16, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(op_names(*ops))
}

fn time_json<S: serde::Serializer>(t: &Time, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

fn opt_time_json<S: serde::Serializer>(t: &Option<Time>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(*t)),
        None => s.serialize_none(),
    }
}

fn opt_bytes<S: serde::Serializer>(b: &Option<Box<[u8]>>, s: S) -> Result<S::Ok, S::Error> {
    match b {
        Some(b) => bsm_format::types::serialize_bytes_lossless(b, s),
        None => s.serialize_none(),
    }
}

pub(crate) struct Lossless<'a>(pub &'a [u8]);
impl Serialize for Lossless<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        bsm_format::types::serialize_bytes_lossless(self.0, s)
    }
}

/// The strings of a raw NUL-terminated list.
pub fn strings(raw: &[u8]) -> impl Iterator<Item = &[u8]> {
    raw.split(|&c| c == 0)
        .take(raw.iter().filter(|&&c| c == 0).count())
}

fn lists<S: serde::Serializer>(v: &[Box<[u8]>], s: S) -> Result<S::Ok, S::Error> {
    struct L<'a>(&'a [u8]);
    impl Serialize for L<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(strings(self.0).map(Lossless))
        }
    }
    s.collect_seq(v.iter().map(|l| L(l)))
}

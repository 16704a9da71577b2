//! `knox commands`: the command line of every process that executed (execve, mac_execve,
//! posix_spawn), one per line, quoted so that it can be pasted into a shell.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};

use bsm_format::{BsmErrno, Record, RecordReader, Time, Token};
use serde::Serialize;

use crate::accounts::Accounts;
use crate::filter::Filter;
use crate::input::Source;
use crate::quote::{safe_text, shell_quote};
use crate::report::{Problem, Problems};

/// Event numbers of exec-like events (the same in the macOS and FreeBSD tables).
pub const EXECVE: u16 = 23;
pub const MAC_EXECVE: u16 = 43131;
pub const POSIX_SPAWN: u16 = 43190;
const FORK: u16 = 2;
const VFORK: u16 = 25;
const EXIT: u16 = 1;

/// How long an exec waits for its process's exit status (in records), so that output keeps
/// exec order in bounded memory.
const STATUS_WINDOW: usize = 4096;

/// Which execs to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Succeeded,
    Failed,
    All,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub long: bool,
    pub env: bool,
    pub which: Which,
    pub json: bool,
    pub utc: bool,
}

/// One exec, as the trail tells it.
#[derive(Debug, Clone, Serialize)]
pub struct Exec {
    /// RFC 3339, UTC.
    pub time: String,
    #[serde(skip)]
    pub raw_time: Time,
    pub event: u16,
    pub pid: u32,
    pub ppid: Option<u32>,
    pub auid: u32,
    pub euid: u32,
    pub ruid: u32,
    #[serde(serialize_with = "bytes_opt")]
    pub path: Option<Vec<u8>>,
    #[serde(serialize_with = "bytes_list")]
    pub argv: Vec<Vec<u8>>,
    /// The count the trail claims (xnu writes the real argc even when it cut the strings).
    pub argc: Option<u32>,
    #[serde(serialize_with = "bytes_list")]
    pub envp: Vec<Vec<u8>>,
    pub success: bool,
    pub errno: Option<&'static str>,
    #[serde(skip)]
    pub errno_raw: BsmErrno,
    /// The process's exit status, when its exit record came soon enough.
    pub status: Option<u32>,
    pub file: String,
    pub offset: u64,
}

fn bytes_opt<S: serde::Serializer>(b: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match b {
        Some(b) => bsm_format::types::serialize_bytes_lossless(b, s),
        None => s.serialize_none(),
    }
}

fn bytes_list<S: serde::Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
    struct B<'a>(&'a [u8]);
    impl Serialize for B<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            bsm_format::types::serialize_bytes_lossless(self.0, s)
        }
    }
    s.collect_seq(v.iter().map(|b| B(b)))
}

/// Reads an exec record. `None` for other events.
pub fn exec_of(rec: &Record<'_>, file: &str) -> Option<Exec> {
    let h = rec.header().ok()?;
    if !matches!(h.event.0, EXECVE | MAC_EXECVE | POSIX_SPAWN) {
        return None;
    }
    let mut e = Exec {
        time: rfc3339(h.time),
        raw_time: h.time,
        event: h.event.0,
        pid: 0,
        ppid: None,
        auid: u32::MAX,
        euid: 0,
        ruid: 0,
        path: None,
        argv: Vec::new(),
        argc: None,
        envp: Vec::new(),
        success: true,
        errno: None,
        errno_raw: BsmErrno(0),
        status: None,
        file: file.to_string(),
        offset: rec.offset(),
    };
    let mut child = None;
    for t in rec.tokens() {
        let Ok(t) = t else { break };
        match t {
            Token::ExecArgs(l) => {
                e.argv = l.iter().map(<[u8]>::to_vec).collect();
                e.argc = Some(l.count);
            }
            Token::ExecEnv(l) => e.envp = l.iter().map(<[u8]>::to_vec).collect(),
            Token::Path(p) if e.path.is_none() => e.path = Some(p.bytes().to_vec()),
            Token::Subject(s) => {
                (e.pid, e.auid, e.euid, e.ruid) = (s.pid, s.auid, s.euid, s.ruid);
            }
            Token::Arg(a) if a.argno == 0 && h.event.0 == POSIX_SPAWN => {
                child = Some(a.value as u32)
            }
            Token::Return(r) => {
                e.success = r.errno.is_success();
                e.errno_raw = r.errno;
                e.errno = if e.success {
                    None
                } else {
                    Some(r.errno.name().unwrap_or("unknown"))
                };
            }
            _ => {}
        }
    }
    // posix_spawn is recorded by the parent; the new process is the child (none if it failed).
    if let Some(c) = child.filter(|&c| c != 0) {
        e.ppid = Some(e.pid);
        e.pid = c;
    }
    Some(e)
}

fn rfc3339(t: Time) -> String {
    t.to_utc()
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| format!("{}.{:03}", t.sec, t.msec))
}

/// Processes seen so far: parents (from fork, vfork, posix_spawn) and pending execs waiting for
/// their exit status.
#[derive(Default)]
struct Lineage {
    parents: HashMap<u32, u32>,
    pending: VecDeque<(Exec, bool)>,
    /// Sequence number of `pending[0]`.
    first_seq: u64,
    /// The newest pending exec of each pid, by sequence number.
    latest: HashMap<u32, u64>,
}

impl Lineage {
    fn push(&mut self, e: Exec) {
        let seq = self.first_seq + self.pending.len() as u64;
        // A new image for the same pid: the earlier exec will not get this exit status.
        if e.success {
            if let Some(old) = self.latest.insert(e.pid, seq) {
                if let Some(p) = self.pending.get_mut((old - self.first_seq) as usize) {
                    p.1 = true;
                }
            }
        }
        self.pending.push_back((e, false));
    }

    fn exited(&mut self, pid: u32, status: u32) {
        if let Some(seq) = self.latest.remove(&pid) {
            if let Some((e, done)) = self.pending.get_mut((seq - self.first_seq) as usize) {
                e.status = Some(status);
                *done = true;
            }
        }
        self.parents.remove(&pid);
    }

    fn pop(&mut self) -> Option<Exec> {
        let (e, _) = self.pending.pop_front()?;
        if self.latest.get(&e.pid) == Some(&self.first_seq) {
            self.latest.remove(&e.pid);
        }
        self.first_seq += 1;
        Some(e)
    }
}

/// Lists the execs of every source.
pub fn run(
    sources: &[Source],
    opts: &Options,
    filter: &Filter,
    accounts: &Accounts,
    out: &mut dyn Write,
    err: &mut dyn Write,
    problems: &mut Problems,
) -> io::Result<()> {
    let mut lin = Lineage::default();
    let mut buf = Vec::with_capacity(1 << 16);
    // Without --long or --json no status is shown, so nothing needs to wait.
    let wait = opts.long || opts.json;
    for src in sources {
        let name = src.name();
        let reader = match src.open() {
            Ok(r) => r,
            Err(e) => {
                writeln!(err, "knox commands: {name}: {e}")?;
                problems.unreadable.push(name);
                continue;
            }
        };
        let mut rr = RecordReader::new(reader);
        while let Some(r) = rr.next_record() {
            let rec = match r {
                Ok(rec) => rec,
                Err(e) => {
                    problems.decode_errors += 1;
                    writeln!(err, "knox commands: {}", Problem::new(&name, &e))?;
                    continue;
                }
            };
            if rec.kind() == bsm_format::RecordKind::File {
                continue;
            }
            // Only exec records (and, for exit statuses, fork and exit records) are read
            // further; their decode problems are reported, the others' are not looked for.
            let event = match rec.header() {
                Ok(h) => h.event.0,
                Err(e) => {
                    problems.decode_errors += 1;
                    writeln!(err, "knox commands: {}", Problem::new(&name, &e))?;
                    continue;
                }
            };
            let is_exec = matches!(event, EXECVE | MAC_EXECVE | POSIX_SPAWN);
            if !(is_exec || wait && matches!(event, FORK | VFORK | EXIT)) {
                continue;
            }
            if let Some(e) = rec.tokens().find_map(Result::err) {
                problems.decode_errors += 1;
                writeln!(err, "knox commands: {}", Problem::new(&name, &e))?;
            }
            if wait {
                track(&rec, &mut lin);
            }
            if !is_exec || !filter.matches(&rec) {
                continue;
            }
            let Some(mut e) = exec_of(&rec, &name) else {
                continue;
            };
            let shown = match opts.which {
                Which::Succeeded => e.success,
                Which::Failed => !e.success,
                Which::All => true,
            };
            if !shown {
                continue;
            }
            if !wait {
                write_exec(&mut buf, &e, opts, accounts);
            } else {
                e.ppid = e.ppid.or_else(|| lin.parents.get(&e.pid).copied());
                lin.push(e);
            }
            flush(&mut lin, &mut buf, opts, accounts, false);
            if buf.len() > 1 << 16 || (src.is_live() && !buf.is_empty()) {
                out.write_all(&buf)?;
                if src.is_live() {
                    out.flush()?;
                }
                buf.clear();
            }
        }
    }
    flush(&mut lin, &mut buf, opts, accounts, true);
    out.write_all(&buf)?;
    out.flush()
}

/// Notes parents and exit statuses.
fn track(rec: &Record<'_>, lin: &mut Lineage) {
    let Ok(h) = rec.header() else { return };
    match h.event.0 {
        FORK | VFORK | POSIX_SPAWN => {
            let (mut parent, mut child) = (None, None);
            for t in rec.tokens().filter_map(Result::ok) {
                match t {
                    Token::Subject(s) => parent = Some(s.pid),
                    Token::Arg(a) if a.argno == 0 => child = Some(a.value as u32),
                    _ => {}
                }
            }
            if let (Some(p), Some(c)) = (parent, child) {
                lin.parents.insert(c, p);
            }
        }
        EXIT => {
            let (mut pid, mut status) = (None, None);
            for t in rec.tokens().filter_map(Result::ok) {
                match t {
                    Token::Subject(s) => pid = Some(s.pid),
                    Token::Exit(x) => status = Some(x.status),
                    _ => {}
                }
            }
            if let (Some(pid), Some(status)) = (pid, status) {
                lin.exited(pid, status);
            }
        }
        _ => {}
    }
}

fn flush(lin: &mut Lineage, buf: &mut Vec<u8>, opts: &Options, accounts: &Accounts, all: bool) {
    while let Some((_, done)) = lin.pending.front() {
        if !(all || *done || lin.pending.len() > STATUS_WINDOW) {
            break;
        }
        if let Some(e) = lin.pop() {
            write_exec(buf, &e, opts, accounts);
        }
    }
}

/// Writes one exec as a line of text or a JSON object.
pub fn write_exec(out: &mut Vec<u8>, e: &Exec, opts: &Options, accounts: &Accounts) {
    if opts.json {
        let _ = serde_json::to_writer(&mut *out, e);
        out.push(b'\n');
        return;
    }
    if opts.long {
        let t = if opts.utc {
            e.time.clone()
        } else {
            e.raw_time
                .to_utc()
                .map(|d| {
                    d.with_timezone(&chrono::Local)
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
                })
                .unwrap_or_else(|| e.time.clone())
        };
        out.extend_from_slice(t.as_bytes());
        let _ = write!(
            out,
            " {:>7} {:>7} ",
            e.pid,
            e.ppid.map_or("-".to_string(), |p| p.to_string())
        );
        let mut user = Vec::new();
        accounts.write_user(e.euid, &mut user);
        let mut safe = Vec::new();
        safe_text(&mut safe, &user);
        let _ = write!(out, "{:<10} ", String::from_utf8_lossy(&safe));
        let _ = write!(
            out,
            "{:>4} ",
            e.status.map_or("-".to_string(), |s| s.to_string())
        );
    }
    if opts.env && !e.envp.is_empty() {
        out.extend_from_slice(b"env ");
        for v in &e.envp {
            shell_quote(out, v);
            out.push(b' ');
        }
    }
    command_line(out, e);
    if !e.success {
        out.extend_from_slice(b"  # failed: ");
        out.extend_from_slice(e.errno.unwrap_or("unknown").as_bytes());
        if let Some(d) = e.errno_raw.description() {
            let _ = write!(out, " ({d})");
        }
    }
    out.push(b'\n');
}

/// The executable's path (or argv[0] when the record has no path) and the arguments.
fn command_line(out: &mut Vec<u8>, e: &Exec) {
    let mut first = true;
    let mut word = |out: &mut Vec<u8>, w: &[u8]| {
        if !first {
            out.push(b' ');
        }
        first = false;
        shell_quote(out, w);
    };
    match (&e.path, e.argv.first()) {
        (Some(p), _) => word(out, p),
        (None, Some(a0)) => word(out, a0),
        (None, None) => {
            out.extend_from_slice(b"# exec with no path or arguments in its record");
            return;
        }
    }
    for a in e.argv.iter().skip(1) {
        word(out, a);
    }
}

//! What a trail says about programs: processes (with their command lines and exit statuses),
//! the files each touched, failed system calls, and network use. One pass over the records
//! builds the [`Model`]; `knox ps`, `tree`, `files`, `errors` and `net` print parts of it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};

use bsm_format::tables::EventTable;
use bsm_format::{Record, RecordKind, RecordReader, Time, Token};
use serde::Serialize;

use crate::filter::Filter;
use crate::input::Source;
use crate::report::{Problem, Problems};

const EXIT: u16 = 1;
const FORK: u16 = 2;
const VFORK: u16 = 25;
const EXECVE: u16 = 23;
const MAC_EXECVE: u16 = 43131;
const POSIX_SPAWN: u16 = 43190;

/// Examples kept per error group.
const EXAMPLES: usize = 3;

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
    pub path: Option<Vec<u8>>,
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

fn opt_bytes<S: serde::Serializer>(b: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match b {
        Some(b) => bsm_format::types::serialize_bytes_lossless(b, s),
        None => s.serialize_none(),
    }
}

struct Lossless<'a>(&'a [u8]);
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

/// Failed calls with the same errno, event and process.
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

/// Network calls of one kind, by one process, to one address, with one outcome.
#[derive(Debug, Clone, Serialize)]
pub struct NetUse {
    pub pid: u32,
    pub op: String,
    pub address: String,
    pub success: bool,
    pub errno: Option<&'static str>,
    pub count: u64,
    #[serde(serialize_with = "time_json")]
    pub first: Time,
}

/// One point on a process's time axis (for `knox timeline`).
#[derive(Debug, Clone, Serialize)]
pub struct Moment {
    /// Milliseconds since the epoch.
    pub t: u64,
    /// Index of the process in `processes`.
    pub p: usize,
    /// `file`, `net`, `exec` or `error` (a failed call of any kind).
    pub kind: &'static str,
    /// Event name and what it touched.
    pub what: String,
}

/// Most moments kept for the timeline (the page stays usable; the rest are counted).
pub const MAX_MOMENTS: usize = 200_000;

/// Everything the tools print, built in one pass.
#[derive(Default)]
pub struct Model {
    /// Filled only when `keep_moments` is set.
    pub moments: Vec<Moment>,
    pub keep_moments: bool,
    pub moments_dropped: u64,
    pub processes: Vec<Process>,
    live: HashMap<u32, usize>,
    /// (process index, path id) → use; `paths` holds the path of each id.
    pub files: HashMap<(usize, u32), FileUse>,
    pub paths: Vec<Box<[u8]>>,
    path_ids: HashMap<Box<[u8]>, u32>,
    pub errors: HashMap<(u8, u16, u32), ErrorGroup>,
    /// (process index, event, address, success, errno) → use.
    pub net: HashMap<(usize, u16, String, bool, u8), NetUse>,
    /// What each event number is, worked out once: (file operation, network?).
    kinds: HashMap<u16, (&'static str, bool)>,
    pub failed_records: u64,
}

pub fn rfc3339(t: Time) -> String {
    t.to_utc()
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| format!("{}.{:03}", t.sec, t.msec))
}

/// What a file event does, from its short name (AUE_...).
fn file_op(name: &str, classes: &str) -> &'static str {
    let n = name.trim_start_matches("AUE_").to_ascii_lowercase();
    let has = |c: &str| classes.split(',').any(|x| x == c);
    if n.starts_with("open") {
        if has("fc") {
            "create"
        } else if has("fw") {
            "write"
        } else {
            "read"
        }
    } else if n.contains("rename") {
        "rename"
    } else if n.contains("unlink") || n.contains("rmdir") || has("fd") {
        "delete"
    } else if n.contains("chmod")
        || n.contains("chown")
        || n.contains("utime")
        || n.contains("chflags")
        || has("fm")
    {
        "attr"
    } else if n == "read" || n.starts_with("pread") || n.starts_with("readv") || has("fr") {
        "read"
    } else if n == "write" || n.starts_with("pwrite") || n.starts_with("writev") || has("fw") {
        "write"
    } else if n == "close" {
        "close"
    } else if has("fa") {
        "stat"
    } else {
        "other"
    }
}

fn is_net_event(name: &str, classes: &str) -> bool {
    classes.split(',').any(|c| c == "nt") || name.contains("SOCKET") || name.contains("CONNECT")
}

impl Model {
    /// An empty model that also keeps the moments of each process (for the timeline).
    pub fn with_moments() -> Model {
        Model {
            keep_moments: true,
            ..Model::default()
        }
    }

    fn process(&mut self, pid: u32, t: Time) -> usize {
        if let Some(&i) = self.live.get(&pid) {
            return i;
        }
        self.new_process(pid, None, t)
    }

    fn new_process(&mut self, pid: u32, ppid: Option<u32>, t: Time) -> usize {
        let i = self.processes.len();
        self.processes.push(Process {
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
        });
        self.live.insert(pid, i);
        i
    }

    fn path_id(&mut self, p: &[u8]) -> u32 {
        if let Some(&id) = self.path_ids.get(p) {
            return id;
        }
        let id = self.paths.len() as u32;
        self.paths.push(p.into());
        self.path_ids.insert(p.into(), id);
        id
    }

    /// Adds one record; returns its first decode error (the tokens before it still count).
    pub fn add(&mut self, rec: &Record<'_>, events: &EventTable) -> Option<bsm_format::Error> {
        let h = match rec.header() {
            Ok(h) => h,
            Err(e) => return Some(e),
        };
        let (t, ev) = (h.time, h.event.0);
        let info = events.get(ev);
        let (name, classes) = info.map_or(("", ""), |e| (e.name.as_str(), e.classes.as_str()));
        let (op, net_event) = *self
            .kinds
            .entry(ev)
            .or_insert_with(|| (file_op(name, classes), is_net_event(name, classes)));
        let mut subject = None;
        let mut error = None;
        let (mut errno, mut failed) = (0u8, false);
        let mut paths: Vec<&[u8]> = Vec::new();
        let mut argv = None;
        let mut child = None;
        let mut status = None;
        let mut addr = None;
        let mut text = None;
        for tok in rec.tokens() {
            let tok = match tok {
                Ok(t) => t,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            };
            match tok {
                Token::Subject(s) => subject = Some(s),
                Token::Return(r) if !r.errno.is_success() => {
                    failed = true;
                    errno = r.errno.0;
                }
                Token::Path(p) => paths.push(p.bytes()),
                Token::ExecArgs(l) => argv = Some(l.raw()),
                Token::Arg(a) if a.argno == 0 && matches!(ev, FORK | VFORK | POSIX_SPAWN) => {
                    child = Some(a.value as u32)
                }
                Token::Exit(x) => status = Some(x.status),
                Token::SockInet(s) => {
                    addr = Some(match s.addr {
                        bsm_format::Address::V4(_) => {
                            format!("{}:{}", s.addr, bsm_format::token::port_be(s.port))
                        }
                        bsm_format::Address::V6(_) => {
                            format!("[{}]:{}", s.addr, bsm_format::token::port_be(s.port))
                        }
                    })
                }
                Token::SockUnix(s) => addr = Some(String::from_utf8_lossy(s.path).into_owned()),
                Token::SocketEx(s) => {
                    addr = Some(format!(
                        "{}:{}",
                        s.remote_addr,
                        bsm_format::token::port_be(s.remote_port)
                    ))
                }
                Token::Text(x) => text = Some(x.bytes()),
                _ => {}
            }
        }
        let Some(s) = subject else { return error };
        let me = self.process(s.pid, t);
        {
            let p = &mut self.processes[me];
            p.euid = s.euid;
            p.auid = s.auid;
        }
        if failed {
            self.failed_records += 1;
            self.processes[me].failed += 1;
            let example = paths
                .first()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .or(addr.clone())
                .or(text.map(|x| String::from_utf8_lossy(x).into_owned()));
            let g = self
                .errors
                .entry((errno, ev, s.pid))
                .or_insert_with(|| ErrorGroup {
                    errno,
                    errno_name: bsm_format::BsmErrno(errno).name(),
                    event: ev,
                    event_name: info.map(|e| e.name.clone()),
                    pid: s.pid,
                    count: 0,
                    first: t,
                    examples: Vec::new(),
                });
            g.count += 1;
            if let Some(x) = example {
                if g.examples.len() < EXAMPLES && !g.examples.contains(&x) {
                    g.examples.push(x);
                }
            }
        }
        match ev {
            FORK | VFORK if !failed => {
                if let Some(c) = child.filter(|&c| c != 0) {
                    self.new_process(c, Some(s.pid), t);
                }
            }
            POSIX_SPAWN | EXECVE | MAC_EXECVE if !failed => {
                let target = match child.filter(|&c| c != 0) {
                    Some(c) if ev == POSIX_SPAWN => self.new_process(c, Some(s.pid), t),
                    _ => me,
                };
                let p = &mut self.processes[target];
                p.argv.push(argv.unwrap_or_default().into());
                p.path = paths.first().map(|p| p.to_vec());
            }
            EXIT => {
                let p = &mut self.processes[me];
                p.status = status;
                p.end = Some(t);
                self.live.remove(&s.pid);
            }
            _ => {}
        }
        if self.keep_moments {
            let kind = if failed {
                "error"
            } else if matches!(ev, EXECVE | MAC_EXECVE | POSIX_SPAWN) {
                "exec"
            } else if net_event || addr.is_some() {
                "net"
            } else if !paths.is_empty() {
                "file"
            } else {
                "other"
            };
            if kind != "other" {
                if self.moments.len() < MAX_MOMENTS {
                    let target = paths
                        .first()
                        .map(|p| String::from_utf8_lossy(p).into_owned())
                        .or_else(|| addr.clone());
                    let short = name.trim_start_matches("AUE_");
                    self.moments.push(Moment {
                        t: t.sec.saturating_mul(1000).saturating_add(t.msec),
                        p: me,
                        kind,
                        what: match target {
                            Some(x) => format!("{short} {x}"),
                            None => short.to_string(),
                        },
                    });
                } else {
                    self.moments_dropped += 1;
                }
            }
        }
        if matches!(ev, EXECVE | MAC_EXECVE | POSIX_SPAWN | FORK | VFORK | EXIT) {
            return error;
        }
        if net_event || addr.is_some() {
            self.processes[me].net += 1;
            let address = addr.unwrap_or_default();
            let n = self
                .net
                .entry((me, ev, address, !failed, errno))
                .or_insert_with_key(|k| NetUse {
                    pid: s.pid,
                    op: name.trim_start_matches("AUE_").to_ascii_lowercase(),
                    address: k.2.clone(),
                    success: !failed,
                    errno: if failed {
                        bsm_format::BsmErrno(errno).name()
                    } else {
                        None
                    },
                    count: 0,
                    first: t,
                });
            n.count += 1;
        } else if !paths.is_empty() {
            self.processes[me].files += 1;
            for (i, path) in paths.into_iter().enumerate() {
                // rename's second path is where the file went.
                let op = if op == "rename" && i > 0 {
                    "renamed-to"
                } else {
                    op
                };
                let id = self.path_id(path);
                let f = self.files.entry((me, id)).or_insert_with(|| FileUse {
                    ops: 0,
                    count: 0,
                    succeeded: 0,
                    failed: 0,
                    first: t,
                    last: t,
                });
                f.last = t;
                f.count += 1;
                f.ops |= op_bit(op);
                if failed {
                    f.failed += 1;
                } else {
                    f.succeeded += 1;
                }
            }
        }
        error
    }

    /// Reads every source into a model.
    pub fn build(
        sources: &[Source],
        events: &EventTable,
        filter: &Filter,
        what: &str,
        err: &mut dyn Write,
        problems: &mut Problems,
    ) -> io::Result<Model> {
        Self::build_into(
            Model::default(),
            sources,
            events,
            filter,
            what,
            err,
            problems,
        )
    }

    /// Like [`Model::build`], starting from a given (empty) model, e.g. one keeping moments.
    pub fn build_into(
        mut m: Model,
        sources: &[Source],
        events: &EventTable,
        filter: &Filter,
        what: &str,
        err: &mut dyn Write,
        problems: &mut Problems,
    ) -> io::Result<Model> {
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
                        if let Some(e) = m.add(&rec, events) {
                            problems.decode_errors += 1;
                            writeln!(err, "{what}: {}", Problem::new(&name, &e))?;
                        }
                    }
                    Err(e) => {
                        problems.decode_errors += 1;
                        writeln!(err, "{what}: {}", Problem::new(&name, &e))?;
                    }
                }
            }
        }
        Ok(m)
    }

    /// The indexes of `pid`'s processes and all their descendants (all processes if `None`).
    pub fn subtree(&self, pid: Option<u32>) -> Vec<usize> {
        let Some(pid) = pid else {
            return (0..self.processes.len()).collect();
        };
        let mut keep: BTreeSet<u32> = BTreeSet::from([pid]);
        // Processes appear after their parents, so one pass in order collects the subtree.
        for p in &self.processes {
            if p.ppid.is_some_and(|pp| keep.contains(&pp)) {
                keep.insert(p.pid);
            }
        }
        (0..self.processes.len())
            .filter(|&i| keep.contains(&self.processes[i].pid))
            .collect()
    }
}

pub fn command_text(p: &Process) -> String {
    let mut out = Vec::new();
    let last: Option<Vec<&[u8]>> = p.argv.last().map(|raw| strings(raw).collect());
    match (last.as_ref(), &p.path) {
        (Some(a), Some(path)) if !a.is_empty() => {
            crate::quote::shell_quote(&mut out, path);
            for x in a.iter().skip(1) {
                out.push(b' ');
                crate::quote::shell_quote(&mut out, x);
            }
        }
        (Some(a), _) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                crate::quote::shell_quote(&mut out, x);
            }
        }
        (_, Some(path)) => crate::quote::shell_quote(&mut out, path),
        _ => out.extend_from_slice(b"-"),
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `knox ps`: one line (or JSON object) per process.
pub fn write_ps(m: &Model, pid: Option<u32>, json: bool, out: &mut dyn Write) -> io::Result<()> {
    if !json {
        writeln!(
            out,
            "{:>7} {:>7} {:>6} {:<24} {:>6} {:>6} {:>5} {:>5} COMMAND",
            "PID", "PPID", "UID", "START", "STATUS", "FILES", "NET", "FAIL"
        )?;
    }
    for i in m.subtree(pid) {
        let p = &m.processes[i];
        if json {
            serde_json::to_writer(&mut *out, p)?;
            writeln!(out)?;
        } else {
            writeln!(
                out,
                "{:>7} {:>7} {:>6} {:<24} {:>6} {:>6} {:>5} {:>5} {}",
                p.pid,
                p.ppid.map_or("-".into(), |x| x.to_string()),
                p.euid,
                rfc3339(p.start),
                p.status.map_or("-".into(), |x| x.to_string()),
                p.files,
                p.net,
                p.failed,
                command_text(p)
            )?;
        }
    }
    Ok(())
}

/// `knox tree`: the parent/child tree, children indented under their parent.
pub fn write_tree(m: &Model, pid: Option<u32>, json: bool, out: &mut dyn Write) -> io::Result<()> {
    let set = m.subtree(pid);
    let in_set: BTreeSet<usize> = set.iter().copied().collect();
    // A child's parent is the latest process with its ppid started before it.
    let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut roots = Vec::new();
    let mut latest: HashMap<u32, usize> = HashMap::new();
    for &i in &set {
        let p = &m.processes[i];
        match p
            .ppid
            .and_then(|pp| latest.get(&pp).copied())
            .filter(|j| in_set.contains(j))
        {
            Some(j) => children.entry(j).or_default().push(i),
            None => roots.push(i),
        }
        latest.insert(p.pid, i);
    }
    fn walk(
        m: &Model,
        i: usize,
        depth: usize,
        children: &BTreeMap<usize, Vec<usize>>,
        json: bool,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let p = &m.processes[i];
        if json {
            let v = serde_json::json!({"depth": depth, "pid": p.pid, "ppid": p.ppid, "command": command_text(p), "status": p.status});
            writeln!(out, "{v}")?;
        } else {
            let status = p.status.map_or(String::new(), |s| format!("  [exit {s}]"));
            writeln!(
                out,
                "{}{} {}{}",
                "  ".repeat(depth),
                p.pid,
                command_text(p),
                status
            )?;
        }
        for &c in children.get(&i).map(Vec::as_slice).unwrap_or(&[]) {
            walk(m, c, depth + 1, children, json, out)?;
        }
        Ok(())
    }
    for r in roots {
        walk(m, r, 0, &children, json, out)?;
    }
    Ok(())
}

/// `knox files`: per process and path (or per path with `by_path`).
pub fn write_files(
    m: &Model,
    pid: Option<u32>,
    glob: Option<&regex::bytes::Regex>,
    by_path: bool,
    json: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let keep: BTreeSet<usize> = m.subtree(pid).into_iter().collect();
    let rows = m
        .files
        .iter()
        .map(|((i, id), f)| ((i, &*m.paths[*id as usize]), f))
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .filter(|((i, p), _)| keep.contains(*i) && glob.is_none_or(|g| g.is_match(p)));
    if by_path {
        let mut by: BTreeMap<&[u8], Vec<(usize, &FileUse)>> = BTreeMap::new();
        for ((i, p), f) in rows {
            by.entry(p).or_default().push((*i, f));
        }
        for (path, users) in by {
            let mut safe = Vec::new();
            crate::quote::safe_text(&mut safe, path);
            if json {
                let who: Vec<serde_json::Value> = users
                    .iter()
                    .map(|(i, f)| serde_json::json!({"pid": m.processes[*i].pid, "command": command_text(&m.processes[*i]), "use": f}))
                    .collect();
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({"path": String::from_utf8_lossy(path), "processes": who})
                )?;
            } else {
                writeln!(out, "{}", String::from_utf8_lossy(&safe))?;
                for (i, f) in users {
                    let p = &m.processes[i];
                    let ops = op_names(f.ops);
                    writeln!(
                        out,
                        "  {:>7} {:<20} x{:<4} ok {:<4} failed {:<4} {}",
                        p.pid,
                        ops.join(","),
                        f.count,
                        f.succeeded,
                        f.failed,
                        command_text(p)
                    )?;
                }
            }
        }
        return Ok(());
    }
    for ((i, path), f) in rows {
        let p = &m.processes[*i];
        if json {
            let v =
                serde_json::json!({"pid": p.pid, "path": String::from_utf8_lossy(path), "use": f});
            writeln!(out, "{v}")?;
        } else {
            let mut safe = Vec::new();
            crate::quote::safe_text(&mut safe, path);
            let ops = op_names(f.ops);
            writeln!(
                out,
                "{:>7} {:<20} x{:<4} ok {:<4} failed {:<4} {}  {} .. {}",
                p.pid,
                ops.join(","),
                f.count,
                f.succeeded,
                f.failed,
                String::from_utf8_lossy(&safe),
                rfc3339(f.first),
                rfc3339(f.last)
            )?;
        }
    }
    Ok(())
}

/// `knox errors`: failed calls grouped by errno, event and process.
pub fn write_errors(m: &Model, json: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut groups: Vec<&ErrorGroup> = m.errors.values().collect();
    groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.first.cmp(&b.first)));
    for g in groups {
        if json {
            serde_json::to_writer(&mut *out, g)?;
            writeln!(out)?;
        } else {
            let mut ex = Vec::new();
            crate::quote::safe_text(&mut ex, g.examples.join(", ").as_bytes());
            writeln!(
                out,
                "{:>6} {:<14} {:<22} pid {:<7} {}",
                g.count,
                g.errno_name.unwrap_or("?"),
                g.event_name.as_deref().unwrap_or("?"),
                g.pid,
                String::from_utf8_lossy(&ex)
            )?;
        }
    }
    Ok(())
}

/// `knox net`: network calls per process, address and outcome.
pub fn write_net(m: &Model, pid: Option<u32>, json: bool, out: &mut dyn Write) -> io::Result<()> {
    let keep: BTreeSet<usize> = m.subtree(pid).into_iter().collect();
    let sorted: BTreeMap<_, _> = m
        .net
        .iter()
        .filter(|((i, ..), _)| keep.contains(i))
        .collect();
    for ((i, ..), n) in sorted {
        if json {
            serde_json::to_writer(&mut *out, n)?;
            writeln!(out)?;
        } else {
            let mut a = Vec::new();
            crate::quote::safe_text(&mut a, n.address.as_bytes());
            let outcome = if n.success {
                "ok".to_string()
            } else {
                n.errno.unwrap_or("failed").to_string()
            };
            writeln!(
                out,
                "{:>7} {:<10} {:<40} {:<14} x{} {}",
                n.pid,
                n.op,
                String::from_utf8_lossy(&a),
                outcome,
                n.count,
                command_text(&m.processes[*i])
            )?;
        }
    }
    Ok(())
}

//! `knox commands`: the command line of every program run (execve, mac_execve, posix_spawn),
//! one per line, quoted so that it can be pasted into a shell; with `--long` or `--json` the
//! process, its parent, its user and its exit status, all from the process model.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bsm_format::{BsmErrno, Time};
use knox_model::{Change, End, Event, Model, Process, ProcessId};

use crate::output::jsonw::Obj;
use crate::output::quote::{safe_text, shell_quote};
use crate::read::events::Parsed;
use crate::read::pipeline::{Sink, SourceInfo};
use crate::read::settings::Context;
use crate::time::Clock;

/// How long an exec waits for its process's exit status (in execs), so that output keeps
/// exec order in bounded memory.
const STATUS_WINDOW: usize = 4096;

/// How long an exec waits for its exit status when the input streams (`--follow`, `--live`):
/// then it is printed with the status unknown, so that every exec is out within a second of its
/// record (this wait, plus the loop's tick and the follower's poll, each 100 ms).
const STREAM_WAIT: Duration = Duration::from_millis(600);

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
    /// `--long` without its column titles.
    pub no_header: bool,
    pub env: bool,
    pub which: Which,
    pub json: bool,
    /// Only this process and its descendants.
    pub pid: Option<u32>,
}

impl Options {
    /// Command lines of successful execs, one per line.
    pub fn plain() -> Options {
        Options {
            long: false,
            no_header: false,
            env: false,
            which: Which::Succeeded,
            json: false,
            pid: None,
        }
    }
}

/// One exec, as the trail and the process model tell it.
#[derive(Debug, Clone)]
pub struct Exec {
    pub time: Time,
    pub event: u16,
    pub host: Option<Arc<str>>,
    /// The process that runs the program (for posix_spawn, the new child).
    pub pid: u32,
    pub ppid: Option<u32>,
    pub id: Option<ProcessId>,
    pub parent_id: Option<ProcessId>,
    pub auid: u32,
    pub euid: u32,
    pub ruid: u32,
    pub path: Option<Box<[u8]>>,
    pub argv: Vec<Box<[u8]>>,
    /// The count the trail claims (xnu writes the real argc even when it cut the strings).
    pub argc: Option<u32>,
    pub envp: Vec<Box<[u8]>>,
    pub success: bool,
    pub errno: Option<BsmErrno>,
    /// The process's exit status, when its exit record came soon enough.
    pub status: Option<u32>,
    pub file: Arc<str>,
    pub offset: u64,
}

impl Exec {
    /// The exec of an exec or spawn record, with the process that runs it.
    fn of(ev: &Event, src: &SourceInfo, p: Option<&Process<Scope>>) -> Exec {
        let s = ev.subject;
        let strings = |l: Option<knox_model::Strings<'_>>| -> Vec<Box<[u8]>> {
            l.map(|l| l.iter().map(Box::from).collect())
                .unwrap_or_default()
        };
        Exec {
            time: ev.time,
            event: ev.event.0,
            host: src.host.clone(),
            pid: p.map_or(s.map_or(0, |s| s.pid), |p| p.pid),
            ppid: p.and_then(|p| p.ppid),
            id: p.map(|p| p.id.clone()),
            parent_id: p.and_then(|p| p.parent.clone()),
            auid: s.map_or(u32::MAX, |s| s.auid),
            euid: s.map_or(0, |s| s.euid),
            ruid: s.map_or(0, |s| s.ruid),
            path: ev.path().map(Box::from),
            argv: strings(ev.argv()),
            argc: ev.argv().map(|a| a.count),
            envp: strings(ev.envp()),
            success: !ev.failed(),
            errno: ev.errno(),
            status: None,
            file: src.name.clone(),
            offset: ev.offset(),
        }
    }
}

/// Whether a process is in the `--pid` subtree.
#[derive(Debug, Default, Clone, Copy)]
pub struct Scope {
    pub in_scope: bool,
}

impl knox_model::Data for Scope {
    fn started(_: u32, parent: Option<&Scope>) -> Scope {
        Scope {
            in_scope: parent.is_some_and(|p| p.in_scope),
        }
    }
}

/// An exec waiting to be printed: for its process's exit status, or for its turn.
struct Pending {
    exec: Exec,
    /// The process (its `seq`) and which of its execs this is; `None` when nothing is awaited.
    waiting: Option<(u64, usize)>,
    since: Instant,
}

/// Lists the execs of the records, in order.
pub struct Commands<'s, 'o> {
    ctx: Context<'s>,
    opts: Options,
    model: Model<Scope>,
    pending: VecDeque<Pending>,
    /// Sequence number of `pending[0]`.
    first: u64,
    /// The pending execs of each running process (by its `seq`), by sequence number.
    of_process: HashMap<u64, Vec<u64>>,
    out: &'o mut dyn Write,
    buf: Vec<u8>,
    text_clock: Clock,
    json_clock: Clock,
    streaming: bool,
    /// Whether the `--pid` process appeared.
    pid_seen: bool,
    /// `--long`'s header line is still to be written.
    header_due: bool,
}

impl<'s, 'o> Commands<'s, 'o> {
    pub fn new(ctx: Context<'s>, opts: Options, out: &'o mut dyn Write) -> Commands<'s, 'o> {
        let header_due = opts.long && !opts.json && !opts.no_header;
        Commands {
            ctx,
            opts,
            model: Model::new(),
            pending: VecDeque::new(),
            first: 0,
            of_process: HashMap::new(),
            out,
            buf: Vec::with_capacity(1 << 16),
            text_clock: ctx.text_clock(),
            json_clock: ctx.json_clock(),
            streaming: ctx.streaming,
            pid_seen: false,
            header_due,
        }
    }

    /// The `--pid` asked for, when no such process was in the input.
    pub fn pid_missing(&self) -> Option<u32> {
        self.opts.pid.filter(|_| !self.pid_seen)
    }

    /// Whether execs wait for the exit status (shown only by `--long` and `--json`).
    fn waits(&self) -> bool {
        self.opts.long || self.opts.json
    }

    fn shown(&self, success: bool) -> bool {
        match self.opts.which {
            Which::Succeeded => success,
            Which::Failed => !success,
            Which::All => true,
        }
    }

    /// Takes the model's changes: scope of new processes, exit statuses of ended ones.
    fn changes(&mut self) {
        let changes: Vec<Change<Scope>> = self.model.changes().collect();
        for c in changes {
            match c {
                Change::Started(key) => {
                    let scope = self.opts.pid;
                    self.pid_seen |= scope == Some(key.pid);
                    let parent_in = self
                        .model
                        .get(key)
                        .and_then(|p| Some((p.ppid?, p.parent_seq?)))
                        .and_then(|(pp, seq)| {
                            self.model.get(knox_model::Key {
                                host: key.host,
                                pid: pp,
                                seq,
                            })
                        })
                        .is_some_and(|p| p.data.in_scope);
                    if let Some(p) = self.model.get_mut(key) {
                        p.data.in_scope = scope.is_none_or(|s| s == key.pid) || parent_in;
                    }
                }
                Change::Ended(p, why) => self.ended(&p, why),
            }
        }
    }

    /// A process is over: its last exec gets its exit status, earlier ones none.
    fn ended(&mut self, p: &Process<Scope>, why: End) {
        let Some(list) = self.of_process.remove(&p.seq) else {
            return;
        };
        let last = p.execs.len().checked_sub(1);
        for n in list {
            let Some(e) = n
                .checked_sub(self.first)
                .and_then(|i| self.pending.get_mut(i as usize))
            else {
                continue;
            };
            if let Some((_, index)) = e.waiting.take() {
                if why == End::Exited && Some(index) == last {
                    e.exec.status = p.status();
                }
            }
        }
    }

    /// Queues (or prints) the exec of a selected exec or spawn record.
    fn exec(&mut self, parsed: &Parsed, src: &SourceInfo) {
        let ev = &parsed.ev;
        let host = self.model.host(src.host.as_deref());
        let pid = ev.runner();
        let p = pid.and_then(|pid| self.model.running_pid(host, pid));
        if p.is_some_and(|p| !p.data.in_scope) || !self.shown(!ev.failed()) {
            return;
        }
        let exec = Exec::of(ev, src, p);
        if !self.waits() {
            write_exec(
                &mut self.buf,
                &exec,
                &self.opts,
                self.ctx,
                &mut self.text_clock,
                &mut self.json_clock,
            );
            return;
        }
        let seq = self.first + self.pending.len() as u64;
        let waiting = match p {
            Some(p) if exec.success && !p.execs.is_empty() => {
                // A new program: the earlier execs of the process will not get its status.
                for n in self.of_process.remove(&p.seq).unwrap_or_default() {
                    if let Some(e) = self.pending.get_mut((n - self.first) as usize) {
                        e.waiting = None;
                    }
                }
                self.of_process.insert(p.seq, vec![seq]);
                Some((p.seq, p.execs.len() - 1))
            }
            _ => None,
        };
        self.pending.push_back(Pending {
            exec,
            waiting,
            since: Instant::now(),
        });
    }

    /// Prints the execs at the front that are no longer waiting (or have waited long enough).
    fn flush_pending(&mut self, all: bool) {
        let now = Instant::now();
        while let Some(front) = self.pending.front() {
            let ready = all
                || front.waiting.is_none()
                || self.pending.len() > STATUS_WINDOW
                || (self.streaming && now.duration_since(front.since) >= STREAM_WAIT);
            if !ready {
                break;
            }
            let Some(e) = self.pending.pop_front() else {
                break;
            };
            if let Some((pseq, _)) = e.waiting {
                if let Some(list) = self.of_process.get_mut(&pseq) {
                    list.retain(|&n| n != self.first);
                    if list.is_empty() {
                        self.of_process.remove(&pseq);
                    }
                }
            }
            self.first += 1;
            if std::mem::take(&mut self.header_due) {
                if self.ctx.many_hosts {
                    let _ = write!(self.buf, "{:<16} ", "HOST");
                }
                let _ = writeln!(
                    self.buf,
                    "{:<29} {:>7} {:>7} {:<10} {:>4} COMMAND",
                    "TIME", "PID", "PPID", "USER", "EXIT"
                );
            }
            write_exec(
                &mut self.buf,
                &e.exec,
                &self.opts,
                self.ctx,
                &mut self.text_clock,
                &mut self.json_clock,
            );
        }
    }

    fn write_out(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

impl Sink<Vec<Parsed>> for Commands<'_, '_> {
    fn apply(&mut self, part: Vec<Parsed>, src: &SourceInfo) -> io::Result<()> {
        let host = self.model.host(src.host.as_deref());
        for parsed in &part {
            self.model.apply(host, &parsed.ev);
            self.changes();
            if parsed.ev.act.is_exec() && parsed.selected {
                self.exec(parsed, src);
            }
        }
        self.flush_pending(false);
        if self.buf.len() >= 1 << 16 || self.streaming {
            self.write_out()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_pending(false);
        self.write_out()?;
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.model.finish();
        self.changes();
        self.flush_pending(true);
        self.write_out()?;
        self.out.flush()
    }
}

/// Writes one exec as a line of text or a JSON object.
pub fn write_exec(
    out: &mut Vec<u8>,
    e: &Exec,
    opts: &Options,
    ctx: Context<'_>,
    text_clock: &mut Clock,
    json_clock: &mut Clock,
) {
    if opts.json {
        write_json(out, e, ctx, json_clock);
        return;
    }
    if opts.long {
        if ctx.many_hosts {
            let mut host = Vec::new();
            safe_text(&mut host, e.host.as_deref().unwrap_or("-").as_bytes());
            let _ = write!(out, "{:<16} ", String::from_utf8_lossy(&host));
        }
        text_clock.write(out, e.time);
        let _ = write!(
            out,
            " {:>7} {:>7} ",
            e.pid,
            e.ppid.map_or("-".to_string(), |p| p.to_string())
        );
        let mut safe = Vec::new();
        safe_text(&mut safe, ctx.accounts.user(e.euid).as_bytes());
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
    if let (false, Some(errno)) = (e.success, e.errno) {
        out.extend_from_slice(b"  # failed: ");
        out.extend_from_slice(errno.name().unwrap_or("unknown").as_bytes());
        if let Some(d) = errno.description() {
            let _ = write!(out, " ({d})");
        }
    }
    out.push(b'\n');
}

fn write_json(out: &mut Vec<u8>, e: &Exec, ctx: Context<'_>, clock: &mut Clock) {
    let mut o = Obj::new(out);
    o.time("time", clock, e.time);
    o.opt_str("host", e.host.as_deref());
    o.u64("event", e.event as u64);
    o.opt_str("id", e.id.as_ref().map(ProcessId::as_str));
    o.opt_str("parent_id", e.parent_id.as_ref().map(ProcessId::as_str));
    o.u64("pid", e.pid as u64);
    o.opt_u64("ppid", e.ppid.map(u64::from));
    o.u64("auid", e.auid as u64);
    o.u64("euid", e.euid as u64);
    o.u64("ruid", e.ruid as u64);
    o.opt_str("user", ctx.accounts.user_name(e.euid).as_deref());
    match &e.path {
        Some(p) => o.bytes("path", p),
        None => o.null("path"),
    }
    crate::output::jsonw::array(o.key("argv"), &e.argv, |o, s| {
        crate::output::jsonw::bytes(o, s)
    });
    o.opt_u64("argc", e.argc.map(u64::from));
    crate::output::jsonw::array(o.key("envp"), &e.envp, |o, s| {
        crate::output::jsonw::bytes(o, s)
    });
    o.bool("success", e.success);
    let errno = e.errno.filter(|_| !e.success);
    o.opt_str("errno", errno.map(|n| n.name().unwrap_or("unknown")));
    o.opt_u64("status", e.status.map(u64::from));
    o.str("file", &e.file);
    o.u64("offset", e.offset);
    o.end();
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

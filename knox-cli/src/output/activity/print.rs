//! The reports `knox ps`, `files`, `errors` and `net`: each prints a process's part when the
//! process is over, keeping across processes only what the report needs (`files --by-path`,
//! the error totals). The tree has its own module.

use std::collections::BTreeMap;
use std::io::{self, Write};

use bsm_format::BsmErrno;
use knox_model::{End, Model, Process};

use super::{command_text, op_names, shown, Activity, FileUse, Needs, Report};
use crate::output::jsonw::Obj;
use crate::read::settings::Context;
use crate::time::Clock;

/// Text with terminal controls made visible.
fn safe(b: &[u8]) -> String {
    let mut v = Vec::with_capacity(b.len());
    crate::output::quote::safe_text(&mut v, b);
    String::from_utf8_lossy(&v).into_owned()
}

fn opt<T: ToString>(x: Option<T>) -> String {
    x.map_or("-".into(), |x| x.to_string())
}

/// What every report writes with: output, form, clocks and names.
pub struct Out<'a> {
    pub out: &'a mut dyn Write,
    pub json: bool,
    pub ctx: Context<'a>,
    pub text_clock: Clock,
    pub json_clock: Clock,
    /// Text tables have their column titles (not under `--no-header`).
    titles: bool,
    /// The header line of a text table is still to be written.
    header_due: bool,
    /// The input spans more than one host: text rows start with the host.
    pub many_hosts: bool,
}

impl<'a> Out<'a> {
    pub fn new(out: &'a mut dyn Write, json: bool, ctx: Context<'a>) -> Out<'a> {
        Out {
            out,
            json,
            ctx,
            text_clock: ctx.text_clock(),
            json_clock: ctx.json_clock(),
            titles: !json,
            header_due: !json,
            many_hosts: ctx.many_hosts,
        }
    }

    /// With or without the column titles of text tables.
    pub fn titles(mut self, on: bool) -> Out<'a> {
        self.titles &= on;
        self.header_due = self.titles;
        self
    }

    /// Starts a text row with its host, when the input spans more than one host.
    pub fn host_cell(&mut self, host: Option<&str>) -> io::Result<()> {
        let mut cell = Vec::new();
        self.host_cell_into(&mut cell, host)?;
        self.out.write_all(&cell)
    }

    /// The same, into a row being built.
    pub fn host_cell_into(&self, row: &mut Vec<u8>, host: Option<&str>) -> io::Result<()> {
        if self.many_hosts {
            write!(row, "{:<16} ", safe(host.unwrap_or("-").as_bytes()))?;
        }
        Ok(())
    }

    /// A time for this output's form.
    pub fn time(&mut self, t: bsm_format::Time) -> String {
        if self.json {
            self.json_clock.format(t)
        } else {
            self.text_clock.format(t)
        }
    }

    /// Writes a text table's header before its first row.
    fn header(&mut self, line: &str) -> io::Result<()> {
        if std::mem::take(&mut self.header_due) {
            if self.many_hosts {
                write!(self.out, "{:<16} ", "HOST")?;
            }
            writeln!(self.out, "{line}")?;
        }
        Ok(())
    }

    /// Starts a JSON line with the process's id, parent id, host and pid.
    fn process_json<'b, T>(
        &self,
        buf: &'b mut Vec<u8>,
        p: &Process<T>,
        host: Option<&str>,
    ) -> Obj<'b> {
        let mut o = Obj::new(buf);
        o.str("id", p.id.as_str());
        o.opt_str("parent_id", p.parent.as_ref().map(|i| i.as_str()));
        o.opt_str("host", host);
        o.u64("pid", p.pid as u64);
        o
    }

    fn line(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)?;
        self.out.write_all(b"\n")
    }
}

/// The order of `knox ps`'s rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PsSort {
    /// By start time (then pid).
    Start,
    /// By pid (then start).
    Pid,
    /// By user name (then start).
    User,
    /// By command line (then start).
    Command,
    /// As processes end: printed at once.
    Exit,
}

/// What a held row is sorted by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum RowKey {
    Time(u64, u64, u32),
    Pid(u32, u64, u64),
    Text(String, u64, u64),
}

/// `knox ps`: one line (or JSON object) per process, printed as it is over or, sorted, at the
/// end.
pub struct Ps<'a> {
    o: Out<'a>,
    sort: PsSort,
    /// Rows held for sorting (all but `--sort exit`).
    rows: Vec<(RowKey, Vec<u8>)>,
}

impl<'a> Ps<'a> {
    pub fn new(o: Out<'a>, sort: PsSort) -> Ps<'a> {
        Ps {
            o,
            sort,
            rows: Vec::new(),
        }
    }

    const HEADER: &'static str = "    PID    PPID USER       START                         STATUS  FILES   NET  FAIL COMMAND";

    /// Writes a row now (after the header).
    fn emit(&mut self, row: &[u8]) -> io::Result<()> {
        if !self.o.json {
            self.o.header(Self::HEADER)?;
        }
        self.o.out.write_all(row)
    }
}

impl Report for Ps<'_> {
    fn needs(&self) -> Needs {
        Needs::default()
    }

    fn ended(&mut self, p: Process<Activity>, _: End, model: &Model<Activity>) -> io::Result<()> {
        if !shown(&p) {
            return Ok(());
        }
        let euid = p.subject.map(|s| s.euid);
        let user = euid.map(|u| self.o.ctx.accounts.user(u));
        let command = command_text(&p);
        let mut row = Vec::new();
        if self.o.json {
            let start = self.o.time(p.start);
            let end = p.end.map(|t| self.o.time(t));
            let mut o = self.o.process_json(&mut row, &p, model.host_name(p.host));
            o.opt_u64("ppid", p.ppid.map(u64::from));
            o.opt_u64("euid", euid.map(u64::from));
            o.opt_str(
                "user",
                euid.and_then(|u| self.o.ctx.accounts.user_name(u))
                    .as_deref(),
            );
            o.opt_u64("auid", p.subject.map(|s| s.auid as u64));
            o.str("start", &start);
            o.opt_str("end", end.as_deref());
            o.opt_u64("status", p.status().map(u64::from));
            o.u64("files", p.data.files);
            o.u64("net", p.data.net);
            o.u64("failed", p.data.failed);
            o.str("command", &command);
            o.bool("inherited", p.image_is_inherited());
            match p.image().and_then(|i| i.path.as_deref()) {
                Some(path) => o.bytes("path", path),
                None => o.key("path").extend_from_slice(b"null"),
            }
            let a = o.key("argv");
            a.push(b'[');
            for (i, e) in p.execs.iter().enumerate() {
                if i > 0 {
                    a.push(b',');
                }
                a.push(b'[');
                for (j, s) in e.argv().enumerate() {
                    if j > 0 {
                        a.push(b',');
                    }
                    crate::output::jsonw::bytes(a, s);
                }
                a.push(b']');
            }
            a.push(b']');
            o.end();
            row.push(b'\n');
        } else {
            let start = self.o.time(p.start);
            self.o.host_cell_into(&mut row, model.host_name(p.host))?;
            writeln!(
                row,
                "{:>7} {:>7} {:<10} {:<29} {:>6} {:>6} {:>5} {:>5} {}",
                p.pid,
                opt(p.ppid),
                safe(user.as_deref().unwrap_or("-").as_bytes()),
                start,
                opt(p.status()),
                p.data.files,
                p.data.net,
                p.data.failed,
                command
            )?;
        }
        let (sec, ms) = (p.start.sec, p.start.msec);
        let key = match self.sort {
            PsSort::Exit => return self.emit(&row),
            PsSort::Start => RowKey::Time(sec, ms, p.pid),
            PsSort::Pid => RowKey::Pid(p.pid, sec, ms),
            PsSort::User => RowKey::Text(user.unwrap_or_default(), sec, ms),
            PsSort::Command => RowKey::Text(command, sec, ms),
        };
        self.rows.push((key, row));
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        // A stable sort: rows with equal keys keep the order they ended in.
        let mut rows = std::mem::take(&mut self.rows);
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, row) in rows {
            self.emit(&row)?;
        }
        Ok(())
    }
}

/// One process's use of a path, for `files --by-path`: (pid, process id, command, use).
type PathUser = (u32, String, String, FileUse);

/// `knox files`: per process and path as processes end, or per path (`--by-path`) at the end.
pub struct Files<'a> {
    o: Out<'a>,
    glob: Option<regex::bytes::Regex>,
    /// `--by-path`: path → its users, printed at the end.
    by_path: Option<BTreeMap<Box<[u8]>, Vec<PathUser>>>,
}

impl<'a> Files<'a> {
    const HEADER: &'static str =
        "    PID OPS                   COUNT     OK FAILED  FIRST                         LAST                          PATH";

    pub fn new(o: Out<'a>, glob: Option<regex::bytes::Regex>, by_path: bool) -> Files<'a> {
        Files {
            o,
            glob,
            by_path: by_path.then(BTreeMap::new),
        }
    }

    fn use_json(&mut self, o: &mut Obj<'_>, u: &FileUse) {
        let first = self.o.time(u.first);
        let last = self.o.time(u.last);
        let mut x = Obj::new(o.key("use"));
        let ops = x.key("ops");
        ops.push(b'[');
        for (i, n) in op_names(u.ops).iter().enumerate() {
            if i > 0 {
                ops.push(b',');
            }
            crate::output::jsonw::string(ops, n);
        }
        ops.push(b']');
        x.u64("count", u.count);
        x.u64("succeeded", u.succeeded);
        x.u64("failed", u.failed);
        x.str("first", &first);
        x.str("last", &last);
        x.end();
    }
}

impl Report for Files<'_> {
    fn needs(&self) -> Needs {
        Needs {
            files: true,
            ..Needs::default()
        }
    }

    fn ended(
        &mut self,
        mut p: Process<Activity>,
        _: End,
        model: &Model<Activity>,
    ) -> io::Result<()> {
        if !shown(&p) || p.data.file_uses.is_empty() {
            return Ok(());
        }
        let glob = &self.glob;
        let mut rows: Vec<(Box<[u8]>, FileUse)> = std::mem::take(&mut p.data.file_uses)
            .into_iter()
            .filter(|(path, _)| glob.as_ref().is_none_or(|g| g.is_match(path)))
            .collect();
        rows.sort_unstable_by(|x, y| x.0.cmp(&y.0));
        if let Some(by) = &mut self.by_path {
            let command = command_text(&p);
            for (path, u) in rows {
                by.entry(path)
                    .or_default()
                    .push((p.pid, p.id.to_string(), command.clone(), u));
            }
            return Ok(());
        }
        for (path, u) in rows {
            if self.o.json {
                let mut buf = Vec::new();
                let mut o = self.o.process_json(&mut buf, &p, model.host_name(p.host));
                o.bytes("path", &path);
                self.use_json(&mut o, &u);
                o.end();
                self.o.line(&buf)?;
            } else {
                self.o.header(Self::HEADER)?;
                let (first, last) = (self.o.time(u.first), self.o.time(u.last));
                self.o.host_cell(model.host_name(p.host))?;
                writeln!(
                    self.o.out,
                    "{:>7} {:<20} {:>6} {:>6} {:>6}  {:<29} {:<29} {}",
                    p.pid,
                    op_names(u.ops).join(","),
                    u.count,
                    u.succeeded,
                    u.failed,
                    first,
                    last,
                    safe(&path),
                )?;
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let Some(by) = self.by_path.take() else {
            return Ok(());
        };
        for (path, users) in by {
            if self.o.json {
                let mut buf = Vec::new();
                let mut o = Obj::new(&mut buf);
                o.bytes("path", &path);
                let list = o.key("processes");
                list.push(b'[');
                for (i, (pid, id, command, u)) in users.iter().enumerate() {
                    if i > 0 {
                        list.push(b',');
                    }
                    let mut x = Obj::new(list);
                    x.str("id", id);
                    x.u64("pid", *pid as u64);
                    x.str("command", command);
                    self.use_json(&mut x, u);
                    x.end();
                }
                list.push(b']');
                o.end();
                self.o.line(&buf)?;
                continue;
            }
            writeln!(self.o.out, "{}", safe(&path))?;
            for (pid, _, command, u) in users {
                writeln!(
                    self.o.out,
                    "  {:>7} {:<20} {:>6} {:>6} {:>6}  {}",
                    pid,
                    op_names(u.ops).join(","),
                    u.count,
                    u.succeeded,
                    u.failed,
                    command
                )?;
            }
        }
        Ok(())
    }
}

/// How often an errno and event failed.
type Total = u64;

/// `knox errors`: each process's failed calls by errno and event, as it is over (most frequent
/// first); in text, totals by errno and event at the end.
pub struct Errors<'a> {
    o: Out<'a>,
    /// (errno, event) → their total.
    totals: BTreeMap<(u8, u16), Total>,
    /// The per-process text rows, held so that the totals come first (not when streaming,
    /// where rows are printed as processes end and the totals at the end).
    held: Option<Vec<u8>>,
}

impl<'a> Errors<'a> {
    const HEADER: &'static str = " COUNT ERRNO          EVENT                      PID EXAMPLES";

    pub fn new(o: Out<'a>) -> Errors<'a> {
        let held = (!o.json && !o.ctx.streaming).then(Vec::new);
        Errors {
            o,
            totals: BTreeMap::new(),
            held,
        }
    }

    fn event_name(&self, n: u16) -> Option<&str> {
        self.o.ctx.events.get(n).map(|e| e.name.as_str())
    }
}

impl Report for Errors<'_> {
    fn needs(&self) -> Needs {
        Needs {
            errors: true,
            ..Needs::default()
        }
    }

    fn ended(
        &mut self,
        mut p: Process<Activity>,
        _: End,
        model: &Model<Activity>,
    ) -> io::Result<()> {
        if !shown(&p) || p.data.errors.is_empty() {
            return Ok(());
        }
        let mut groups: Vec<_> = std::mem::take(&mut p.data.errors).into_values().collect();
        groups.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.first.cmp(&b.first))
                .then((a.errno, a.event).cmp(&(b.errno, b.event)))
        });
        for g in groups {
            let failure = knox_model::Failure {
                errno: BsmErrno(g.errno),
                return_value: g.return_value,
            };
            let errno = failure.name();
            let event = self.event_name(g.event).map(str::to_string);
            if self.o.json {
                let first = self.o.time(g.first);
                let mut buf = Vec::new();
                let mut o = self.o.process_json(&mut buf, &p, model.host_name(p.host));
                o.u64("errno", g.errno as u64);
                o.opt_str("errno_name", errno);
                o.str("errno_text", &failure.text());
                match g.return_value {
                    Some(r) => o.i64("return_value", r),
                    None => o.null("return_value"),
                }
                o.u64("event", g.event as u64);
                o.opt_str("event_name", event.as_deref());
                o.u64("count", g.count);
                o.str("first", &first);
                let list = o.key("examples");
                list.push(b'[');
                for (i, x) in g.examples.iter().enumerate() {
                    if i > 0 {
                        list.push(b',');
                    }
                    crate::output::jsonw::string(list, x);
                }
                list.push(b']');
                o.end();
                self.o.line(&buf)?;
                continue;
            }
            let mut row = Vec::new();
            self.o.host_cell_into(&mut row, model.host_name(p.host))?;
            let mut examples = g.examples.join(", ");
            if errno.is_none() {
                // An errno BSM does not name: what is known of it, after the examples.
                let known = failure.describe();
                examples = if examples.is_empty() {
                    known
                } else {
                    format!("{examples} [{known}]")
                };
            }
            writeln!(
                row,
                "{:>6} {:<14} {:<22} {:>7} {}",
                g.count,
                errno_label(g.errno),
                event.as_deref().unwrap_or("?"),
                p.pid,
                safe(examples.as_bytes())
            )?;
            match self.held.as_mut() {
                Some(held) => held.extend_from_slice(&row),
                None => {
                    self.o.header(Self::HEADER)?;
                    self.o.out.write_all(&row)?;
                }
            }
            *self.totals.entry((g.errno, g.event)).or_default() += g.count;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.totals.is_empty() {
            return Ok(());
        }
        let mut totals: Vec<_> = std::mem::take(&mut self.totals).into_iter().collect();
        totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let held = self.held.take();
        if held.is_some() {
            if self.o.titles {
                writeln!(self.o.out, "{:>6} {:<14} EVENT", "TOTAL", "ERRNO")?;
            }
        } else {
            writeln!(self.o.out, "\ntotal by errno and event:")?;
        }
        let events = &self.o.ctx.events;
        for ((errno, event), count) in totals {
            writeln!(
                self.o.out,
                "{:>6} {:<14} {}",
                count,
                errno_label(errno),
                events.get(event).map_or("?", |e| e.name.as_str())
            )?;
        }
        if let Some(rows) = held {
            writeln!(self.o.out, "\nby process:")?;
            self.o.header(Self::HEADER)?;
            self.o.out.write_all(&rows)?;
        }
        Ok(())
    }
}

/// An errno as the text reports show it: its name, else its number.
fn errno_label(errno: u8) -> std::borrow::Cow<'static, str> {
    match BsmErrno(errno).name() {
        Some(n) => n.into(),
        None => errno.to_string().into(),
    }
}

/// `knox net`: each process's network calls per address and outcome, as it is over.
pub struct Net<'a> {
    o: Out<'a>,
}

impl<'a> Net<'a> {
    const HEADER: &'static str =
        "    PID OP           ADDRESS                                  OUTCOME        COUNT  FIRST                         COMMAND";

    pub fn new(o: Out<'a>) -> Net<'a> {
        Net { o }
    }
}

impl Report for Net<'_> {
    fn needs(&self) -> Needs {
        Needs {
            net: true,
            ..Needs::default()
        }
    }

    fn ended(
        &mut self,
        mut p: Process<Activity>,
        _: End,
        model: &Model<Activity>,
    ) -> io::Result<()> {
        if !shown(&p) || p.data.net_uses.is_empty() {
            return Ok(());
        }
        let mut rows: Vec<_> = std::mem::take(&mut p.data.net_uses).into_values().collect();
        rows.sort_unstable_by(|x, y| {
            (x.event, &x.address, !x.success, x.errno)
                .cmp(&(y.event, &y.address, !y.success, y.errno))
        });
        for n in rows {
            let op = self.o.ctx.events.get(n.event).map_or_else(
                || n.event.to_string(),
                |e| e.name.trim_start_matches("AUE_").to_ascii_lowercase(),
            );
            let errno = (!n.success).then(|| BsmErrno(n.errno).name()).flatten();
            let address = n.address.to_string();
            let (first, last) = (self.o.time(n.first), self.o.time(n.last));
            if self.o.json {
                let mut buf = Vec::new();
                let mut o = self.o.process_json(&mut buf, &p, model.host_name(p.host));
                o.str("op", &op);
                match &n.address {
                    super::Peer::None => o.key("address").extend_from_slice(b"null"),
                    _ => o.str("address", &address),
                }
                o.bool("success", n.success);
                o.opt_str("errno", errno);
                o.u64("count", n.count);
                o.str("first", &first);
                o.str("last", &last);
                o.end();
                self.o.line(&buf)?;
            } else {
                self.o.header(Self::HEADER)?;
                let outcome = if n.success {
                    "ok"
                } else {
                    errno.unwrap_or("failed")
                };
                let address = if address.is_empty() {
                    "-".to_string()
                } else {
                    safe(address.as_bytes())
                };
                self.o.host_cell(model.host_name(p.host))?;
                writeln!(
                    self.o.out,
                    "{:>7} {:<12} {:<40} {:<14} {:>5}  {:<29} {}",
                    p.pid,
                    op,
                    address,
                    outcome,
                    n.count,
                    first,
                    command_text(&p)
                )?;
            }
        }
        Ok(())
    }
}

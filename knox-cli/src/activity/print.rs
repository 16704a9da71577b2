//! The sinks of `knox ps`, `files`, `errors` and `net`: each prints a process's part of the
//! report when the process is done, keeping only what a report needs across processes
//! (`files --by-path`, the error totals). The tree has its own module.

use std::collections::BTreeMap;
use std::io::{self, Write};

use bsm_format::tables::EventTable;
use bsm_format::BsmErrno;

use super::{op_names, rfc3339, strings, Activity, FileUse, Process, Running, Sink};

/// The command line of a process's last exec, shell-quoted (its path as the first word).
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

/// Text with terminal controls made visible.
fn safe(b: &[u8]) -> String {
    let mut v = Vec::with_capacity(b.len());
    crate::quote::safe_text(&mut v, b);
    String::from_utf8_lossy(&v).into_owned()
}

fn opt<T: ToString>(x: Option<T>) -> String {
    x.map_or("-".into(), |x| x.to_string())
}

/// `knox ps`: one line (or JSON object) per process, as it exits.
pub struct Ps<'a> {
    out: &'a mut dyn Write,
    json: bool,
    /// The text header is written before the first process (none without processes).
    header_due: bool,
}

impl<'a> Ps<'a> {
    pub fn new(out: &'a mut dyn Write, json: bool) -> Ps<'a> {
        Ps {
            out,
            json,
            header_due: !json,
        }
    }
}

impl Sink for Ps<'_> {
    fn done(&mut self, a: Activity, _: &Running<'_>) -> io::Result<()> {
        if !a.in_scope {
            return Ok(());
        }
        let p = &a.process;
        if std::mem::take(&mut self.header_due) {
            writeln!(
                self.out,
                "{:>7} {:>7} {:>6} {:<24} {:>6} {:>6} {:>5} {:>5} COMMAND",
                "PID", "PPID", "UID", "START", "STATUS", "FILES", "NET", "FAIL"
            )?;
        }
        if self.json {
            serde_json::to_writer(&mut *self.out, p)?;
            writeln!(self.out)
        } else {
            writeln!(
                self.out,
                "{:>7} {:>7} {:>6} {:<24} {:>6} {:>6} {:>5} {:>5} {}",
                p.pid,
                opt(p.ppid),
                p.euid,
                rfc3339(p.start),
                opt(p.status),
                p.files,
                p.net,
                p.failed,
                command_text(p)
            )
        }
    }
}

/// One process's use of a path, for `files --by-path`: (pid, command, use).
type PathUser = (u32, String, FileUse);

/// `knox files`: per process and path as processes exit, or per path (`--by-path`) at the end.
pub struct Files<'a> {
    out: &'a mut dyn Write,
    json: bool,
    glob: Option<regex::bytes::Regex>,
    /// `--by-path`: path → its users, printed at the end.
    by_path: Option<BTreeMap<Box<[u8]>, Vec<PathUser>>>,
}

impl<'a> Files<'a> {
    pub fn new(
        out: &'a mut dyn Write,
        json: bool,
        glob: Option<regex::bytes::Regex>,
        by_path: bool,
    ) -> Files<'a> {
        Files {
            out,
            json,
            glob,
            by_path: by_path.then(BTreeMap::new),
        }
    }
}

impl Sink for Files<'_> {
    fn done(&mut self, a: Activity, _: &Running<'_>) -> io::Result<()> {
        if !a.in_scope || a.files.is_empty() {
            return Ok(());
        }
        let glob = &self.glob;
        let mut rows: Vec<(Box<[u8]>, FileUse)> = a
            .files
            .into_iter()
            .filter(|(path, _)| glob.as_ref().is_none_or(|g| g.is_match(path)))
            .collect();
        rows.sort_unstable_by(|x, y| x.0.cmp(&y.0));
        let p = &a.process;
        if let Some(by) = &mut self.by_path {
            let command = command_text(p);
            for (path, u) in rows {
                by.entry(path)
                    .or_default()
                    .push((p.pid, command.clone(), u));
            }
            return Ok(());
        }
        for (path, u) in rows {
            if self.json {
                let v = serde_json::json!({"pid": p.pid, "path": String::from_utf8_lossy(&path), "use": u});
                writeln!(self.out, "{v}")?;
            } else {
                writeln!(
                    self.out,
                    "{:>7} {:<20} x{:<4} ok {:<4} failed {:<4} {}  {} .. {}",
                    p.pid,
                    op_names(u.ops).join(","),
                    u.count,
                    u.succeeded,
                    u.failed,
                    safe(&path),
                    rfc3339(u.first),
                    rfc3339(u.last)
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
            if self.json {
                let who: Vec<serde_json::Value> = users
                    .iter()
                    .map(|(pid, command, u)| serde_json::json!({"pid": pid, "command": command, "use": u}))
                    .collect();
                let v =
                    serde_json::json!({"path": String::from_utf8_lossy(&path), "processes": who});
                writeln!(self.out, "{v}")?;
                continue;
            }
            writeln!(self.out, "{}", safe(&path))?;
            for (pid, command, u) in users {
                writeln!(
                    self.out,
                    "  {:>7} {:<20} x{:<4} ok {:<4} failed {:<4} {}",
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

/// How often an errno and event failed: (count, errno name, event name).
type Total = (u64, Option<&'static str>, Option<String>);

/// `knox errors`: each process's failed calls by errno and event, as it exits (most frequent
/// first); in text, totals by errno and event at the end.
pub struct Errors<'a> {
    out: &'a mut dyn Write,
    json: bool,
    /// (errno, event) → their total.
    totals: BTreeMap<(u8, u16), Total>,
}

impl<'a> Errors<'a> {
    pub fn new(out: &'a mut dyn Write, json: bool) -> Errors<'a> {
        Errors {
            out,
            json,
            totals: BTreeMap::new(),
        }
    }
}

impl Sink for Errors<'_> {
    fn done(&mut self, a: Activity, _: &Running<'_>) -> io::Result<()> {
        if !a.in_scope || a.errors.is_empty() {
            return Ok(());
        }
        let mut groups: Vec<_> = a.errors.into_values().collect();
        groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.first.cmp(&b.first)));
        for g in groups {
            if self.json {
                serde_json::to_writer(&mut *self.out, &g)?;
                writeln!(self.out)?;
                continue;
            }
            writeln!(
                self.out,
                "{:>6} {:<14} {:<22} pid {:<7} {}",
                g.count,
                g.errno_name.unwrap_or("?"),
                g.event_name.as_deref().unwrap_or("?"),
                g.pid,
                safe(g.examples.join(", ").as_bytes())
            )?;
            let t =
                self.totals
                    .entry((g.errno, g.event))
                    .or_insert((0, g.errno_name, g.event_name));
            t.0 += g.count;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.totals.is_empty() {
            return Ok(());
        }
        let mut totals: Vec<_> = std::mem::take(&mut self.totals).into_iter().collect();
        totals.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
        writeln!(self.out, "\ntotal by errno and event:")?;
        for (_, (count, errno, event)) in totals {
            writeln!(
                self.out,
                "{:>6} {:<14} {}",
                count,
                errno.unwrap_or("?"),
                event.as_deref().unwrap_or("?")
            )?;
        }
        Ok(())
    }
}

/// `knox net`: each process's network calls per address and outcome, as it exits.
pub struct Net<'a> {
    out: &'a mut dyn Write,
    json: bool,
    events: &'a EventTable,
}

impl<'a> Net<'a> {
    pub fn new(out: &'a mut dyn Write, json: bool, events: &'a EventTable) -> Net<'a> {
        Net { out, json, events }
    }
}

impl Sink for Net<'_> {
    fn done(&mut self, a: Activity, _: &Running<'_>) -> io::Result<()> {
        if !a.in_scope || a.net.is_empty() {
            return Ok(());
        }
        let mut rows: Vec<_> = a.net.into_values().collect();
        rows.sort_unstable_by(|x, y| {
            (x.event, &x.address, !x.success, x.errno)
                .cmp(&(y.event, &y.address, !y.success, y.errno))
        });
        let p = &a.process;
        for n in rows {
            let op = self.events.get(n.event).map_or_else(
                || n.event.to_string(),
                |e| e.name.trim_start_matches("AUE_").to_ascii_lowercase(),
            );
            let errno = (!n.success).then(|| BsmErrno(n.errno).name()).flatten();
            let address = n.address.to_string();
            if self.json {
                let v = serde_json::json!({
                    "pid": p.pid, "op": op, "address": address, "success": n.success,
                    "errno": errno, "count": n.count, "first": rfc3339(n.first),
                });
                writeln!(self.out, "{v}")?;
            } else {
                let outcome = if n.success {
                    "ok"
                } else {
                    errno.unwrap_or("failed")
                };
                writeln!(
                    self.out,
                    "{:>7} {:<10} {:<40} {:<14} x{} {}",
                    p.pid,
                    op,
                    safe(address.as_bytes()),
                    outcome,
                    n.count,
                    command_text(p)
                )?;
            }
        }
        Ok(())
    }
}

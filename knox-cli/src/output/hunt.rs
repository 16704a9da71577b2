//! `knox hunt`: Sigma rules over the records' facts, in input order with the process model (a
//! rule on a process's parent needs the model as it stands at the record). Each match names
//! the rule (and its author, as the Detection Rule License asks), the process, its parent,
//! what it touched, and the record's place; it can also be handed to a command (`--exec`).

use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use knox_hunt::{Level, Rule, RuleSet};
use knox_model::sigma::{self, fields_of, Category, Fields};
use knox_model::{Model, Process};

use crate::output::jsonw::{self, Obj};
use crate::read::events::Parsed;
use crate::read::pipeline::{Sink, SourceInfo};
use crate::read::settings::Context;
use crate::time::Clock;

/// How matches are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Ocsf,
}

/// Matches waiting for `--exec` at most; more are counted and dropped (reading never waits on
/// the command).
pub const EXEC_QUEUE: usize = 256;

/// What `--exec` did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExecCounts {
    pub ran: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub dropped: u64,
}

/// Runs `--exec`'s command for each match, one at a time, on a thread of its own.
pub struct Reaction {
    tx: Option<SyncSender<Vec<u8>>>,
    handle: Option<std::thread::JoinHandle<ExecCounts>>,
    dropped: u64,
}

impl Reaction {
    pub fn start(command: String, timeout: Duration) -> Reaction {
        let (tx, rx) = sync_channel::<Vec<u8>>(EXEC_QUEUE);
        let handle = std::thread::spawn(move || react(&command, timeout, rx));
        Reaction {
            tx: Some(tx),
            handle: Some(handle),
            dropped: 0,
        }
    }

    /// Hands a match over, or counts it when the queue is full.
    pub fn send(&mut self, json: Vec<u8>) {
        if let Some(tx) = &self.tx {
            match tx.try_send(json) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    self.dropped += 1
                }
            }
        }
    }

    /// Waits for the queued commands; what was done.
    pub fn finish(&mut self) -> ExecCounts {
        self.tx = None;
        let mut c = self
            .handle
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        c.dropped = self.dropped;
        c
    }
}

fn react(command: &str, timeout: Duration, rx: Receiver<Vec<u8>>) -> ExecCounts {
    let mut c = ExecCounts::default();
    for json in rx {
        c.ran += 1;
        let mut cmd = std::process::Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null());
        let child = bsm_io::child::spawn_in_group(&mut cmd);
        let Ok(mut child) = child else {
            c.failed += 1;
            continue;
        };
        if let Some(mut stdin) = child.stdin.take() {
            // On a thread: a command that does not read a match larger than the pipe holds must
            // still meet its timeout. Not reading is not an error.
            std::thread::spawn(move || {
                let _ = stdin.write_all(&json);
            });
        }
        let start = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    if !status.success() {
                        c.failed += 1;
                    }
                    break;
                }
                Ok(None) if start.elapsed() >= timeout => {
                    bsm_io::child::kill_group(&mut child);
                    c.timed_out += 1;
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(_) => {
                    c.failed += 1;
                    break;
                }
            }
        }
    }
    c
}

/// The process a match is about, and its parent.
struct Who {
    pid: Option<u32>,
    uid: Option<String>,
    image: Option<String>,
    command_line: Option<String>,
    user: Option<String>,
}

/// The sink: the model takes each record; records of a Sigma category are evaluated.
pub struct Hunt<'a> {
    pub rules: &'a RuleSet,
    ctx: Context<'a>,
    model: Model,
    format: Format,
    out: &'a mut dyn Write,
    /// The clock of text lines, and of JSON (--json, and what --exec is handed).
    clock: Clock,
    json_clock: Clock,
    line: Vec<u8>,
    /// Matches per level.
    pub counts: [u64; 5],
    pub reaction: Option<Reaction>,
}

impl<'a> Hunt<'a> {
    pub fn new(
        rules: &'a RuleSet,
        ctx: Context<'a>,
        format: Format,
        out: &'a mut dyn Write,
        reaction: Option<Reaction>,
    ) -> Hunt<'a> {
        Hunt {
            rules,
            ctx,
            model: Model::new(),
            format,
            out,
            clock: ctx.text_clock(),
            json_clock: ctx.json_clock(),
            line: Vec::new(),
            counts: [0; 5],
            reaction,
        }
    }

    /// The highest level matched, if any.
    pub fn worst(&self) -> Option<Level> {
        Level::ALL
            .into_iter()
            .rev()
            .find(|l| self.counts[*l as usize] > 0)
    }
}

/// What a match says of a process: the record's fields first (as the rule saw them), else the
/// model's (a file or network record names no program).
fn who(p: Option<&Process>, f: &Fields<'_>, parent: bool) -> Who {
    let (pid, image, cmd) = if parent {
        ("ParentProcessId", "ParentImage", "ParentCommandLine")
    } else {
        ("ProcessId", "Image", "CommandLine")
    };
    let running = p.and_then(|p| p.image());
    Who {
        pid: p
            .map(|p| p.pid)
            .or_else(|| f.get(pid).and_then(|v| v.parse().ok())),
        uid: p.map(|p| p.id.as_str().to_string()),
        image: f
            .get(image)
            .map(str::to_string)
            .or_else(|| running.and_then(sigma::image_path)),
        command_line: f
            .get(cmd)
            .map(str::to_string)
            .or_else(|| running.map(|i| sigma::joined(i.argv()))),
        user: if parent {
            None
        } else {
            f.get("User").map(str::to_string)
        },
    }
}

impl Sink<Vec<Parsed>> for Hunt<'_> {
    fn apply(&mut self, part: Vec<Parsed>, src: &SourceInfo) -> io::Result<()> {
        let host = self.model.host(src.host.as_deref());
        for item in &part {
            let ev = &item.ev;
            self.model.apply(host, ev);
            if item.selected && knox_model::sigma::category_of(ev).is_some() {
                let accounts = &self.ctx.accounts;
                let user = |uid: u32| accounts.user_name(uid);
                if let Some(fields) = fields_of(ev, &self.model, host, &user) {
                    let hits = self.rules.matches(&fields);
                    if !hits.is_empty() {
                        // The process the fields describe, and its parent, with their ids.
                        let pid = fields.get("ProcessId").and_then(|p| p.parse().ok());
                        let process = pid.and_then(|pid| self.model.running_pid(host, pid));
                        let parent = process.and_then(|p| {
                            let pp = p.ppid?;
                            self.model
                                .running_pid(host, pp)
                                .filter(|x| Some(x.id.clone()) == p.parent)
                        });
                        let me = who(process, &fields, false);
                        let mut up = who(parent, &fields, true);
                        if up.uid.is_none() {
                            up.uid = process
                                .and_then(|p| p.parent.as_ref())
                                .map(|i| i.as_str().to_string());
                        }
                        for i in hits {
                            let rule = &self.rules.rules[i];
                            self.counts[rule.meta.level as usize] += 1;
                            let m = Match {
                                rule,
                                ev,
                                src,
                                fields: &fields,
                                process: &me,
                                parent: &up,
                            };
                            self.line.clear();
                            let mut json = Vec::new();
                            m.json(&mut json, &mut self.json_clock);
                            match self.format {
                                Format::Text => m.text(&mut self.line, &mut self.clock),
                                Format::Json => {
                                    self.line.extend_from_slice(&json);
                                    self.line.push(b'\n');
                                }
                                Format::Ocsf => {
                                    m.ocsf(&mut self.line, self.ctx);
                                    self.line.push(b'\n');
                                }
                            }
                            self.out.write_all(&self.line)?;
                            if let Some(r) = &mut self.reaction {
                                json.push(b'\n');
                                r.send(json);
                            }
                        }
                    }
                }
            }
            // Ended processes are simply forgotten.
            self.model.changes().for_each(drop);
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.model.finish();
        self.model.changes().for_each(drop);
        self.out.flush()
    }
}

/// One match.
struct Match<'m> {
    rule: &'m Rule,
    ev: &'m knox_model::Event,
    src: &'m SourceInfo,
    fields: &'m Fields<'m>,
    process: &'m Who,
    parent: &'m Who,
}

impl Match<'_> {
    /// What the record touched: the file, or the other end.
    fn target(&self) -> Option<String> {
        match self.fields.category {
            Category::ProcessCreation => None,
            Category::FileEvent => self.fields.get("TargetFilename").map(str::to_string),
            Category::NetworkConnection => {
                let ip = self.fields.get("DestinationIp")?;
                let port = self.fields.get("DestinationPort").unwrap_or("?");
                Some(if ip.contains(':') {
                    format!("[{ip}]:{port}")
                } else {
                    format!("{ip}:{port}")
                })
            }
        }
    }

    fn text(&self, out: &mut Vec<u8>, clock: &mut Clock) {
        use crate::output::quote::safe_text;
        clock.write(out, self.ev.time);
        let m = &self.rule.meta;
        let _ = write!(out, " {:<13} ", m.level.name());
        safe_text(out, m.title.as_bytes());
        out.extend_from_slice(b" (by ");
        safe_text(out, m.author.as_bytes());
        out.push(b')');
        if let Some(h) = &self.src.host {
            out.push(b' ');
            safe_text(out, h.as_bytes());
        }
        let _ = write!(
            out,
            " pid {}",
            self.process.pid.map_or("-".to_string(), |p| p.to_string())
        );
        out.push(b' ');
        safe_text(out, self.process.image.as_deref().unwrap_or("-").as_bytes());
        if let Some(c) = &self.process.command_line {
            out.extend_from_slice(b": ");
            safe_text(out, c.as_bytes());
        }
        if let Some(t) = self.target() {
            out.extend_from_slice(b" -> ");
            safe_text(out, t.as_bytes());
        }
        if let Some(p) = &self.parent.image {
            out.extend_from_slice(b" (parent ");
            safe_text(out, p.as_bytes());
            out.push(b')');
        }
        out.push(b'\n');
    }

    fn json(&self, out: &mut Vec<u8>, clock: &mut Clock) {
        let m = &self.rule.meta;
        let mut o = Obj::new(out);
        o.time("time", clock, self.ev.time);
        o.opt_str("host", self.src.host.as_deref());
        o.str("category", self.fields.category.name());
        let mut r = Obj::new(o.key("rule"));
        r.str("id", &m.id);
        r.str("title", &m.title);
        r.str("level", m.level.name());
        r.str("author", &m.author);
        jsonw::array(r.key("tags"), &m.tags, |b, t| jsonw::string(b, t));
        r.str("path", &m.path.display().to_string());
        r.end();
        for (k, w, user) in [
            ("process", self.process, true),
            ("parent", self.parent, false),
        ] {
            let mut p = Obj::new(o.key(k));
            p.opt_u64("pid", w.pid.map(u64::from));
            p.opt_str("uid", w.uid.as_deref());
            p.opt_str("image", w.image.as_deref());
            p.opt_str("command_line", w.command_line.as_deref());
            if user {
                p.opt_str("user", w.user.as_deref());
            }
            p.end();
        }
        o.opt_str("target", self.target().as_deref());
        let mut f = Obj::new(o.key("fields"));
        for (_, k, v) in self.fields.iter() {
            f.str(k, v);
        }
        f.end();
        o.str("file", &self.src.name);
        o.u64("offset", self.ev.offset());
        o.end();
    }

    /// An OCSF 1.8.0 Detection Finding: the rule as the finding and its analytic, the process
    /// (and what it touched) as evidence.
    fn ocsf(&self, out: &mut Vec<u8>, s: Context<'_>) {
        let m = &self.rule.meta;
        let severity = match m.level {
            Level::Informational => (1, "Informational"),
            Level::Low => (2, "Low"),
            Level::Medium => (3, "Medium"),
            Level::High => (4, "High"),
            Level::Critical => (5, "Critical"),
        };
        let time = self
            .ev
            .time
            .sec
            .saturating_mul(1000)
            .saturating_add(self.ev.time.msec);
        let mut o = Obj::new(out);
        o.u64("class_uid", 2004);
        o.str("class_name", "Detection Finding");
        o.u64("category_uid", 2);
        o.str("category_name", "Findings");
        o.u64("activity_id", 1);
        o.str("activity_name", "Create");
        o.u64("type_uid", 200401);
        o.str("type_name", "Detection Finding: Create");
        o.u64("severity_id", severity.0);
        o.str("severity", severity.1);
        o.u64("time", time);
        o.u64("status_id", 1);
        o.str("status", "New");
        o.str(
            "message",
            &format!("{} (Sigma rule by {})", m.title, m.author),
        );
        let mut md = Obj::new(o.key("metadata"));
        md.str("version", knox_model::ocsf::VERSION);
        let mut p = Obj::new(md.key("product"));
        p.str("name", "knox");
        p.str("vendor_name", "knox");
        p.str("version", env!("CARGO_PKG_VERSION"));
        p.end();
        jsonw::array(md.key("profiles"), ["host"], jsonw::string);
        md.str("log_name", "bsm");
        md.str("uid", &format!("{}#{}", self.src.name, self.ev.offset()));
        md.end();
        let mut d = Obj::new(o.key("device"));
        d.u64("type_id", 0);
        d.str("name", self.src.host.as_deref().unwrap_or("unknown"));
        if let Some(h) = &self.src.host {
            d.str("hostname", h);
        }
        d.end();
        let mut fi = Obj::new(o.key("finding_info"));
        fi.str(
            "uid",
            &format!("{}:{}#{}", m.id, self.src.name, self.ev.offset()),
        );
        fi.str("title", &m.title);
        if let Some(desc) = &m.description {
            fi.str("desc", desc.trim());
        }
        let mut a = Obj::new(fi.key("analytic"));
        a.str("uid", &m.id);
        a.str("name", &m.title);
        a.u64("type_id", 1);
        a.str("type", "Rule");
        a.end();
        jsonw::array(fi.key("types"), ["Sigma"], jsonw::string);
        fi.end();
        let mut ev = Vec::new();
        {
            let mut e = Obj::new(&mut ev);
            let mut p = Obj::new(e.key("process"));
            p.opt_u64("pid", self.process.pid.map(u64::from));
            p.opt_str("uid", self.process.uid.as_deref());
            if let Some(i) = &self.process.image {
                p.str("name", i.rsplit('/').next().unwrap_or(i));
                let mut f = Obj::new(p.key("file"));
                f.str("path", i);
                f.str("name", i.rsplit('/').next().unwrap_or(i));
                f.u64("type_id", 1);
                f.end();
            }
            p.opt_str("cmd_line", self.process.command_line.as_deref());
            if let Some(u) = &self.process.user {
                let mut uo = Obj::new(p.key("user"));
                uo.str("name", u);
                uo.end();
            }
            if self.parent.pid.is_some() || self.parent.uid.is_some() {
                let mut pp = Obj::new(p.key("parent_process"));
                pp.opt_u64("pid", self.parent.pid.map(u64::from));
                pp.opt_str("uid", self.parent.uid.as_deref());
                pp.opt_str("cmd_line", self.parent.command_line.as_deref());
                pp.end();
            }
            p.end();
            if self.fields.category == Category::FileEvent {
                if let Some(t) = self.fields.get("TargetFilename") {
                    let mut f = Obj::new(e.key("file"));
                    f.str("path", t);
                    f.str("name", t.rsplit('/').find(|x| !x.is_empty()).unwrap_or(t));
                    f.u64("type_id", 1);
                    f.end();
                }
            }
            if self.fields.category == Category::NetworkConnection {
                if let Some(ip) = self.fields.get("DestinationIp") {
                    let mut d = Obj::new(e.key("dst_endpoint"));
                    d.str("ip", ip);
                    d.str("name", ip);
                    if let Some(port) = self
                        .fields
                        .get("DestinationPort")
                        .and_then(|p| p.parse::<u64>().ok())
                    {
                        d.u64("port", port);
                    }
                    d.end();
                }
            }
            e.end();
        }
        let list = o.key("evidences");
        list.push(b'[');
        list.extend_from_slice(&ev);
        list.push(b']');
        let mut u = Obj::new(o.key("unmapped"));
        let mut sg = Obj::new(u.key("sigma"));
        sg.str("author", &m.author);
        sg.str("level", m.level.name());
        jsonw::array(sg.key("tags"), &m.tags, |b, t| jsonw::string(b, t));
        sg.str("path", &m.path.display().to_string());
        sg.end();
        let mut b = Obj::new(u.key("bsm"));
        b.str("file", &self.src.name);
        b.u64("offset", self.ev.offset());
        b.u64("event", self.ev.event.0 as u64);
        b.opt_str(
            "event_name",
            s.events.get(self.ev.event.0).map(|e| e.name.as_str()),
        );
        b.end();
        u.end();
        o.end();
    }
}

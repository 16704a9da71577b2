//! OCSF 1.8.0 events, one JSON line per record: the class and activity from
//! [`super::ocsf_map`], the subject as `actor`, the process model's processes with their stable
//! ids, the outcome as `status_*`, and every token under `unmapped.bsm`.

use bsm_format::token::AUID_UNSET;
use bsm_format::{BsmErrno, Record};
use knox_model::{Act, Endpoint, Event, NetOp, Outcome, Process};

use super::ocsf_map::{fallback, mapping, Class, Mapping, NetOutcome};
use super::{mark, At, Cache, Format, Writer};
use crate::jsonw::{self, Obj};

/// The OCSF version written.
pub const VERSION: &str = "1.8.0";

/// The profiles every event uses: `host` (the device and the actor).
pub const PROFILES: &[&str] = &["host"];

/// ECONNREFUSED in BSM's numbering.
const ECONNREFUSED: u8 = 146;

/// Writes OCSF events.
pub struct Ocsf {
    /// `unmapped` as JSON text rather than an object (for Parquet, whose columns are fixed).
    pub unmapped_text: bool,
}

/// The class and activity of an event.
pub fn mapping_of<B: AsRef<[u8]>>(ev: &Event<B>) -> Mapping {
    let net = match ev.errno() {
        None => NetOutcome::Succeeded,
        Some(BsmErrno(ECONNREFUSED)) => NetOutcome::Refused,
        Some(_) => NetOutcome::Failed,
    };
    fallback(
        mapping(ev.act, net),
        ev.subject.is_some(),
        ev.path().is_some(),
    )
}

fn millis(t: bsm_format::Time) -> u64 {
    t.sec.saturating_mul(1000).saturating_add(t.msec)
}

fn basename(path: &[u8]) -> &[u8] {
    path.rsplit(|&c| c == b'/')
        .find(|s| !s.is_empty())
        .unwrap_or(path)
}

/// A user object: uid as text, the name from the accounts, admin for root.
fn user(o: &mut Vec<u8>, uid: u32, accounts: &crate::accounts::Accounts) {
    let mut u = Obj::new(o);
    let v = u.key("uid");
    v.push(b'"');
    crate::praudit::fmt::int(v, uid as i32 as i64);
    v.push(b'"');
    if let Some(n) = accounts.user_name(uid) {
        u.str("name", &n);
    }
    u.u64("type_id", if uid == 0 { 2 } else { 1 });
    u.end();
}

/// A session object: the audit session id, as text.
fn session(o: &mut Vec<u8>, sid: u32) {
    o.extend_from_slice(b"{\"uid\":\"");
    crate::praudit::fmt::uint(o, sid as u64);
    o.extend_from_slice(b"\"}");
}

/// The OCSF file type of an attr token's mode.
fn file_type(mode: Option<u32>) -> u64 {
    match mode.map(|m| m & 0o170000) {
        Some(0o100000) => 1,
        Some(0o040000) => 2,
        Some(0o020000) => 3,
        Some(0o060000) => 4,
        Some(0o140000) => 5,
        Some(0o010000) => 6,
        Some(0o120000) => 7,
        _ => 0,
    }
}

fn file(o: &mut Vec<u8>, path: &[u8], mode: Option<u32>, owner: Option<u32>, w: &Writer<'_>) {
    let mut f = Obj::new(o);
    f.bytes("path", path);
    f.bytes("name", basename(path));
    f.u64("type_id", file_type(mode));
    if let Some(uid) = owner {
        user(f.key("owner"), uid, w.accounts);
    }
    f.end();
}

fn endpoint(o: &mut Vec<u8>, e: Endpoint<'_>) {
    let mut x = Obj::new(o);
    match e {
        Endpoint::Inet { addr, port } => {
            let ip = addr.to_string();
            x.str("name", &ip);
            x.str("ip", &ip);
            x.u64("port", port as u64);
        }
        Endpoint::Unix(path) => x.bytes("name", path),
    }
    x.end();
}

/// The device itself as a network endpoint (for calls that name no address).
fn device_endpoint(o: &mut Vec<u8>, host: Option<&str>) {
    let mut x = Obj::new(o);
    x.str("name", host.unwrap_or("localhost"));
    if let Some(h) = host {
        x.str("hostname", h);
    }
    x.end();
}

impl Format for Ocsf {
    fn line(&self, out: &mut Vec<u8>, w: &mut Writer<'_>, ev: &Event<&[u8]>, rec: &Record<'_>) {
        let map = mapping_of(ev);
        let (cat_uid, cat_name) = map.class.category();
        let info = w.settings.events.get(ev.event.0);
        let mut o = Obj::new(out);
        o.u64("class_uid", map.class.uid() as u64);
        o.str("class_name", map.class.name());
        o.u64("category_uid", cat_uid as u64);
        o.str("category_name", cat_name);
        o.u64("activity_id", map.activity_id as u64);
        o.str("activity_name", map.activity_name);
        o.u64("type_uid", map.type_uid());
        let t = o.key("type_name");
        t.push(b'"');
        t.extend_from_slice(map.class.name().as_bytes());
        t.extend_from_slice(b": ");
        t.extend_from_slice(map.activity_name.as_bytes());
        t.push(b'"');
        o.u64("severity_id", 1);
        o.str("severity", "Informational");
        o.u64("time", millis(ev.time));
        match ev.outcome() {
            Outcome::Success => {
                o.u64("status_id", 1);
                o.str("status", "Success");
            }
            Outcome::Failure(e) => {
                o.u64("status_id", 2);
                o.str("status", "Failure");
                o.str("status_code", e.name().unwrap_or("unknown"));
                if let Some(d) = e.description() {
                    o.str("status_detail", d);
                }
            }
            Outcome::Unknown => {
                o.u64("status_id", 0);
                o.str("status", "Unknown");
            }
        }
        // A short message: the event and what it touched.
        let mut msg = info.map_or_else(|| ev.act.name().to_string(), |e| e.description.clone());
        if let Some(p) = ev.path() {
            msg.push(' ');
            msg.push_str(&String::from_utf8_lossy(p));
        } else if let Some(a) = ev.remote().or(ev.local()) {
            msg.push(' ');
            msg.push_str(&a.to_string());
        } else if let Some(t) = ev.text() {
            msg.push(' ');
            msg.push_str(&String::from_utf8_lossy(t));
        }
        o.str("message", &msg);

        let mut m = Obj::new(o.key("metadata"));
        m.str("version", VERSION);
        let mut p = Obj::new(m.key("product"));
        p.str("name", "knox");
        p.str("vendor_name", "knox");
        p.str("version", env!("CARGO_PKG_VERSION"));
        p.end();
        jsonw::array(m.key("profiles"), PROFILES, |b, p| jsonw::string(b, p));
        if let Some(e) = info {
            m.str("event_code", &e.name);
        }
        m.str("log_name", "bsm");
        // The record's place: its file and offset.
        let mut place = String::with_capacity(w.src.name.len() + 12);
        place.push_str(&w.src.name);
        place.push('#');
        place.push_str(&ev.offset().to_string());
        m.str("uid", &place);
        m.end();

        let mut d = Obj::new(o.key("device"));
        d.u64("type_id", 0);
        d.str("name", w.src.host.as_deref().unwrap_or("unknown"));
        if let Some(h) = &w.src.host {
            d.str("hostname", h);
        }
        if let Ok(Some(h)) = rec.header() {
            if let Some(bsm_format::token::HostAddress::Ip(a)) = h.host {
                d.str("ip", &a.to_string());
            }
        }
        d.end();

        if let Some(subj) = ev.subject {
            let mut a = Obj::new(o.key("actor"));
            mark(
                a.key("process"),
                if ev.act == Act::Exec { b'B' } else { b'A' },
            );
            let who = if subj.auid == AUID_UNSET {
                subj.euid
            } else {
                subj.auid
            };
            user(a.key("user"), who, w.accounts);
            session(a.key("session"), subj.sid);
            a.end();
        }

        match map.class {
            Class::Process => {
                mark(o.key("process"), b'P');
                if let Some(x) = ev.exit {
                    o.u64("exit_code", x.status as u64);
                }
            }
            Class::FileSystem => {
                let mut paths = ev.paths();
                if let Some(first) = paths.next() {
                    let attr = ev.attr;
                    file(
                        o.key("file"),
                        first,
                        attr.map(|a| a.mode),
                        attr.map(|a| a.uid),
                        w,
                    );
                    if map.activity_id == 5 {
                        if let Some(to) = paths.last() {
                            file(o.key("file_result"), to, None, None, w);
                        }
                    }
                }
            }
            Class::Network => {
                let (local, remote) = (ev.local(), ev.remote());
                // What accept returns is the peer that connected: the source.
                let (src, dst) = if ev.act == Act::Net(NetOp::Accept) {
                    (remote, local)
                } else {
                    (local, remote)
                };
                match src {
                    Some(e) => endpoint(o.key("src_endpoint"), e),
                    None if dst.is_none() => {
                        device_endpoint(o.key("src_endpoint"), w.src.host.as_deref())
                    }
                    None => {}
                }
                if let Some(e) = dst {
                    endpoint(o.key("dst_endpoint"), e);
                }
                let direction = match ev.act {
                    Act::Net(NetOp::Accept) => 1,
                    Act::Net(NetOp::Connect) => 2,
                    _ => 0,
                };
                let mut c = Obj::new(o.key("connection_info"));
                c.u64("direction_id", direction);
                c.end();
            }
            Class::Authentication | Class::AccountChange => {
                if let Some(subj) = ev.subject {
                    let who = if subj.auid == AUID_UNSET {
                        subj.euid
                    } else {
                        subj.auid
                    };
                    user(o.key("user"), who, w.accounts);
                    if map.class == Class::Authentication {
                        session(o.key("session"), subj.sid);
                        let mut svc = Obj::new(o.key("service"));
                        let name = info.map_or("bsm", |e| e.name.trim_start_matches("AUE_"));
                        svc.str("name", name);
                        svc.end();
                    }
                }
            }
            Class::EventLog => o.str("log_name", "audit"),
            Class::Base => {}
        }

        // Everything the record holds, as `knox json` writes its tokens.
        let mut text = Vec::new();
        let unmapped = if self.unmapped_text {
            &mut text
        } else {
            o.key("unmapped")
        };
        let mut u = Obj::new(unmapped);
        let mut b = Obj::new(u.key("bsm"));
        b.str("file", &w.src.name);
        b.u64("offset", ev.offset());
        b.u64("event", ev.event.0 as u64);
        b.opt_str("event_name", info.map(|e| e.name.as_str()));
        b.u64("modifier", ev.modifier.bits() as u64);
        w.scratch.clear();
        w.scratch.push(b'[');
        for (i, t) in rec.tokens().enumerate() {
            let Ok(t) = t else { break };
            if i > 0 {
                w.scratch.push(b',');
            }
            jsonw::token(&mut w.scratch, &t);
        }
        w.scratch.push(b']');
        b.key("tokens").extend_from_slice(&w.scratch);
        b.end();
        u.end();
        if self.unmapped_text {
            o.str("unmapped", &String::from_utf8_lossy(&text));
        }
        o.end();
        out.push(b'\n');
    }

    fn fill(&self, code: u8, out: &mut Vec<u8>, at: &At<'_>) {
        let ev = at.ev;
        match code {
            b'B' => match at.before {
                Some(b) => out.extend_from_slice(b),
                None => self.fill(b'A', out, at),
            },
            b'A' => match at.subject() {
                // What a process's object shows changes only with its program and its ids.
                Some(p) => {
                    let s = p.subject;
                    let key = (p.execs.len() as u128) << 96
                        | (s.map_or(0, |s| s.euid) as u128) << 64
                        | (s.map_or(0, |s| s.egid) as u128) << 32
                        | s.map_or(0, |s| s.auid) as u128;
                    p.data
                        .write(out, key, |o| process(o, Some(p), None, Some(p.pid), at));
                }
                None => process(out, None, None, ev.subject.map(|s| s.pid), at),
            },
            b'P' => {
                let attempted = || Some((ev.path(), ev.argv()));
                let subject = ev.subject.map(|s| s.pid);
                match ev.act {
                    Act::Exec if !ev.failed() => process(out, at.subject(), None, subject, at),
                    Act::Exec => process(out, at.subject(), attempted(), subject, at),
                    Act::Spawn | Act::Fork(_) => match ev.child() {
                        Some(c) => {
                            let over = (ev.act == Act::Spawn && at.process(c).is_none())
                                .then(attempted)
                                .flatten();
                            process(out, at.process(c), over, Some(c), at)
                        }
                        None if ev.act == Act::Spawn => {
                            process(out, None, attempted(), subject, at)
                        }
                        None => process(out, at.subject(), None, subject, at),
                    },
                    Act::Signal | Act::Trace => {
                        let t = ev.target_pid();
                        process(out, t.and_then(|t| at.process(t)), None, t.or(subject), at)
                    }
                    _ => process(out, at.subject(), None, subject, at),
                }
            }
            _ => out.extend_from_slice(b"null"),
        }
    }
}

/// Writes a process object: from the model when the process is known (with its stable id and
/// parent), with the record's program in place of the model's when given (a failed exec).
fn process(
    out: &mut Vec<u8>,
    p: Option<&Process<Cache>>,
    program: Option<(Option<&[u8]>, Option<knox_model::Strings<'_>>)>,
    pid: Option<u32>,
    at: &At<'_>,
) {
    let mut o = Obj::new(out);
    let pid = p.map(|p| p.pid).or(pid).unwrap_or(0);
    o.u64("pid", pid as u64);
    if let Some(p) = p {
        o.str("uid", p.id.as_str());
        if p.origin != knox_model::Origin::Seen {
            o.u64("created_time", millis(p.start));
        }
    }
    // The program: the record's, else the one the model says the process runs.
    let (path, cmd) = match program {
        Some((path, argv)) => {
            let mut cmd = Vec::new();
            let words: Vec<&[u8]> = argv.map(|a| a.iter().collect()).unwrap_or_default();
            command(&mut cmd, path, &words);
            (path.map(<[u8]>::to_vec), cmd)
        }
        None => match p.and_then(|p| p.image()) {
            Some(img) => {
                let mut cmd = Vec::new();
                let words: Vec<&[u8]> = img.argv().collect();
                command(&mut cmd, img.path.as_deref(), &words);
                (img.path.as_ref().map(|p| p.to_vec()), cmd)
            }
            None => (None, Vec::new()),
        },
    };
    if let Some(path) = &path {
        o.bytes("name", basename(path));
    }
    if !cmd.is_empty() {
        o.bytes("cmd_line", &cmd);
    }
    if let Some(path) = &path {
        let mut f = Obj::new(o.key("file"));
        f.bytes("path", path);
        f.bytes("name", basename(path));
        f.u64("type_id", 1);
        f.end();
    }
    if let Some(p) = p {
        if p.parent.is_some() || p.ppid.is_some() {
            let mut pp = Obj::new(o.key("parent_process"));
            pp.u64("pid", p.ppid.unwrap_or(0) as u64);
            if let Some(id) = &p.parent {
                pp.str("uid", id.as_str());
            }
            pp.end();
        }
        if let Some(s) = p.subject {
            user(o.key("user"), s.euid, &at.settings.accounts);
            // Ids as the kernel's signed ints: an unset audit user is -1.
            o.i64("auid", s.auid as i32 as i64);
            o.i64("euid", s.euid as i32 as i64);
            o.i64("egid", s.egid as i32 as i64);
        }
    }
    o.end();
}

/// A command line: the program's path, then its arguments after the first, shell-quoted.
fn command(out: &mut Vec<u8>, path: Option<&[u8]>, argv: &[&[u8]]) {
    let words = match path {
        Some(p) => std::iter::once(p)
            .chain(argv.iter().skip(1).copied())
            .collect::<Vec<_>>(),
        None => argv.to_vec(),
    };
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        crate::quote::shell_quote(out, w);
    }
}

//! OCSF 1.8.0 events, one JSON line per record: the class, activity, status and objects that
//! `knox_model::ocsf` says the record's facts fill, the subject as `actor`, the process model's
//! processes with their stable ids, and every token under `unmapped.bsm`.

use bsm_format::Record;
use knox_model::ocsf::{
    basename, file_type, mapping_of, objects_of, process_of, status_of, user_of, Class, Device,
    FileFacts, Program, PROFILES, VERSION,
};
use knox_model::{Act, Endpoint, Event, Process};

use super::{mark, At, Cache, Format, Writer};
use crate::output::jsonw::{self, Obj};

/// Writes OCSF events.
pub struct Ocsf;

fn millis(t: bsm_format::Time) -> u64 {
    t.sec.saturating_mul(1000).saturating_add(t.msec)
}

/// A user object: uid as text, the name from the accounts, admin for root.
fn user(o: &mut Vec<u8>, uid: u32, accounts: &crate::read::accounts::Accounts) {
    let mut u = Obj::new(o);
    let v = u.key("uid");
    v.push(b'"');
    crate::output::praudit::fmt::int(v, uid as i32 as i64);
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
    crate::output::praudit::fmt::uint(o, sid as u64);
    o.extend_from_slice(b"\"}");
}

fn file(o: &mut Vec<u8>, f: FileFacts<'_>, w: &Writer<'_>) {
    let mut x = Obj::new(o);
    x.bytes("path", f.path);
    x.bytes("name", basename(f.path));
    x.u64("type_id", file_type(f.attr.map(|a| a.mode)) as u64);
    if let Some(a) = f.attr {
        user(x.key("owner"), a.uid, w.accounts);
    }
    x.end();
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

/// The device itself as a network endpoint (for calls that name no address): its name, and its
/// address when a header_ex token gives it. Only called when one of the two is known.
fn device_endpoint(o: &mut Vec<u8>, d: &Device<'_>) {
    let mut x = Obj::new(o);
    let ip = d.ip.map(|a| a.to_string());
    if let Some(name) = d.host.or(ip.as_deref()) {
        x.str("name", name);
    }
    if let Some(h) = d.host {
        x.str("hostname", h);
    }
    if let Some(ip) = &ip {
        x.str("ip", ip);
    }
    x.end();
}

impl Format for Ocsf {
    fn line(&self, out: &mut Vec<u8>, w: &mut Writer<'_>, ev: &Event<&[u8]>, rec: &Record<'_>) {
        let device = Device::of(w.src.host.as_deref(), rec);
        let map = mapping_of(ev, &device);
        let (cat_uid, cat_name) = map.class.category();
        let info = w.ctx.events.get(ev.event.0);
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
        let status = status_of(ev);
        o.u64("status_id", status.id as u64);
        o.str("status", status.name);
        if let Some(code) = status.code() {
            o.str("status_code", &code);
        }
        if let Some(detail) = status.detail() {
            o.str("status_detail", &detail);
        }
        let msg = knox_model::ocsf::message(ev, info.map(|e| e.description.as_str()));
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
        if let Some(a) = device.ip {
            d.str("ip", &a.to_string());
        }
        d.end();

        if let Some(subj) = ev.subject {
            let mut a = Obj::new(o.key("actor"));
            mark(
                a.key("process"),
                if ev.act == Act::Exec { b'B' } else { b'A' },
            );
            user(a.key("user"), user_of(&subj), w.accounts);
            session(a.key("session"), subj.sid);
            a.end();
        }

        let objects = objects_of(ev, &map);
        if map.class == Class::Process {
            mark(o.key("process"), b'P');
        }
        if let Some(x) = objects.exit_code {
            o.u64("exit_code", x as u64);
        }
        if let Some(f) = objects.file {
            file(o.key("file"), f, w);
        }
        if let Some(p) = objects.file_result {
            file(
                o.key("file_result"),
                FileFacts {
                    path: p,
                    attr: None,
                },
                w,
            );
        }
        if let Some(e) = objects.src {
            endpoint(o.key("src_endpoint"), e);
        }
        if objects.src_is_device {
            device_endpoint(o.key("src_endpoint"), &device);
        }
        if let Some(e) = objects.dst {
            endpoint(o.key("dst_endpoint"), e);
        }
        if let Some(d) = objects.direction_id {
            let mut c = Obj::new(o.key("connection_info"));
            c.u64("direction_id", d as u64);
            c.end();
        }
        if let Some(u) = objects.user {
            user(o.key("user"), u, w.accounts);
        }
        if let Some(sid) = objects.session {
            session(o.key("session"), sid);
        }
        if objects.service {
            let mut svc = Obj::new(o.key("service"));
            let name = info.map_or("bsm", |e| e.name.trim_start_matches("AUE_"));
            svc.str("name", name);
            svc.end();
        }
        if let Some(l) = objects.log_name {
            o.str("log_name", l);
        }

        // Everything the record holds, as `knox json` writes its tokens.
        let mut u = Obj::new(o.key("unmapped"));
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
                let r = process_of(ev);
                let running = r.lookup.and_then(|pid| at.process(pid));
                let attempted = match r.program {
                    Program::Model => false,
                    Program::Record => true,
                    Program::RecordIfUnknown => running.is_none(),
                };
                let program = attempted.then(|| (ev.path(), ev.argv()));
                process(out, running, program, r.pid, at)
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
    let mut cmd = Vec::new();
    let path = match program {
        Some((path, argv)) => {
            knox_model::quote::command_line(
                &mut cmd,
                path,
                argv.into_iter().flat_map(|a| a.iter()),
            );
            path
        }
        None => match p.and_then(|p| p.image()) {
            Some(img) => {
                knox_model::quote::command_line(&mut cmd, img.path.as_deref(), img.argv());
                img.path.as_deref()
            }
            None => None,
        },
    };
    if let Some(path) = path {
        o.bytes("name", basename(path));
    }
    if !cmd.is_empty() {
        o.bytes("cmd_line", &cmd);
    }
    if let Some(path) = path {
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
            user(o.key("user"), s.euid, at.ctx.accounts);
            // Ids as the kernel's signed ints: an unset audit user is -1.
            o.i64("auid", s.auid as i32 as i64);
            o.i64("euid", s.euid as i32 as i64);
            o.i64("egid", s.egid as i32 as i64);
        }
    }
    o.end();
}
